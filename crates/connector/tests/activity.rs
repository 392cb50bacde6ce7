//! The activity sync against a simulated tenant, signed in through the test browser with the real
//! keyring: the store equals the tenant's ground truth (twins, shuffled pages, a window over the
//! offset cap), late-published events are caught by the next pass, a 429 storm is survived
//! within the rate limit, and invalid_grant mid-sync stops cleanly and resumes after sign-in.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use connector::Status;
use connector::activity::fingerprint::fingerprint;
use connector::activity::store::statistics_stale;
use connector::activity::{EventFilter, Store, SyncOptions, SyncReport};
use connector::browser::CommandBrowser;
use connector::connections::Connector;
use connector::paths::Home;
use connector::profile::{Profile, SyncSettings};
use connector::secrets::SecretStore;
use connector::signin::SignInOptions;
use secrecy::SecretString;
use workday_sim::{FaultScope, Faults, OffsetCapMode, SimConfig, SimHandle, Storm, Switches};

struct Setup {
    sim: SimHandle,
    /// The redirect port, held throughout so that a sign-in never races for it.
    port: common::HeldPort,
    connector: Connector,
    _home: tempfile::TempDir,
}

async fn setup(
    events: u64,
    switches: impl FnOnce(&mut Switches),
    sync: impl FnOnce(&mut SyncSettings),
) -> Setup {
    let held = common::HeldPort::new();
    let port = held.port();
    let mut config = SimConfig {
        redirect_uri: connector::loopback::redirect_uri(
            port,
            connector::loopback::RedirectHost::Ipv4Literal,
        ),
        events,
        ..Default::default()
    };
    switches(&mut config.switches);
    let sim = workday_sim::start(config).await.expect("sim starts");
    let home = tempfile::tempdir().unwrap();
    let secrets = SecretStore::with_service(
        format!(
            "workday-connector-test-activity-{}-{port}",
            std::process::id()
        ),
        Duration::from_secs(10),
    );
    let connector = Connector::with_secrets(Home::at(home.path()), secrets).unwrap();
    let mut profile: Profile = common::profile(&sim, "acme", port);
    sync(&mut profile.sync);
    connector
        .add(profile, SecretString::from(sim.values().client_secret))
        .await
        .expect("added");
    sign_in(&connector, &held).await;
    Setup {
        sim,
        port: held,
        connector,
        _home: home,
    }
}

async fn sign_in(c: &Connector, port: &common::HeldPort) {
    let browser = Arc::new(CommandBrowser::new(common::consent_browser()));
    let listener = Some(port.listener());
    c.connect_on("acme", listener, browser, SignInOptions::default(), |_| {})
        .await
        .expect("signed in");
}

fn options(backfill: Duration) -> SyncOptions {
    SyncOptions {
        backfill: Some(backfill),
        ..SyncOptions::default()
    }
}

async fn sync(s: &Setup, o: &SyncOptions) -> SyncReport {
    s.connector
        .sync("acme", o, |_| {})
        .await
        .unwrap_or_else(|e| panic!("sync failed: {e}"))
}

fn counts<'a>(events: impl IntoIterator<Item = &'a serde_json::Value>) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for e in events {
        *m.entry(fingerprint(e)).or_insert(0) += 1;
    }
    m
}

