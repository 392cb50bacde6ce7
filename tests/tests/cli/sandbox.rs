//! `wdconnect sandbox` as the README's two terminals use it, and bad usage.

use std::process::Stdio;
use std::time::Duration;

use e2e::cli::Cli;
use e2e::ports::reserve_port;
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
    let reserved = reserve_port();
    let port = reserved.port();
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
    // Marked as the simulation by the connector itself, and waiting for its sign-in.
    assert_eq!(shown["simulated"], true, "{shown}");
    assert_eq!(shown["status"]["label"], "Not signed in", "{shown}");
    let human = cli.cmd(["status"]).human().run().await;
    assert!(human.stdout.contains("Not signed in"), "{human}");
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

const REAL_REST: &str = "https://wd2-impl-services1.workday.com/ccx/api/v1/acme_sandbox";
const REAL_TOKEN: &str = "https://wd2-impl-services1.workday.com/ccx/oauth2/acme_sandbox/token";
const REAL_AUTH: &str = "https://impl.workday.com/acme_sandbox/authorize";
const REAL_ID: &str = "ZmM1YjE2YTgtNTc0Zi00NDhiLWE3ZGQtZjNkMDVmZWVkY2Q5";
const REAL_SECRET: &str = "real-client-secret-shown-once-by-workday-0123456789";
const REAL_REFRESH: &str = "real-refresh-token-0123456789abcdefghijklmnopqrstuv";

/// The sandbox's name is reserved in any letter case; a real connection of that name made
/// before (a Workday customer's sandbox tenant) survives `wdconnect sandbox` byte for byte
/// (profile, secrets, state, store), and the sandbox starts once it is renamed.
#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_never_takes_over_a_real_connection_of_its_name() {
    let cli = Cli::new();
    for name in ["Sandbox", "SANDBOX", "sandbox", " sandbox "] {
        let run = cli
            .cmd(["add", name])
            .values(REAL_ID, REAL_REST, REAL_TOKEN, REAL_AUTH)
            .stdin(REAL_SECRET)
            .run()
            .await;
        let e = run.error(2, "profile.name_reserved");
        crate::assert_mentions(&e.fix, "another name", &run);
    }
    assert!(cli.names().await.is_empty());
    assert_eq!(cli.keyring("Sandbox", "client-secret"), None);

    // A real "Sandbox" as an older version left it: profile, secrets, state and a store.
    let profile = serde_json::json!({"version": 1, "connections": [{
        "name": "Sandbox",
        "client_id": REAL_ID,
        "rest_api_endpoint": REAL_REST,
        "token_endpoint": REAL_TOKEN,
        "authorization_endpoint": REAL_AUTH,
    }]});
    std::fs::write(cli.config_file(), profile.to_string()).unwrap();
    let state = serde_json::json!({"version": 1, "connections": {"Sandbox": {
        "status": {"state": "connected"}, "last_success": "2026-01-02T03:04:05Z"
    }}});
    std::fs::write(cli.home().join("state.json"), state.to_string()).unwrap();
    cli.set_keyring("Sandbox", "client-secret", REAL_SECRET);
    cli.set_keyring("Sandbox", "refresh-token", REAL_REFRESH);
    cli.cmd(["events", "Sandbox", "--format", "ndjson"])
        .run()
        .await;
    let before = cli.snapshot();
    assert!(
        before
            .keys()
            .any(|p| p.to_string_lossy().ends_with(".sqlite3")),
        "a store exists: {:?}",
        before.keys()
    );

    let reserved = reserve_port();
    let port = reserved.port().to_string();
    let run = cli
        .cmd(["sandbox", "--events", "1000", "--redirect-port", &port])
        .run()
        .await;
    let e = run.error(1, "sandbox.name_taken");
    crate::assert_mentions(&e.fix, "rename", &run);
    assert_eq!(cli.snapshot(), before, "nothing of \"Sandbox\" changed");
    assert_eq!(
        cli.keyring("Sandbox", "client-secret").as_deref(),
        Some(REAL_SECRET)
    );
    assert_eq!(
        cli.keyring("Sandbox", "refresh-token").as_deref(),
        Some(REAL_REFRESH)
    );

    // Editing it under the reserved name is refused too, and changes nothing.
    let run = cli
        .cmd(["edit", "sandbox", "--client-id", "other"])
        .run()
        .await;
    run.error(2, "profile.name_reserved");
    assert_eq!(cli.snapshot(), before);

    // Renamed, it keeps everything, and the sandbox gets its name.
    let renamed = cli
        .cmd(["rename", "sandbox", "Acme sandbox"])
        .run()
        .await
        .ok();
    assert_eq!(renamed["to"], "Acme sandbox");
    assert_eq!(
        cli.keyring("Acme sandbox", "client-secret").as_deref(),
        Some(REAL_SECRET)
    );
    assert_eq!(
        cli.keyring("Acme sandbox", "refresh-token").as_deref(),
        Some(REAL_REFRESH)
    );
    assert_eq!(cli.keyring("Sandbox", "client-secret"), None);
    let shown = cli.cmd(["show", "Acme sandbox"]).run().await.ok();
    assert_eq!(shown["rest_api_endpoint"], REAL_REST);
    assert_eq!(shown["simulated"], false);
    assert_eq!(cli.status("Acme sandbox").await["state"], "connected");

    let mut child = tokio::process::Command::from(e2e::command("wdconnect"))
        .arg("--home")
        .arg(e2e::native_path(cli.home()))
        .args([
            "sandbox",
            "--json",
            "--events",
            "1000",
            "--redirect-port",
            &port,
        ])
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
    let info: Value = serde_json::from_str(&line).expect("one JSON object");
    let sandbox = cli.cmd(["show", "sandbox"]).run().await.ok();
    assert_eq!(sandbox["name"], "sandbox");
    assert_eq!(sandbox["simulated"], true);
    assert_eq!(sandbox["rest_api_endpoint"], info["rest_api_endpoint"]);
    assert_eq!(
        cli.keyring("Acme sandbox", "client-secret").as_deref(),
        Some(REAL_SECRET)
    );
    interrupt(child.id().expect("still running"));
    let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
}
