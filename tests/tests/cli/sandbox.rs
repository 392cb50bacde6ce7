//! `wdconnect` against the simulated tenant, as a script would use it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

/// `wdconnect sandbox --json` prints the tenant's values as one JSON line, serves the tenant
/// until interrupted, never prints the client secret, and exits 0 on Ctrl-C.
#[tokio::test(flavor = "multi_thread")]
async fn sandbox_json_prints_the_values_and_serves_until_interrupted() {
    let mut child = Command::new(e2e::binary("wdconnect"))
        .args([
            "sandbox",
            "--json",
            "--events",
            "2000",
            "--redirect-port",
            "9123",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("wdconnect starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("a first line");
    let info: Value = serde_json::from_str(&line).expect("the first line is one JSON object");

    assert_eq!(info["simulated"], true);
    assert_eq!(info["redirect_uri"], "http://127.0.0.1:9123/callback");
    for key in [
        "client_id",
        "rest_api_endpoint",
        "token_endpoint",
        "authorization_endpoint",
    ] {
        assert!(
            info[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} missing in {line}"
        );
    }
    assert!(
        info.get("client_secret").is_none(),
        "the secret must not be printed: {line}"
    );

    // The tenant really serves: an unknown client is refused the way Workday refuses it.
    let answer = reqwest::Client::new()
        .post(info["token_endpoint"].as_str().unwrap())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "nope"),
            ("client_id", "nobody"),
            ("client_secret", "nothing"),
        ])
        .send()
        .await
        .expect("the token endpoint answers");
    assert_eq!(answer.status().as_u16(), 401);

    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().expect("wdconnect exits");
    assert!(
        status.success(),
        "Ctrl-C ends the sandbox cleanly: {status}"
    );
}

#[test]
fn bad_usage_exits_2_with_a_message() {
    let out = Command::new(e2e::binary("wdconnect"))
        .args(["sandbox", "--redirect-port", "not-a-port"])
        .output()
        .expect("wdconnect runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--redirect-port"), "{stderr}");
}
