//! `wdconnect sync` and `events` end to end: a sync killed with SIGKILL at random moments and
//! restarted ends with exactly the tenant's events; exports round-trip; bad filters exit 2.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use chrono::{DateTime, Utc};
use e2e::cli::{Cli, Tenant};
use serde_json::Value;

fn multiset(events: impl IntoIterator<Item = Value>) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for e in events {
        *m.entry(e.to_string()).or_insert(0) += 1;
    }
    m
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().and_then(|s| s.parse().ok()).expect("a time")
}

/// Several SIGKILLs at random moments, then one uninterrupted pass: the store equals the tenant's
/// ground truth for the synced range (no loss, no duplicate), and exports round-trip. Twice, on
/// tenants generated from different seeds.
#[tokio::test(flavor = "multi_thread")]
async fn a_killed_sync_resumes_to_exactly_the_tenants_events() {
    for tenant_seed in [11, 29] {
        killed_sync_resumes(tenant_seed).await;
    }
}

async fn killed_sync_resumes(tenant_seed: u64) {
    let tenant = Tenant::start_with(|c| {
        c.events = 100_000;
        c.seed = tenant_seed;
    })
    .await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    let mut seed = u64::from(std::process::id()) ^ Utc::now().timestamp_subsec_nanos() as u64;
    for _ in 0..3 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let after = Duration::from_millis(200 + (seed >> 33) % 2500);
        let mut child = tokio::process::Command::from(e2e::command("wdconnect"))
            .arg("--home")
            .arg(e2e::native_path(cli.home()))
            .args(["sync", "acme", "--once", "--backfill-days", "1", "--json"])
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env_remove("WDCONNECT_HOME")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("wdconnect starts");
        tokio::time::sleep(after).await;
        // SIGKILL: no chance to clean up.
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
    let run = cli
        .cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await;
    let report = run.ok();
    let (origin, until) = (time(&report["origin"]), time(&report["synced_until"]));
    assert_eq!(report["synced_until"], report["to"], "{run}");

    let dump = cli.scratch().join("all.ndjson");
    cli.cmd([
        "events",
        "acme",
        "--format",
        "ndjson",
        "--include-own-calls",
        "--output",
    ])
    .arg(dump.display().to_string())
    .human()
    .run()
    .await;
    let stored: Vec<Value> = std::fs::read_to_string(&dump)
        .expect("the export is written")
        .lines()
        .map(e2e::cli::raw_event)
        .collect();
    let truth = tenant.sim.ground_truth(origin, until);
    assert!(truth.len() > 100, "a busy enough range");
    assert_eq!(
        stored.len(),
        truth.len(),
        "no loss, no duplicate (tenant seed {tenant_seed})"
    );
    assert_eq!(multiset(stored), multiset(truth));

    // CSV: a header and a row per event; the default hides the connector's own calls.
    let csv = cli
        .cmd(["events", "acme", "--format", "csv"])
        .human()
        .run()
        .await;
    assert_eq!(csv.code, 0, "{csv}");
    let mut lines = csv.stdout.lines();
    assert!(
        lines
            .next()
            .unwrap_or_default()
            .starts_with("request_time,system_account,")
    );
    assert!(
        !csv.stdout.contains("privacy/activityLogging"),
        "own calls hidden by default"
    );
}

/// Unparseable times, since after until, limit 0 and an unknown action or format are usage
/// errors: exit 2 with a message.
#[tokio::test(flavor = "multi_thread")]
async fn bad_event_filters_are_usage_errors() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    for (args, code) in [
        (vec!["--since", "yesterday"], "input.bad_time"),
        (vec!["--since", "1h", "--until", "2h"], "input.time_order"),
        (vec!["--limit", "0"], "input.bad_limit"),
        (vec!["--action", "DANCE"], "input.bad_action"),
    ] {
        let mut cmd = cli.cmd(["events", "acme"]);
        for a in &args {
            cmd = cmd.arg(*a);
        }
        cmd.run().await.error(2, code);
    }
    let run = cli
        .cmd(["events", "acme", "--format", "xml"])
        .human()
        .run()
        .await;
    assert_eq!(run.code, 2, "{run}");
}

