//! A connection's name typed in another letter case designates the stored connection at every
//! command: its secrets, status, store and locks are the stored name's, never the typed one's.

use e2e::cli::{Cli, Tenant};

/// With a connection "Acme", `edit acme` never renames it, `sync acme` and `sync ACME` share
/// one store, `disconnect acme` forgets Acme's refresh token and `remove acme` both secrets.
#[tokio::test(flavor = "multi_thread")]
async fn a_name_typed_in_another_case_is_the_stored_connection() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("Acme", &tenant).await;
    cli.connect("acme").await;
    assert!(cli.keyring("Acme", "refresh-token").is_some());
    if !e2e::target_is_windows() {
        // Windows' Credential Manager matches names regardless of case: there "acme" is Acme's.
        assert_eq!(cli.keyring("acme", "refresh-token"), None);
    }

    let secret = tenant.values().client_secret;
    let run = cli.cmd(["edit", "acme"]).stdin(&secret).run().await;
    run.ok();
    assert_eq!(cli.names().await, ["Acme"], "edit must not rename: {run}");
    assert_eq!(cli.keyring("Acme", "client-secret"), Some(secret));
    if !e2e::target_is_windows() {
        assert_eq!(cli.keyring("acme", "client-secret"), None);
    }

    let first = cli
        .cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await
        .ok();
    assert_eq!(first["connection"], "Acme");
    let second = cli
        .cmd(["sync", "ACME", "--once", "--backfill-days", "1"])
        .run()
        .await
        .ok();
    assert_eq!(
        second["origin"], first["origin"],
        "the second sync resumed the first one's store: {second}"
    );
    let stores: Vec<_> = std::fs::read_dir(cli.home().join("data/activity"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sqlite3"))
        .collect();
    assert_eq!(stores.len(), 1, "one store for one connection: {stores:?}");
    let events = cli
        .cmd([
            "events",
            "aCmE",
            "--format",
            "ndjson",
            "--include-own-calls",
        ])
        .human()
        .run()
        .await;
    assert_eq!(events.code, 0, "{events}");
    assert!(!events.stdout.trim().is_empty(), "{events}");

    let run = cli.cmd(["test", "acme"]).run().await;
    assert_eq!(run.ok()["connection"], "Acme", "{run}");
    assert_eq!(cli.status("Acme").await["state"], "connected");

    cli.cmd(["disconnect", "acme"]).run().await.ok();
    assert_eq!(cli.keyring("Acme", "refresh-token"), None);
    assert_eq!(cli.status("Acme").await["state"], "not_configured");

    cli.connect("ACME").await;
    assert!(cli.keyring("Acme", "refresh-token").is_some());
    let removed = cli.cmd(["remove", "acme"]).run().await.ok();
    assert_eq!(removed["removed"], "Acme");
    assert!(cli.names().await.is_empty());
    assert_eq!(cli.keyring("Acme", "refresh-token"), None);
    assert_eq!(cli.keyring("Acme", "client-secret"), None);
}
