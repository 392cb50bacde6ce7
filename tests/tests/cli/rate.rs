//! A tenant that enforces its request limit, as a real one does (429 with Retry-After above it):
//! `wdconnect sync` (the connector in its own process) loses nothing to it.
//!
//! How close the connector runs to the limit as the tenant counts arrivals is a figure, not a
//! test: on a loaded machine a request that left the limiter late can arrive in the same second
//! as the next ones. See the README's Benchmarks (`sync_bench --sim-process`).

use chrono::{DateTime, Utc};
use e2e::cli::{Cli, Tenant};

/// A day's backfill at the default 10 requests/s against a tenant that refuses the 11th request
/// in any second: the store ends equal to the tenant, and every refused request was asked again
/// and answered.
#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_that_enforces_its_limit_loses_no_event() {
    let tenant = Tenant::start_with(|c| {
        c.events = 300_000;
        c.switches.rate_limit_per_sec = 10;
    })
    .await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    tenant.sim.clear_request_log();
    let run = cli
        .cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await;
    let report = run.ok();
    let rest = tenant.rest_calls();
    assert!(
        rest.len() > 30,
        "enough requests to fill several seconds: {} ({report})",
        rest.len()
    );
    for refused in rest.iter().filter(|r| r.status == 429) {
        assert!(
            rest.iter()
                .any(|r| r.status == 200 && r.at > refused.at && r.query == refused.query),
            "a refused request is asked again and answered: {refused:?}"
        );
    }
    let time = |v: &serde_json::Value| -> DateTime<Utc> {
        v.as_str().and_then(|s| s.parse().ok()).expect("a time")
    };
    assert_eq!(report["synced_until"], report["to"], "{report}");
    super::sync_faults::assert_store_is_truth(
        &cli,
        &tenant,
        time(&report["origin"]),
        time(&report["synced_until"]),
    )
    .await;
}
