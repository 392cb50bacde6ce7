//! `wdconnect sync` against a tenant whose answers cannot be trusted (rows shifted between
//! pages, short pages): the window is not stored, the pass ends before it with a warning, and
//! the next pass stores exactly the tenant's events; and events without a time are neither lost
//! nor stored twice.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use e2e::cli::{Cli, Tenant};
use serde_json::{Value, json};
use workday_sim::Faults;

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().and_then(|s| s.parse().ok()).expect("a time")
}

fn multiset(events: impl IntoIterator<Item = Value>) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for e in events {
        *m.entry(e.to_string()).or_insert(0) += 1;
    }
    m
}

/// Sets the rows per activity page of every connection in the home's configuration, as a
/// person editing the file would.
fn set_page_size(cli: &Cli, rows: u32) {
    let path = cli.config_file();
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the configuration"))
            .expect("JSON");
    fn patch(v: &mut Value, rows: u32, done: &mut usize) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(sync)) = m.get_mut("sync")
                    && sync.contains_key("page_size")
                {
                    sync.insert("page_size".into(), rows.into());
                    *done += 1;
                }
                m.values_mut().for_each(|v| patch(v, rows, done));
            }
            Value::Array(a) => a.iter_mut().for_each(|v| patch(v, rows, done)),
            _ => {}
        }
    }
    let mut done = 0;
    patch(&mut config, rows, &mut done);
    assert_eq!(done, 1, "one connection's sync settings in {config}");
    std::fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
}

/// Every event in the store, as the tenant sent it (the fields the export adds taken off).
async fn stored(cli: &Cli) -> Vec<Value> {
    let run = cli
        .cmd([
            "events",
            "acme",
            "--format",
            "ndjson",
            "--include-own-calls",
        ])
        .human()
        .run()
        .await;
    assert_eq!(run.code, 0, "{run}");
    run.stdout.lines().map(e2e::cli::raw_event).collect()
}

pub(super) async fn assert_store_is_truth(
    cli: &Cli,
    tenant: &Tenant,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) {
    let have = stored(cli).await;
    let truth = tenant.sim.ground_truth(from, to);
    assert_eq!(have.len(), truth.len(), "no loss, no duplicate");
    assert_eq!(multiset(have), multiset(truth));
}

/// Under each fault the window is left out with `activity.window_unstable` (in the JSON report
/// and in the text on stderr), the checkpoint stays before it and the store holds exactly the
/// events before it; with the fault lifted the next pass stores exactly the tenant's events.
#[tokio::test(flavor = "multi_thread")]
async fn an_unstable_window_is_not_stored_and_is_read_again_next_pass() {
    for fault in [
        Faults {
            shift_rows: true,
            ..Faults::default()
        },
        Faults {
            short_pages: true,
            ..Faults::default()
        },
    ] {
        let tenant = Tenant::start_with(|c| c.events = 2_000).await;
        // Whatever the hour, a busy minute half a day ago: a window of several pages.
        let busy = Utc::now() - Duration::hours(12);
        for i in 0..30 {
            let at = busy + Duration::seconds(i);
            tenant.sim.log_event(
                at,
                json!({"requestTime": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                       "sessionId": format!("busy-{i}"), "systemAccount": "lmartin"}),
            );
        }
        let cli = Cli::new();
        cli.add("acme", &tenant).await;
        cli.connect("acme").await;
        set_page_size(&cli, 10);
        tenant.sim.set_faults(fault.clone());

        let run = cli
            .cmd(["sync", "acme", "--once", "--backfill-days", "1"])
            .run()
            .await;
        let report = run.ok();
        let warnings = report["warnings"].as_array().expect("warnings");
        let unstable: Vec<&Value> = warnings
            .iter()
            .filter(|w| w["code"] == "activity.window_unstable")
            .collect();
        assert_eq!(unstable.len(), 1, "{fault:?}: {run}");
        assert!(
            !unstable[0]["fix"].as_str().unwrap_or_default().is_empty(),
            "{run}"
        );
        let (origin, until) = (time(&report["origin"]), time(&report["synced_until"]));
        assert!(
            until < time(&report["to"]),
            "the checkpoint stops before the window: {run}"
        );
        assert_store_is_truth(&cli, &tenant, origin, until).await;

        // The same in the text a person reads.
        let human = cli
            .cmd(["sync", "acme", "--once", "--backfill-days", "1"])
            .human()
            .run()
            .await;
        assert_eq!(human.code, 0, "{human}");
        assert!(
            human.stderr.contains("activity.window_unstable"),
            "{fault:?}: {human}"
        );

        tenant.sim.set_faults(Faults::default());
        let run = cli
            .cmd(["sync", "acme", "--once", "--backfill-days", "1"])
            .run()
            .await;
        let report = run.ok();
        assert_eq!(report["warnings"], json!([]), "{run}");
        assert_eq!(report["synced_until"], report["to"], "{run}");
        assert_store_is_truth(&cli, &tenant, origin, time(&report["synced_until"])).await;
    }
}