/// Asserts the store holds exactly the tenant's events of `[from, to)`: same fingerprints, same
/// number of each (no loss, no duplicate).
async fn assert_store_is_truth(s: &Setup, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    let stored = s
        .connector
        .events(
            "acme",
            EventFilter {
                include_own_calls: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let truth = s.sim.ground_truth(from, to);
    let raws: Vec<serde_json::Value> = stored.iter().map(|e| e.raw.clone()).collect();
    let (have, want) = (counts(&raws), counts(&truth));
    let missing: Vec<_> = want
        .iter()
        .filter(|(k, n)| have.get(*k) != Some(n))
        .take(3)
        .collect();
    let extra: Vec<_> = have
        .iter()
        .filter(|(k, n)| want.get(*k) != Some(n))
        .take(3)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && stored.len() == truth.len(),
        "store {} events vs truth {}; differing: {missing:?} / {extra:?}",
        stored.len(),
        truth.len()
    );
    stored.len()
}

/// A window over a small offset cap is split until read whole; twins make no difference; own
/// calls are stored but hidden by default; a second pass adds nothing twice. Under the tenant's
/// realistic defaults (rows ascending by time, every row timed, whole-second and lower-case
/// parameters accepted with fractions too).
#[tokio::test(flavor = "multi_thread")]
async fn the_store_equals_the_tenant_with_splits_and_twins() {
    store_equals_truth(|_| {}, 60, false).await;
}

/// The same under every strictness switch: shuffled pages, rows without requestTime, target
/// hrefs, whole seconds and lower-case booleans only, PKCE required.
#[tokio::test(flavor = "multi_thread")]
async fn the_store_equals_the_tenant_under_the_strict_switches() {
    store_equals_truth(
        |w| {
            w.shuffle_pages = true;
            w.missing_request_times = true;
            w.target_href = true;
            w.strict_params = true;
            w.pkce = true;
        },
        60,
        true,
    )
    .await;
}

/// Whatever the tenant does at the offset cap (a 400 with `total` capped or exact, or 200 with
/// an empty page), the store ends up equal to the tenant; where the cap shows as more than
/// `total` (a 400 or an empty page at a later page), even when the tenant's cap is lower than
/// the client's.
#[tokio::test(flavor = "multi_thread")]
async fn the_store_equals_the_tenant_under_every_offset_cap_mode() {
    for (mode, client_cap, page_size) in [
        (OffsetCapMode::CapTotal, 60, 1000),
        (OffsetCapMode::ExactTotal, 60, 1000),
        (OffsetCapMode::EmptyPage, 60, 1000),
        (OffsetCapMode::ExactTotal, 200, 25),
        (OffsetCapMode::EmptyPage, 200, 25),
    ] {
        let s = setup(
            300_000,
            |w| {
                w.offset_cap = 60;
                w.offset_cap_mode = mode;
            },
            |p| {
                p.rate_limit_per_sec = 40.0;
                p.page_size = page_size;
            },
        )
        .await;
        let mut o = options(Duration::from_secs(3600));
        o.offset_cap = client_cap;
        let r = sync(&s, &o).await;
        assert!(r.splits > 0, "{mode:?}, client cap {client_cap}: {r:?}");
        assert_store_is_truth(&s, r.origin, r.synced_until).await;
    }
}

async fn store_equals_truth(switches: impl FnOnce(&mut Switches), cap: u64, untimed: bool) {
    let s = setup(
        300_000,
        |w| {
            w.offset_cap = cap;
            switches(w);
        },
        |p| p.rate_limit_per_sec = 40.0,
    )
    .await;
    let mut o = options(Duration::from_secs(6 * 3600));
    o.offset_cap = cap;
    let mut seen = Vec::new();
    let first = s
        .connector
        .sync("acme", &o, |p| seen.push(p.clone()))
        .await
        .expect("sync");
    assert!(first.splits > 0, "some window reached the cap: {first:?}");
    assert_eq!(seen.last().map(|p| p.windows_done), Some(first.windows));
    assert_eq!(first.synced_until, first.to);
    let n = assert_store_is_truth(&s, first.origin, first.synced_until).await;
    assert!(n > 1000, "a busy enough range ({n} events)");
    let all = s
        .connector
        .events(
            "acme",
            EventFilter {
                include_own_calls: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(all.iter().any(|e| e.ordinal > 0), "twins are both stored");
    // Under the switch the tenant leaves requestTime out now and then (one event in a
    // thousand): such events are stored and, placed at the start of their window, found by a
    // time filter too. No real row lacks it, so by default none does.
    let untimed_truth = s
        .sim
        .ground_truth(first.origin, first.synced_until)
        .iter()
        .any(|e| e.get("requestTime").is_none());
    assert!(untimed || !untimed_truth, "every row timed by default");
    assert_eq!(
        all.iter().any(|e| e.request_time.is_none()),
        untimed_truth,
        "events without requestTime are stored as they came"
    );
    let in_range = s
        .connector
        .events(
            "acme",
            EventFilter {
                since: Some(first.origin),
                until: Some(first.synced_until),
                include_own_calls: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        in_range.len(),
        all.len(),
        "a time filter hides none of them"
    );
    assert_eq!(
        s.connector.hub().get("acme").status,
        Status::Connected,
        "back to Connected after the sync"
    );

    let second = sync(&s, &o).await;
    assert!(second.from < first.to, "an overlap is read again");
    assert_store_is_truth(&s, first.origin, second.synced_until).await;
}

/// Events still unpublished at the first pass (a lag shorter than the tenant's) appear after the
/// next one: the overlap is read again.
#[tokio::test(flavor = "multi_thread")]
async fn late_published_events_are_caught_by_the_next_pass() {
    let s = setup(
        3_000_000,
        |w| w.publish_lag_max_secs = 6,
        |p| p.publish_lag_secs = 0,
    )
    .await;
    let o = options(Duration::from_secs(180));
    let first = sync(&s, &o).await;
    let truth_then = s.sim.ground_truth(first.origin, first.to).len() as u64;
    assert!(
        first.events_total < truth_then,
        "some events were unpublished at the first pass ({} of {truth_then})",
        first.events_total
    );
    tokio::time::sleep(Duration::from_secs(8)).await;
    // Now allow for the tenant's lag, so the second pass ends where all is published.
    s.connector
        .edit("acme", |p| p.sync.publish_lag_secs = 6, None)
        .await
        .unwrap();
    let second = sync(&s, &o).await;
    assert!(second.to > first.to);
    assert_store_is_truth(&s, first.origin, second.synced_until).await;
    let own = s
        .connector
        .events(
            "acme",
            EventFilter {
                include_own_calls: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.own_call)
        .count();
    let shown = s
        .connector
        .events("acme", EventFilter::default())
        .await
        .unwrap()
        .len();
    assert!(
        own > 0,
        "the first pass's own calls are collected by the second, and hidden by default"
    );
    assert_eq!(shown + own, second.events_total as usize);
    assert_eq!(
        own as u64, second.own_calls_total,
        "counted apart in the report"
    );
}

/// A 429 storm with Retry-After is survived; no request comes back before its Retry-After, and
/// the tenant never sees more requests in a second than the rate limit.
#[tokio::test(flavor = "multi_thread")]
async fn a_429_storm_is_survived_within_the_rate_limit() {
    let s = setup(40_000, |_| {}, |p| p.rate_limit_per_sec = 10.0).await;
    s.sim.clear_request_log();
    s.sim.set_faults(Faults {
        storm: Some(Storm {
            status: 429,
            remaining: 6,
            retry_after_secs: 1,
            scope: FaultScope::Rest,
        }),
        ..Default::default()
    });
    let report = sync(&s, &options(Duration::from_secs(12 * 3600))).await;
    assert_store_is_truth(&s, report.origin, report.synced_until).await;
    let mut log: Vec<_> = s
        .sim
        .request_log()
        .into_iter()
        .filter(|r| r.path.ends_with("/activityLogging"))
        .collect();
    // Logged as answers finish, stamped with their arrival: in arrival order for the counts.
    log.sort_by_key(|r| r.at);
    let throttled: Vec<_> = log.iter().filter(|r| r.status == 429).collect();
    assert_eq!(throttled.len(), 6, "the whole storm was met");
    for t in &throttled {
        let again = log
            .iter()
            .find(|r| r.at > t.at && r.query == t.query)
            .expect("a throttled request is retried");
        let gap = (again.at - t.at).num_milliseconds();
        assert!(gap >= 950, "retried {gap} ms after a Retry-After of 1 s");
    }
    // Counted by arrival, as a tenant counts (`tests/tests/cli/rate.rs` does the same with the
    // connector in a process of its own).
    log.sort_by_key(|r| r.arrived);
    for (i, r) in log.iter().enumerate() {
        let within = log[i..]
            .iter()
            .take_while(|x| (x.arrived - r.arrived).num_milliseconds() < 1000)
            .count();
        assert!(
            within <= 10,
            "{within} requests within a second from {}",
            r.arrived
        );
    }
}

/// Two syncs of one connection at once: the second is refused at once with a clear problem,
/// the first carries on to the end, and a later sync runs.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_sync_of_the_same_connection_is_refused_while_one_runs() {
    let s = setup(40_000, |_| {}, |p| p.rate_limit_per_sec = 10.0).await;
    let o = options(Duration::from_secs(12 * 3600));
    let first_commit = tokio::sync::Notify::new();
    let first = s.connector.sync("acme", &o, |_| first_commit.notify_one());
    let second = async {
        // Once the first has committed a window it holds the lock and has more to read.
        first_commit.notified().await;
        s.connector.sync("acme", &o, |_| {}).await
    };
    let (first, second) = tokio::join!(first, second);
    let report = first.expect("the first sync completes");
    assert!(report.windows > 1, "long enough to overlap: {report:?}");
    let err = second.expect_err("the second is refused");
    let p = &err.problems()[0];
    assert_eq!(p.code, "activity.sync_running", "{err}");
    assert!(p.message.contains("acme") && !p.fix.is_empty());
    assert_store_is_truth(&s, report.origin, report.synced_until).await;
    sync(&s, &o).await;
}

/// invalid_grant when the access token needs a refresh mid-sync: the sync stops with
/// SignInRequired (no retry loop), keeps what it committed, and after a new sign-in the next
/// sync resumes and completes.
#[tokio::test(flavor = "multi_thread")]
async fn invalid_grant_mid_sync_stops_and_resumes_after_sign_in() {
    let s = setup(
        40_000,
        |w| w.access_token_lifetime_secs = 2,
        |p| p.rate_limit_per_sec = 10.0,
    )
    .await;
    s.sim.revoke_refresh_tokens();
    s.sim.clear_request_log();
    let o = options(Duration::from_secs(2 * 86_400));
    let err = s
        .connector
        .sync("acme", &o, |_| {})
        .await
        .expect_err("the refresh is refused");
    assert_eq!(err.problems()[0].code, "token.invalid_grant", "{err}");
    assert!(matches!(
        s.connector.hub().get("acme").status,
        Status::SignInRequired(_)
    ));
    let token_calls = s
        .sim
        .request_log()
        .iter()
        .filter(|r| r.path.ends_with("/token"))
        .count();
    assert_eq!(token_calls, 1, "one refused refresh, no retry loop");
    let cp = s
        .connector
        .activity_checkpoint("acme")
        .unwrap()
        .expect("a checkpoint");

    sign_in(&s.connector, &s.port).await;
    let report = sync(&s, &o).await;
    assert_eq!(report.origin, cp.origin, "the same backfill resumed");
    assert!(report.from <= cp.synced_until);
    assert_store_is_truth(&s, report.origin, report.synced_until).await;
}

/// A tenant that keeps failing (5xx after every retry) stops the sync with a problem and status
/// Offline; once it recovers, the next sync resumes at the checkpoint and completes.
#[tokio::test(flavor = "multi_thread")]
async fn a_failing_tenant_stops_the_sync_offline_and_the_next_one_resumes() {
    let s = setup(20_000, |_| {}, |_| {}).await;
    s.sim.set_faults(Faults {
        storm: Some(Storm {
            status: 500,
            remaining: 1_000,
            retry_after_secs: 0,
            scope: FaultScope::Rest,
        }),
        ..Default::default()
    });
    let o = options(Duration::from_secs(6 * 3600));
    let err = s
        .connector
        .sync("acme", &o, |_| {})
        .await
        .expect_err("the tenant keeps failing");
    assert_eq!(err.problems()[0].code, "api.server_error", "{err}");
    let state = s.connector.hub().get("acme");
    assert!(
        matches!(state.status, Status::Offline(_)),
        "{:?}",
        state.status
    );
    assert_eq!(
        state.last_error.map(|p| p.code).as_deref(),
        Some("api.server_error")
    );

    s.sim.set_faults(Faults::default());
    let report = sync(&s, &o).await;
    assert_store_is_truth(&s, report.origin, report.synced_until).await;
    assert_eq!(s.connector.hub().get("acme").status, Status::Connected);
}

/// A connection keeps `retention_days` of activity: after a pass, the events older than that
/// are gone from the store and the viewer, the rest is still exactly the tenant's, and the
/// report counts what went.
#[tokio::test(flavor = "multi_thread")]
async fn events_older_than_the_retention_are_deleted_after_a_pass() {
    let s = setup(
        3_000,
        |_| {},
        |sync| {
            sync.backfill_days = 1;
            sync.retention_days = 0;
        },
    )
    .await;
    let first = sync(&s, &options(Duration::from_secs(4 * 86_400))).await;
    assert_eq!(first.events_pruned, 0, "0 keeps everything");
    let stored_before = first.events_total;
    s.connector
        .edit("acme", |p| p.sync.retention_days = 2, None)
        .await
        .expect("edited");

    let started = Utc::now();
    let second = sync(&s, &SyncOptions::default()).await;
    let cutoff = started - chrono::Duration::days(2);
    let all = |since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>| EventFilter {
        since,
        until,
        include_own_calls: true,
        ..Default::default()
    };
    let older = s
        .connector
        .events("acme", all(None, Some(cutoff)))
        .await
        .unwrap();
    assert!(older.is_empty(), "{} events older than kept", older.len());
    assert!(second.events_pruned > 0, "{second:?}");
    assert_eq!(
        second.events_total,
        stored_before + second.events_stored - second.events_pruned
    );
    // What is kept is still exactly the tenant's (a minute past the cutoff: the pass's own
    // clock started a moment after `started`).
    let from = Utc::now() - chrono::Duration::days(2) + chrono::Duration::minutes(1);
    let kept = s
        .connector
        .events("acme", all(Some(from), Some(second.synced_until)))
        .await
        .unwrap();
    let raws: Vec<serde_json::Value> = kept.iter().map(|e| e.raw.clone()).collect();
    let truth = s.sim.ground_truth(from, second.synced_until);
    assert!(!truth.is_empty());
    assert_eq!(counts(&raws), counts(&truth));
}

/// A backfill leaves the viewer's query statistics taken over the store it filled (while it
/// read, or at its end) and every event it stored evaluated by detection; a later pass that
/// adds a few events keeps those statistics (taking them costs about a second per million
/// events), until the store has doubled or halved.
#[tokio::test(flavor = "multi_thread")]
async fn a_backfill_leaves_statistics_and_detection_done_and_a_small_pass_keeps_them() {
    // No publish lag: the second pass reads the first one's own calls, so the store grows.
    let s = setup(
        20_000,
        |w| w.publish_lag_max_secs = 0,
        |p| p.publish_lag_secs = 0,
    )
    .await;
    let first = sync(&s, &options(Duration::from_secs(3 * 86_400))).await;
    assert!(first.windows > 1, "several commits: {first:?}");
    let path = s.connector.activity_store_path("acme");
    let mut store = Store::open(&path).unwrap();
    let taken = store.statistics_rows().unwrap().expect("statistics taken");
    assert!(
        !statistics_stale(Some(taken), first.events_total),
        "taken over {taken} of {} events",
        first.events_total
    );
    let mut engine = detect::Engine::new(detect::Geo::shipped(), detect::Config::default());
    let left = store.detect(&mut engine).unwrap();
    assert_eq!(left.events_evaluated, 0, "the sync left none unevaluated");
    drop(store);

    let second = sync(&s, &SyncOptions::default()).await;
    assert!(second.events_total > first.events_total, "{second:?}");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.statistics_rows().unwrap(), Some(taken), "kept");
}
