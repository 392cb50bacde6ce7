//! REST calls against the tenant: answers, permissions, errors, retries, the rate limit and
//! activity paging against the ground truth.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use secrecy::SecretString;
use serde_json::Value;
use workday_client::endpoints::Endpoints;
use workday_client::ratelimit::RateLimiter;
use workday_client::rest::{ActivityQuery, ApiError, Call, RestClient, whole_seconds};
use workday_client::retry::{RetryEvent, RetryPolicy, RetryReason};
use workday_sim::{FaultScope, Faults, ListenerKind, RequestRecord, Storm};

use crate::common::*;

fn rest_log(env: &Env) -> Vec<RequestRecord> {
    env.sim
        .request_log()
        .into_iter()
        .filter(|r| r.listener == ListenerKind::Services && r.path.starts_with("/ccx/api/"))
        .collect()
}

fn query_value(r: &RequestRecord, name: &str) -> Option<String> {
    url::form_urlencoded::parse(r.query.as_deref()?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn settled_window() -> (DateTime<Utc>, DateTime<Utc>) {
    let now = whole_seconds(Utc::now());
    (
        now - ChronoDuration::minutes(62),
        now - ChronoDuration::minutes(2),
    )
}

type Events = Arc<Mutex<Vec<(Call, RetryEvent)>>>;

fn recording(client: RestClient) -> (RestClient, Events) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let client =
        client.with_retry_observer(move |call, e| sink.lock().unwrap().push((call, e.clone())));
    (client, events)
}

#[tokio::test]
async fn workers_pages() {
    let env = start(|c| c.users = 12).await;
    let at = env.sign_in().await.access_token;
    let rest = env.rest(RetryPolicy::fast(3));
    let p = rest.workers(&at, 5, 0).await.expect("workers");
    assert_eq!(p.total, 12);
    assert_eq!(p.data.len(), 5);
    let last = rest.workers(&at, 5, 10).await.expect("workers");
    assert_eq!(last.data.len(), 2);
    let r = &rest_log(&env)[0];
    assert_eq!(r.path, "/ccx/api/v1/acme_sandbox/workers");
    assert_eq!(query_value(r, "limit").as_deref(), Some("5"));
    assert_eq!(query_value(r, "offset").as_deref(), Some("0"));
}

#[tokio::test]
async fn a_bad_token_is_unauthorized_and_not_retried() {
    let env = start(|_| {}).await;
    let rest = env.rest(RetryPolicy::fast(5));
    let e = rest
        .workers(&SecretString::from("not-a-token"), 1, 0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "api.unauthorized");
    assert_eq!(e.http_status(), Some(401));
    assert_eq!(e.call(), Call::Workers);
    assert!(e.fix().contains("sign in again"));
    assert_eq!(rest_log(&env).len(), 1, "a 401 is the caller's to handle");
}

#[tokio::test]
async fn permission_denied_names_the_scope_and_domain() {
    let env = start(|_| {}).await;
    let at = env.sign_in().await.access_token;
    let rest = env.rest(RetryPolicy::fast(5));
    let (from, to) = settled_window();
    let q = ActivityQuery {
        from,
        to,
        limit: 1,
        offset: 0,
    };
    type Switch = fn(&mut workday_sim::Switches);
    let cases: [(Switch, Call); 4] = [
        (|s| s.scope_staffing = false, Call::Workers),
        (|s| s.perm_worker_reports = false, Call::Workers),
        (|s| s.scope_system = false, Call::ActivityLog),
        (|s| s.perm_system_auditing = false, Call::ActivityLog),
    ];
    for (switch, call) in cases {
        env.sim
            .update_switches(|s| *s = workday_sim::Switches::default());
        env.sim.update_switches(switch);
        env.sim.clear_request_log();
        // The other call still works: the failure is specific.
        let (e, other_ok) = match call {
            Call::Workers => (
                rest.workers(&at, 1, 0).await.unwrap_err(),
                rest.activity(&at, &q).await.is_ok(),
            ),
            Call::ActivityLog => (
                rest.activity(&at, &q).await.unwrap_err(),
                rest.workers(&at, 1, 0).await.is_ok(),
            ),
        };
        assert!(other_ok, "{call:?}");
        assert_eq!(e.http_status(), Some(403));
        assert_eq!(e.call(), call);
        let fix = e.fix();
        match call {
            Call::Workers => {
                assert_eq!(e.code(), "users.permission_denied");
                assert!(
                    fix.contains("Public Worker Reports") && fix.contains("Staffing"),
                    "{fix}"
                );
            }
            Call::ActivityLog => {
                assert_eq!(e.code(), "activity.permission_denied");
                assert!(
                    fix.contains("System Auditing") && fix.contains("System"),
                    "{fix}"
                );
            }
        }
        for task in [
            "Edit API Client",
            "Register API Client",
            "Maintain Permissions for Security Group",
            "Activate Pending Security Policy Changes",
        ] {
            assert!(fix.contains(task), "{task}: {fix}");
        }
        assert_eq!(rest_log(&env).len(), 2, "a 403 is not retried");
    }
    assert_eq!(Call::Workers.domain(), "Worker Data: Public Worker Reports");
    assert_eq!(Call::ActivityLog.scope(), "System");
}

#[tokio::test]
async fn wrong_tenant_wrong_path_and_bad_parameters() {
    let env = start(|_| {}).await;
    let at = env.sign_in().await.access_token;
    let good = env.endpoints();

    let mut wrong_tenant: Endpoints = good.clone();
    wrong_tenant.rest_api = url::Url::parse(
        &env.v
            .rest_api_endpoint
            .replace("acme_sandbox", "acme_other"),
    )
    .unwrap();
    let rest = env.rest_with(
        wrong_tenant,
        RetryPolicy::fast(2),
        Arc::new(RateLimiter::new(1000.0)),
    );
    let e = rest.workers(&at, 1, 0).await.unwrap_err();
    assert_eq!(e.code(), "api.tenant_unavailable");
    assert_eq!(e.http_status(), Some(503));
    assert!(e.fix().contains("tenant"));

    let mut wrong_path = good.clone();
    wrong_path.rest_api =
        url::Url::parse(&env.v.rest_api_endpoint.replace("/api/v1/", "/api/v2/")).unwrap();
    let rest = env.rest_with(
        wrong_path,
        RetryPolicy::fast(3),
        Arc::new(RateLimiter::new(1000.0)),
    );
    env.sim.clear_request_log();
    let e = rest.workers(&at, 1, 0).await.unwrap_err();
    assert_eq!(e.code(), "api.not_found");
    assert!(e.fix().contains("Workday REST API Endpoint"));
    assert_eq!(rest_log(&env).len(), 1, "a 404 is not retried");

    // Workday's 400 body: the detail from `errors[]` reaches the message.
    let rest = env.rest(RetryPolicy::fast(3));
    let (from, to) = settled_window();
    let e = rest
        .activity(
            &at,
            &ActivityQuery {
                from,
                to,
                limit: 5000,
                offset: 0,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "api.bad_request");
    assert!(e.message().contains("limit must be"), "{}", e.message());
}

#[tokio::test]
async fn a_429_storm_is_survived_waiting_retry_after() {
    let env = start(|_| {}).await;
    let at = env.sign_in().await.access_token;
    let policy = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    };
    let (rest, events) = recording(env.rest(policy));
    env.sim.clear_request_log();
    env.sim.set_faults(Faults {
        storm: Some(Storm {
            status: 429,
            remaining: 2,
            retry_after_secs: 1,
            scope: FaultScope::Rest,
        }),
        ..Default::default()
    });
    let p = rest.workers(&at, 1, 0).await.expect("survives the storm");
    assert_eq!(p.data.len(), 1);
    let log = rest_log(&env);
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200]);
    for pair in log.windows(2) {
        let gap = (pair[1].at - pair[0].at).to_std().unwrap();
        assert!(
            gap >= Duration::from_millis(1000),
            "Retry-After honoured: {gap:?}"
        );
    }
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 2);
    for (call, e) in events.iter() {
        assert_eq!(*call, Call::Workers);
        assert_eq!(e.reason, RetryReason::Throttled);
        assert_eq!(e.retry_after, Some(Duration::from_secs(1)));
        assert_eq!(e.wait, Duration::from_secs(1));
    }
}

