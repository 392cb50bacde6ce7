//! The request rate as the tenant counts it: `wdconnect sync` (the connector in its own process)
//! against a tenant that stamps each request as it arrives and, like a real tenant, answers 429
//! above its limit.

use chrono::Duration;
use e2e::cli::{Cli, Tenant};

/// A day's backfill at the default 10 requests/s against a tenant that refuses the 11th request
/// in any second: none is refused, and no second holds more than ten arrivals.
#[tokio::test(flavor = "multi_thread")]
async fn a_sync_never_exceeds_ten_requests_in_any_second_as_the_tenant_counts_them() {
    let tenant = Tenant::start_with(|c| {
        c.events = 300_000;
        c.switches.rate_limit_per_sec = 10;
    })
    .await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    tenant.sim.clear_request_log();
    let report = cli
        .cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await;
    let report = report.ok();
    let mut rest = tenant.rest_calls();
    assert!(
        rest.len() > 30,
        "enough requests to fill several seconds: {} ({report})",
        rest.len()
    );
    let refused = rest.iter().filter(|r| r.status == 429).count();
    assert_eq!(
        refused, 0,
        "the tenant refused {refused} requests: {rest:#?}"
    );
    rest.sort_by_key(|r| r.arrived);
    for (i, r) in rest.iter().enumerate() {
        let within = rest[i..]
            .iter()
            .take_while(|x| x.arrived - r.arrived < Duration::seconds(1))
            .count();
        assert!(
            within <= 10,
            "{within} requests arrived within a second from {}",
            r.arrived
        );
    }
}
