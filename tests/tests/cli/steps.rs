//! The staged test's REST steps: a missing scope or domain permission named for the admin, and
//! throttling and server-error storms ridden out.

use std::time::Duration;

use e2e::cli::{Cli, Tenant};
use workday_sim::{FaultScope, Faults, Storm};

use crate::assert_mentions;

/// The API client lacks the System functional area: token and users pass, the activity log fails
/// with 403 naming the System scope and System Auditing; the status is degraded.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_system_scope_fails_the_activity_step_only() {
    let tenant = Tenant::start(|s| s.scope_system = false).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;

    let run = cli.test("acme").await;
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.step("token")["verdict"], "pass", "{run}");
    assert_eq!(run.step("users")["verdict"], "pass", "{run}");
    let step = run.step("activity_log");
    assert_eq!(step["verdict"], "fail", "{run}");
    assert_eq!(step["http_status"], 403, "{run}");
    assert_eq!(
        step["problem"]["code"], "activity.permission_denied",
        "{run}"
    );
    let said = format!(
        "{} {} {}",
        step["problem"]["message"], step["problem"]["fix"], step["needs"]
    );
    assert_mentions(&said, "System functional area", &run);
    assert_mentions(&said, "System Auditing", &run);
    assert_eq!(run.json()["status"]["state"], "degraded", "{run}");
    let status = cli.status("acme").await;
    assert_eq!(status["state"], "degraded", "{status}");
    assert_mentions(
        status["reason"].as_str().unwrap_or_default(),
        "System",
        &run,
    );
}

/// The consenting account lacks "Worker Data: Public Worker Reports": the users step fails
/// naming it.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_staffing_permission_fails_the_users_step() {
    let tenant = Tenant::start(|s| s.perm_worker_reports = false).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;

    let run = cli.test("acme").await;
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.step("token")["verdict"], "pass", "{run}");
    let step = run.step("users");
    assert_eq!(step["verdict"], "fail", "{run}");
    assert_eq!(step["http_status"], 403, "{run}");
    assert_eq!(step["problem"]["code"], "users.permission_denied", "{run}");
    let said = format!("{} {}", step["problem"]["message"], step["problem"]["fix"]);
    assert_mentions(&said, "Public Worker Reports", &run);
    assert_mentions(&said, "Staffing", &run);
    assert_eq!(run.step("activity_log")["verdict"], "pass", "{run}");
    assert_eq!(cli.status("acme").await["state"], "degraded");
}

/// A 429 storm with `Retry-After`, then a 5xx storm, on the REST calls: the test passes both
/// times, and the retries after a 429 waited at least what Retry-After asked.
#[tokio::test(flavor = "multi_thread")]
async fn throttling_and_server_error_storms_are_ridden_out() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;

    let retry_after = 2;
    tenant.sim.set_faults(Faults {
        storm: Some(Storm {
            status: 429,
            remaining: 2,
            retry_after_secs: retry_after,
            scope: FaultScope::Rest,
        }),
        ..Faults::default()
    });
    let run = cli.test("acme").await;
    assert_eq!(run.ok()["passed"], true, "{run}");
    let rest = tenant.rest_calls();
    let throttled: Vec<usize> = (0..rest.len()).filter(|&i| rest[i].status == 429).collect();
    assert_eq!(throttled.len(), 2, "{rest:#?}");
    for i in throttled {
        let next = rest
            .get(i + 1)
            .unwrap_or_else(|| panic!("no retry: {rest:#?}"));
        assert_eq!(
            next.path, rest[i].path,
            "the throttled call is retried first"
        );
        let waited = (next.at - rest[i].at).to_std().unwrap_or_default();
        // Whole seconds from the log's clock; a little slack for clock granularity only.
        assert!(
            waited >= Duration::from_secs(retry_after) - Duration::from_millis(50),
            "Retry-After {retry_after} s not honoured: retried after {waited:?}\n{rest:#?}"
        );
    }

    tenant.sim.clear_request_log();
    tenant.sim.set_faults(Faults {
        storm: Some(Storm {
            status: 502,
            remaining: 3,
            scope: FaultScope::Rest,
            ..Storm::default()
        }),
        ..Faults::default()
    });
    let run = cli.test("acme").await;
    assert_eq!(run.ok()["passed"], true, "{run}");
    let rest = tenant.rest_calls();
    assert_eq!(
        rest.iter().filter(|r| r.status == 502).count(),
        3,
        "{rest:#?}"
    );
    assert_eq!(
        rest.iter().filter(|r| r.status == 200).count(),
        2,
        "{rest:#?}"
    );
    assert_eq!(tenant.sim.faults().storm.map(|s| s.remaining), Some(0));
}