#[tokio::test]
async fn server_errors_and_dropped_connections_are_retried() {
    let env = start(|_| {}).await;
    let at = env.sign_in().await.access_token;
    let (rest, events) = recording(env.rest(RetryPolicy::fast(5)));
    env.sim.clear_request_log();
    env.sim.set_faults(Faults {
        storm: Some(Storm {
            status: 500,
            remaining: 2,
            retry_after_secs: 0,
            scope: FaultScope::Rest,
        }),
        ..Default::default()
    });
    rest.workers(&at, 1, 0).await.expect("after two 500s");
    let statuses: Vec<u16> = rest_log(&env).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 500, 200]);

    env.sim.clear_request_log();
    env.sim.set_faults(Faults {
        drop_next: 2,
        drop_scope: FaultScope::Rest,
        ..Default::default()
    });
    let (from, to) = settled_window();
    rest.activity_count(&at, from, to)
        .await
        .expect("after two dropped connections");
    let log = rest_log(&env);
    assert_eq!(log.iter().filter(|r| r.dropped).count(), 2);
    assert_eq!(log.last().unwrap().status, 200);
    let reasons: Vec<RetryReason> = events
        .lock()
        .unwrap()
        .iter()
        .map(|(_, e)| e.reason)
        .collect();
    assert_eq!(reasons.len(), 4);
    assert!(matches!(
        reasons[0],
        RetryReason::ServerError { status: 500 }
    ));
    assert!(matches!(reasons[3], RetryReason::Network { .. }));
}