/// Identical events without requestTime in different windows are all kept, and counted; the
/// next pass, which reads the last minutes again, stores none of them twice.
#[tokio::test(flavor = "multi_thread")]
async fn identical_events_without_a_time_are_all_kept_once() {
    let tenant = Tenant::start_with(|c| c.events = 5_000).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    let untimed = json!({"systemAccount": "lmartin", "activityAction": "READ",
        "taskDisplayName": "View Worker", "sessionId": "5e55", "ipAddress": "198.51.100.7"});
    let now = Utc::now();
    // Hours apart (never one window), and the last in the minutes the next pass reads again.
    for ago in [Duration::hours(9), Duration::hours(5), Duration::minutes(5)] {
        tenant.sim.log_event(now - ago, untimed.clone());
    }
    let count = |events: &[Value]| events.iter().filter(|e| **e == untimed).count();

    let run = cli
        .cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await;
    let first = run.ok();
    assert_eq!(count(&stored(&cli).await), 3, "none lost: {run}");
    assert!(first["events_untimed"].as_u64().unwrap_or(0) >= 3, "{run}");
    let origin = time(&first["origin"]);
    assert_store_is_truth(&cli, &tenant, origin, time(&first["synced_until"])).await;

    let run = cli
        .cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await;
    let second = run.ok();
    assert!(time(&second["from"]) < now - Duration::minutes(5), "{run}");
    assert_eq!(count(&stored(&cli).await), 3, "none twice: {run}");
    assert_store_is_truth(&cli, &tenant, origin, time(&second["synced_until"])).await;
}

/// Identical events that fill several pages are twins, not re-reads: the read with the pages
/// cut elsewhere holds them as often, so all are kept, with no warning, and kept once.
#[tokio::test(flavor = "multi_thread")]
async fn identical_events_across_page_boundaries_are_all_kept() {
    let tenant = Tenant::start_with(|c| c.events = 0).await;
    let at = Utc::now() - Duration::hours(3);
    let twin = json!({"requestTime": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "sessionId": "7w1n", "systemAccount": "lmartin", "taskDisplayName": "View Worker"});
    for _ in 0..10 {
        tenant.sim.log_event(at, twin.clone());
    }
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    set_page_size(&cli, 3);
    let count = |events: &[Value]| events.iter().filter(|e| **e == twin).count();
    for pass in 0..2 {
        let run = cli
            .cmd(["sync", "acme", "--once", "--backfill-days", "1"])
            .run()
            .await;
        let report = run.ok();
        assert_eq!(report["warnings"], json!([]), "pass {pass}: {run}");
        assert_eq!(report["synced_until"], report["to"], "{run}");
        assert_eq!(count(&stored(&cli).await), 10, "pass {pass}: {run}");
    }
}
