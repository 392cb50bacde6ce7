//! `wdconnect sandbox` as the README's two terminals use it, and bad usage.

use std::process::Stdio;
use std::time::Duration;

use e2e::cli::{Cli, free_port};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Sends Ctrl-C (SIGINT) to a process this test started.
fn interrupt(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status();
}

/// Terminal 1: `wdconnect sandbox --json` prints the tenant's values as one JSON line (never the
/// client secret), points the connection `sandbox` at it and serves until Ctrl-C, then exits 0.
/// Terminal 2, with the same home: `connect sandbox` and `test sandbox` pass.
#[tokio::test(flavor = "multi_thread")]
async fn sandbox_in_one_terminal_connect_and_test_in_another() {
    let cli = Cli::new();
    let port = free_port();
    let mut child = tokio::process::Command::from(e2e::command("wdconnect"))
        .arg("--home")
        .arg(e2e::native_path(cli.home()))
        .args(["sandbox", "--json", "--events", "20000", "--redirect-port"])
        .arg(port.to_string())
        .env_remove("WDCONNECT_HOME")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("wdconnect starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::time::timeout(Duration::from_secs(60), stdout.read_line(&mut line))
        .await
        .expect("the sandbox prints its values")
        .expect("a first line");
    let info: Value = serde_json::from_str(&line).expect("the first line is one JSON object");

    assert_eq!(info["simulated"], true);
    assert_eq!(
        info["redirect_uri"],
        format!("http://127.0.0.1:{port}/callback")
    );
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
    let secret = cli
        .keyring("sandbox", "client-secret")
        .expect("the sandbox's secret is in the credential store");
    assert!(!line.contains(&secret));

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

    // Terminal 2.
    let shown = cli.cmd(["show", "sandbox"]).run().await.ok();
    assert_eq!(shown["rest_api_endpoint"], info["rest_api_endpoint"]);
    cli.connect("sandbox").await;
    let run = cli.test("sandbox").await;
    assert_eq!(run.ok()["passed"], true, "{run}");
    assert_eq!(cli.status("sandbox").await["state"], "connected");

    interrupt(child.id().expect("still running"));
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the sandbox stops on Ctrl-C")
        .expect("wdconnect exits");
    assert!(
        status.success(),
        "Ctrl-C ends the sandbox cleanly: {status}"
    );
}

#[test]
fn bad_usage_exits_2_with_a_message() {
    let out = e2e::command("wdconnect")
        .args(["sandbox", "--redirect-port", "not-a-port"])
        .output()
        .expect("wdconnect runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--redirect-port"), "{stderr}");
}