#[tokio::test]
async fn a_storm_longer_than_the_attempts_gives_up() {
    let env = start(|_| {}).await;
    let at = env.sign_in().await.access_token;
    let rest = env.rest(RetryPolicy::fast(3));
    for (status, code) in [(429, "api.throttled"), (502, "api.server_error")] {
        env.sim.clear_request_log();
        env.sim.set_faults(Faults {
            storm: Some(Storm {
                status,
                remaining: 1000,
                retry_after_secs: 30,
                scope: FaultScope::Rest,
            }),
            ..Default::default()
        });
        let e: ApiError = tokio::time::timeout(Duration::from_secs(10), rest.workers(&at, 1, 0))
            .await
            .expect("bounded")
            .unwrap_err();
        assert_eq!(e.code(), code);
        assert_eq!(e.http_status(), Some(status));
        assert!(e.is_transient());
        assert!(e.message().contains("3 attempts"), "{}", e.message());
        assert_eq!(rest_log(&env).len(), 3);
    }
}

#[tokio::test]
async fn the_rate_limit_holds_under_concurrency() {
    let env = start(|_| {}).await;
    let at = env.sign_in().await.access_token;
    let limiter = Arc::new(RateLimiter::new(10.0));
    let rest = env.rest_with(env.endpoints(), RetryPolicy::fast(3), limiter);
    env.sim.clear_request_log();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let (rest, at) = (rest.clone(), at.clone());
        tasks.push(tokio::spawn(async move { rest.workers(&at, 1, 0).await }));
    }
    for t in tasks {
        t.await.unwrap().expect("call");
    }
    // At most 10 in any second: the 21st request leaves two seconds after the first at least.
    assert!(started.elapsed() >= Duration::from_millis(2000));
    // Counted by arrival, as a tenant counts.
    let mut times: Vec<DateTime<Utc>> = rest_log(&env).iter().map(|r| r.arrived).collect();
    assert_eq!(times.len(), 30);
    times.sort();
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .take_while(|x| **x - *t < ChronoDuration::seconds(1))
            .count();
        assert!(
            in_window <= 10,
            "{in_window} requests in the second from {t}"
        );
    }
}

