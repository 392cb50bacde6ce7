//! `remove` and the activity log: kept by default (deleting collected events cannot be undone),
//! deleted with `--delete-events`; a kept log is bound to its tenant, so a new connection of the
//! same name that points at another tenant never resumes it or mixes two tenants' events.

use e2e::cli::{Cli, Tenant};

fn store_files(cli: &Cli) -> Vec<String> {
    std::fs::read_dir(cli.home().join("data/activity"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("acme.sqlite3") && !n.ends_with("-lock"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kept_activity_log_is_never_resumed_for_another_tenant() {
    let first = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &first).await;
    cli.connect("acme").await;
    let sync = ["sync", "acme", "--once", "--backfill-days", "1"];
    cli.cmd(sync).run().await.ok();

    let run = cli
        .cmd(["remove", "acme", "--keep-events", "--delete-events"])
        .run()
        .await;
    assert_eq!(run.code, 2, "the two flags exclude each other: {run}");
    assert_eq!(cli.names().await, ["acme"]);

    // Kept by default, and said where.
    let removed = cli.cmd(["remove", "acme"]).run().await.ok();
    let kept = removed["activity_log_kept"].as_str().expect("a kept path");
    // Named as the binary spells it (a Windows path under Wine): the file is the home's store.
    assert!(kept.ends_with("acme.sqlite3"), "{removed}");
    assert!(
        cli.home().join("data/activity/acme.sqlite3").exists(),
        "{removed}"
    );
    assert_eq!(removed["activity_log_deleted"], false);
    let before = cli.snapshot();

    // The same name, another tenant: the old log is refused, not resumed, and left as it is.
    let second = Tenant::start_with(|c| c.tenant = "globex_e2e".into()).await;
    cli.add("acme", &second).await;
    cli.connect("acme").await;
    let run = cli.cmd(sync).run().await;
    let e = run.error(1, "activity.tenant_mismatch");
    crate::assert_mentions(&e.message, "acme_e2e", &run);
    crate::assert_mentions(&e.fix, "--delete-events", &run);
    let run = cli
        .cmd(["events", "acme", "--format", "ndjson"])
        .run()
        .await;
    run.error(1, "activity.tenant_mismatch");
    let after = cli.snapshot();
    for (path, bytes) in &before {
        if path.to_string_lossy().ends_with("acme.sqlite3") {
            assert_eq!(after.get(path), Some(bytes), "{} changed", path.display());
        }
    }
    assert!(
        second
            .rest_calls()
            .iter()
            .all(|r| !r.path.contains("activityLogging")),
        "no activity was read into the other tenant's store"
    );

    // Deleted with the connection: the same name starts a new log for its new tenant.
    let removed = cli
        .cmd(["remove", "acme", "--delete-events"])
        .run()
        .await
        .ok();
    assert_eq!(removed["activity_log_deleted"], true, "{removed}");
    assert!(removed["activity_log_kept"].is_null());
    assert_eq!(store_files(&cli), Vec::<String>::new());
    cli.add("acme", &second).await;
    cli.connect("acme").await;
    let report = cli.cmd(sync).run().await.ok();
    assert!(
        report["events_stored"].as_u64().unwrap_or(0) > 0,
        "{report}"
    );
}
