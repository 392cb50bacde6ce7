//! `wdconnect sync` polling: it goes on through what passes by itself (the token endpoint
//! failing with 5xx for a while, the store held by another sync) and stops only on what needs a
//! person (a refresh token the tenant refuses).

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use e2e::cli::{Cli, Tenant};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use workday_sim::{FaultScope, Faults, Storm};

/// Collects a pipe's lines in the background.
fn collect(pipe: impl AsyncRead + Unpin + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = text.clone();
    tokio::spawn(async move {
        let mut lines = BufReader::new(pipe).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut t = sink.lock().unwrap();
            t.push_str(&line);
            t.push('\n');
        }
    });
    text
}

/// Waits (at most a minute) until `text` holds `needle` `count` times.
async fn wait_for(text: &Arc<Mutex<String>>, needle: &str, count: usize, what: &str) {
    for _ in 0..600 {
        if text.lock().unwrap().matches(needle).count() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{what}: no {count}x {needle:?} in:\n{}",
        text.lock().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn polling_survives_transient_failures_and_stops_on_a_refused_token() {
    // Short-lived access tokens: every pass refreshes, so a refused refresh token shows at once.
    let tenant = Tenant::start(|s| s.access_token_lifetime_secs = 2).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    // Passes a second apart, so the test does not wait minutes (the setting's floor is 60 s
    // when saved through the app; a file edited by hand is read as it is).
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cli.config_file()).unwrap()).unwrap();
    config["connections"][0]["sync"] = serde_json::json!({"poll_interval_secs": 1});
    std::fs::write(cli.config_file(), config.to_string()).unwrap();

    // The token endpoint answers 503 to every attempt of the first pass.
    tenant.sim.set_faults(Faults {
        storm: Some(Storm {
            status: 503,
            remaining: 3,
            scope: FaultScope::Token,
            ..Storm::default()
        }),
        ..Faults::default()
    });
    let mut child = tokio::process::Command::from(e2e::command("wdconnect"))
        .arg("--home")
        .arg(e2e::native_path(cli.home()))
        .args(["sync", "acme", "--backfill-days", "1"])
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("WDCONNECT_HOME")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("wdconnect starts");
    let stdout = collect(child.stdout.take().unwrap());
    let stderr = collect(child.stderr.take().unwrap());
    wait_for(&stderr, "error:", 1, "the first pass fails").await;
    wait_for(&stdout, "Synced \"acme\"", 1, "a later pass succeeds").await;
    assert!(
        tenant.token_calls().iter().any(|r| r.status == 503),
        "the storm was met"
    );

    // Another sync holds the store: this pass is refused, a later one goes through. Not under
    // Wine, which keeps Windows file locks in its own server: a lock this Linux process takes is
    // invisible to wdconnect.exe (the lock itself is tested on Windows by the connector's tests).
    if !e2e::under_wine() {
        let lock_path = cli.home().join("data/activity/acme.sqlite3.sync-lock");
        let lock = std::fs::OpenOptions::new()
            .write(true)
            .open(&lock_path)
            .expect("the sync lock exists");
        lock.lock().expect("the test takes the sync lock");
        wait_for(
            &stderr,
            "activity.sync_running",
            1,
            "a pass meets the held store",
        )
        .await;
        let synced = stdout.lock().unwrap().matches("Synced \"acme\"").count();
        drop(lock);
        wait_for(
            &stdout,
            "Synced \"acme\"",
            synced + 1,
            "a pass after the release",
        )
        .await;
    }
    assert!(child.try_wait().unwrap().is_none(), "still polling");

    // A refused refresh token needs a person: polling stops with its error.
    tenant.sim.revoke_refresh_tokens();
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("polling stops on a refused token")
        .expect("wdconnect exits");
    assert_eq!(status.code(), Some(1));
    let err = stderr.lock().unwrap().clone();
    assert!(err.contains("token.invalid_grant"), "{err}");
}