#[tokio::test]
async fn activity_paging_returns_the_ground_truth() {
    // About 5,000 events in any seven days (weekends are quiet): several pages of 1000, well
    // below the ~10,000 offset cap.
    let env = start(|c| c.events = 5_000).await;
    let at = env.sign_in().await.access_token;
    let rest = env.rest(RetryPolicy::fast(3));
    let to = settled_window().1;
    let from = to - ChronoDuration::days(7);
    env.sim.clear_request_log();
    let mut rows: Vec<Value> = Vec::new();
    let mut totals = Vec::new();
    let mut offset = 0;
    loop {
        let p = rest
            .activity(
                &at,
                &ActivityQuery {
                    from,
                    to,
                    limit: 1000,
                    offset,
                },
            )
            .await
            .expect("page");
        totals.push(p.total);
        offset += p.data.len() as u64;
        rows.extend(p.data);
        if offset >= p.total {
            break;
        }
    }
    let truth = env.sim.ground_truth(from, to);
    assert!(
        (2000..10_000).contains(&truth.len()),
        "several pages: {}",
        truth.len()
    );
    assert!(totals.iter().all(|t| *t == truth.len() as u64));
    let multiset = |rows: &[Value]| {
        let mut v: Vec<String> = rows.iter().map(Value::to_string).collect();
        v.sort();
        v
    };
    assert_eq!(multiset(&rows), multiset(&truth));

    // The parameters as Workday wants them.
    let r = &rest_log(&env)[0];
    assert_eq!(r.path, "/ccx/api/privacy/v1/acme_sandbox/activityLogging");
    let iso = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    assert_eq!(query_value(r, "from"), Some(iso(from)));
    assert_eq!(query_value(r, "to"), Some(iso(to)));
    assert_eq!(query_value(r, "type").as_deref(), Some("userActivity"));
    assert_eq!(query_value(r, "instancesReturned").as_deref(), Some("1"));
    assert_eq!(query_value(r, "limit").as_deref(), Some("1000"));

    let n = rest.activity_count(&at, from, to).await.expect("count");
    assert_eq!(n, truth.len() as u64);
    let r = rest_log(&env).pop().unwrap();
    assert_eq!(
        query_value(&r, "returnUserActivityEntryCount").as_deref(),
        Some("true")
    );
}

#[tokio::test]
async fn fractional_seconds_are_refused_before_sending() {
    let env = start(|_| {}).await;
    let at = env.sign_in().await.access_token;
    let rest = env.rest(RetryPolicy::fast(3));
    let (from, to) = settled_window();
    env.sim.clear_request_log();
    let frac = to - ChronoDuration::milliseconds(345);
    let e = rest
        .activity(
            &at,
            &ActivityQuery {
                from,
                to: frac,
                limit: 10,
                offset: 0,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "activity.invalid_query");
    let e = rest.activity_count(&at, to, from).await.unwrap_err();
    assert_eq!(e.code(), "activity.invalid_query");
    assert!(rest_log(&env).is_empty(), "nothing was sent");
    // Truncated by the caller, it goes through.
    rest.activity_count(&at, from, whole_seconds(frac))
        .await
        .expect("whole seconds");
}

#[tokio::test]
async fn a_page_that_is_not_json_is_an_invalid_response_whatever_its_size() {
    // A small answer is parsed where it arrives, one of 64 KiB and more on a blocking thread:
    // both paths must give the same error, and neither is retried.
    for size in [200, 300 * 1024] {
        let body = "<html><body>Maintenance</body></html>\n".repeat(size / 38 + 1);
        let (addr, hits) = fake_server(move |_| {
            http_response("200 OK", &[("Content-Type", "application/json")], &body)
        })
        .await;
        let rest = RestClient::new(
            client(),
            endpoints_at(&format!("http://{addr}")),
            Arc::new(RateLimiter::new(1000.0)),
            RetryPolicy::fast(3),
        );
        let (from, to) = settled_window();
        let e = rest
            .activity(
                &SecretString::from("at-1"),
                &ActivityQuery {
                    from,
                    to,
                    limit: 1000,
                    offset: 0,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), "api.invalid_response", "{size} bytes");
        assert_eq!(e.call(), Call::ActivityLog);
        assert!(
            e.message().contains("the answer is not JSON"),
            "{}",
            e.message()
        );
        assert!(!e.message().contains("<html>"), "the body is not shown");
        assert_eq!(
            hits.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "not retried"
        );
    }
}