/// Sets `sync.publish_lag_secs` of connection `name` in the config file (a setting a person may
/// edit there), so a sync reaches the calls the connector made a moment ago.
pub(super) fn set_publish_lag(cli: &Cli, name: &str, secs: u64) {
    fn walk(v: &mut Value, name: &str, secs: u64) -> bool {
        match v {
            Value::Object(m) if m.get("name").and_then(Value::as_str) == Some(name) => {
                m.entry("sync")
                    .or_insert_with(|| serde_json::json!({}))
                    .as_object_mut()
                    .expect("sync settings")
                    .insert("publish_lag_secs".into(), secs.into());
                true
            }
            Value::Object(m) => m.values_mut().any(|v| walk(v, name, secs)),
            Value::Array(a) => a.iter_mut().any(|v| walk(v, name, secs)),
            _ => false,
        }
    }
    let path = cli.home().join("connections.json");
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("config")).expect("json");
    assert!(
        walk(&mut config, name, secs),
        "connection {name} in {config}"
    );
    std::fs::write(&path, config.to_string()).expect("config written");
}

/// The tenant logs the connector's own requests as a real one does
/// (`privacy/activityLogging/userActivity (GET) (v1 -  )`, `Desktop`, a browser's user agent, the
/// consenting account): `events` and its exports hide them unless asked, and the sync report
/// counts them apart.
#[tokio::test(flavor = "multi_thread")]
async fn own_calls_in_the_real_shape_are_hidden_and_counted_apart() {
    let tenant = Tenant::start_with(|c| {
        c.events = 2_000;
        c.switches.publish_lag_max_secs = 0;
    })
    .await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    set_publish_lag(&cli, "acme", 0);
    // The staged test calls /workers and the activity log: two logged requests at least.
    cli.test("acme").await.ok();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let report = cli
        .cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await;
    let report = report.ok();
    let own_total = report["own_calls_total"].as_u64().expect("counted apart");
    assert!(own_total >= 2, "{report}");
    let total = report["events_total"].as_u64().unwrap();

    let ndjson = |extra: &[&str]| {
        let mut cmd = cli.cmd(["events", "acme", "--format", "ndjson"]).human();
        for a in extra {
            cmd = cmd.arg(*a);
        }
        async move {
            let run = cmd.run().await;
            assert_eq!(run.code, 0, "{run}");
            run.stdout
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).expect("JSON per line"))
                .collect::<Vec<_>>()
        }
    };
    let api_task = |e: &Value| {
        e["taskDisplayName"]
            .as_str()
            .is_some_and(|t| t.ends_with(" (GET) (v1 -  )"))
    };
    let shown = ndjson(&[]).await;
    assert!(!shown.iter().any(api_task), "own calls hidden by default");
    assert_eq!(shown.len() as u64, total - own_total);
    let all = ndjson(&["--include-own-calls"]).await;
    assert_eq!(all.len() as u64, total);
    let own: Vec<&Value> = all.iter().filter(|e| api_task(e)).collect();
    assert_eq!(own.len() as u64, own_total);
    assert!(
        own.iter().any(|e| e["taskDisplayName"]
            == "privacy/activityLogging/userActivity (GET) (v1 -  )"
            && e["deviceType"] == "Desktop"
            && e["activityAction"] == "READ"
            && e["systemAccount"] == workday_sim::CONSENT_ACCOUNT),
        "{own:?}"
    );
    assert!(
        own.iter()
            .any(|e| e["taskDisplayName"] == "common/workers (GET) (v1 -  )")
    );

    let human = cli.cmd(["sync", "acme", "--once"]).human().run().await;
    assert_eq!(human.code, 0, "{human}");
    assert!(
        human
            .stdout
            .contains("are API calls (this connector's own requests)"),
        "{human}"
    );
}
