//! The activity log: paging against the ground truth, cap, twins, lag, own calls, determinism.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use workday_sim::OffsetCapMode;

use crate::common::*;

fn whole(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

fn time_of(e: &Value) -> Option<DateTime<Utc>> {
    e["requestTime"]
        .as_str()
        .map(|s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

#[tokio::test]
async fn paging_a_window_returns_exactly_the_published_ground_truth() {
    let env = start(|c| c.events = 100_000).await;
    let (at, _) = sign_in(&env).await;
    let now = whole(Utc::now());
    // A settled window: everything in it is published, so pages == ground truth exactly.
    let (from, to) = (now - Duration::hours(3), now - Duration::minutes(2));
    let (total, rows) = page_all(&env, &at, from, to, 1000).await;
    let truth = env.sim.ground_truth(from, to);
    assert!(total > 0 && total < 10_000, "{total}");
    assert_eq!(total as usize, rows.len());
    assert_eq!(
        multiset(&rows),
        multiset(&truth),
        "same events, each as often (twins included)"
    );

    // A window reaching now: what is served is the truth minus events still within their lag.
    let (from, to) = (now - Duration::minutes(20), now + Duration::seconds(1));
    let started = Utc::now();
    let (_, rows) = page_all(&env, &at, from, to, 200).await;
    let truth = multiset(&env.sim.ground_truth(from, to));
    let served = multiset(&rows);
    for (e, n) in &served {
        assert!(
            truth.get(e).is_some_and(|t| t >= n),
            "served event not in truth: {e}"
        );
    }
    for (e, n) in &truth {
        let v: Value = serde_json::from_str(e).unwrap();
        if time_of(&v).is_some_and(|t| t < started - Duration::seconds(31)) {
            assert_eq!(served.get(e), Some(n), "published event missing: {e}");
        }
    }
}

#[tokio::test]
async fn offset_cap_modes() {
    let env = start(|c| {
        c.events = 100_000;
        c.switches.offset_cap = 500;
    })
    .await;
    let (at, _) = sign_in(&env).await;
    let now = whole(Utc::now());
    let (from, to) = (now - Duration::days(2), now - Duration::days(1));
    let count = env.sim.ground_truth(from, to).len() as u64;
    assert!(count > 500);
    let (_, j) = get(&env, &activity_url(&env, from, to, "&limit=10"), Some(&at)).await;
    assert_eq!(j["total"], 500);
    let (_, j) = get(
        &env,
        &activity_url(&env, from, to, "&limit=1000&offset=400"),
        Some(&at),
    )
    .await;
    assert_eq!(
        j["data"].as_array().unwrap().len(),
        100,
        "nothing past the cap"
    );
    let (s, j) = get(
        &env,
        &activity_url(&env, from, to, "&limit=10&offset=500"),
        Some(&at),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(j["errors"][0]["error"].is_string());
    env.sim
        .update_switches(|s| s.offset_cap_mode = OffsetCapMode::ExactTotal);
    let (_, j) = get(&env, &activity_url(&env, from, to, "&limit=10"), Some(&at)).await;
    assert_eq!(j["total"].as_u64(), Some(count));
    assert_eq!(
        get(
            &env,
            &activity_url(&env, from, to, "&offset=500"),
            Some(&at)
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    // The reading the Splunk add-on relies on (unverified): 200 and an empty page at the cap.
    env.sim
        .update_switches(|s| s.offset_cap_mode = OffsetCapMode::EmptyPage);
    let (_, j) = get(&env, &activity_url(&env, from, to, "&limit=10"), Some(&at)).await;
    assert_eq!(j["total"].as_u64(), Some(count));
    for offset in [500, 501, 5000] {
        let (s, j) = get(
            &env,
            &activity_url(&env, from, to, &format!("&offset={offset}")),
            Some(&at),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{offset}: {j}");
        assert_eq!(j["data"].as_array().map(Vec::len), Some(0), "{offset}");
        assert_eq!(j["total"].as_u64(), Some(count));
    }
}

#[tokio::test]
async fn identical_twins_and_optional_fields_occur() {
    let env = start(|c| c.events = 200_000).await;
    let (at, _) = sign_in(&env).await;
    let now = whole(Utc::now());
    let (from, to) = (now - Duration::days(7), now - Duration::days(6));
    let truth = env.sim.ground_truth(from, to);
    let counts = multiset(&truth);
    let twin = counts
        .iter()
        .find(|(e, n)| **n >= 2 && e.contains("requestTime"))
        .map(|(e, _)| e.clone())
        .expect("a twin");
    // The API answers both copies of a twin in any window covering it.
    let t = time_of(&serde_json::from_str(&twin).unwrap()).unwrap();
    let (_, rows) = page_all(&env, &at, whole(t), whole(t) + Duration::seconds(1), 1000).await;
    assert!(multiset(&rows).get(&twin).copied().unwrap_or(0) >= 2);
    // Each field but requestTime is absent sometimes; task ids repeat; actions vary; times have
    // milliseconds; session ids are 6 hex digits; targets carry no href.
    assert!(truth.iter().all(|e| e["requestTime"].is_string()));
    assert!(truth.iter().all(|e| e["target"].get("href").is_none()));
    assert!(
        truth
            .iter()
            .filter_map(|e| e["sessionId"].as_str())
            .all(|s| s.len() == 6 && s.bytes().all(|b| b.is_ascii_hexdigit()))
    );
    for f in [
        "systemAccount",
        "activityAction",
        "taskDisplayName",
        "taskId",
        "sessionId",
        "ipAddress",
        "userAgent",
        "deviceType",
        "target",
    ] {
        assert!(
            truth.iter().any(|e| e.get(f).is_none()),
            "{f} sometimes absent"
        );
        assert!(
            truth.iter().any(|e| e.get(f).is_some()),
            "{f} sometimes present"
        );
    }
    let task_ids: std::collections::HashSet<_> =
        truth.iter().filter_map(|e| e["taskId"].as_str()).collect();
    assert!(task_ids.len() < truth.len() / 10);
    for a in ["READ", "WRITE", "OTHER"] {
        assert!(truth.iter().any(|e| e["activityAction"] == a), "{a}");
    }
    assert!(truth.iter().any(|e| {
        e["activityAction"]
            .as_str()
            .is_some_and(|a| !["READ", "WRITE", "OTHER"].contains(&a))
    }));
    for d in ["Desktop", "Phone", "Tablet"] {
        assert!(truth.iter().any(|e| e["deviceType"] == d), "{d}");
    }
    let rt = truth
        .iter()
        .find_map(|e| e["requestTime"].as_str())
        .unwrap();
    assert_eq!(rt.len(), 24, "{rt}");
    assert!(rt.ends_with('Z') && rt.as_bytes()[19] == b'.');
    let with_target = truth.iter().find(|e| e["target"].is_object()).unwrap();
    assert!(
        with_target["target"]["id"].is_string() && with_target["target"]["descriptor"].is_string()
    );
    // The strictness switches: some rows lose requestTime, worker targets gain an href; the
    // rest of the dataset stays the same.
    env.sim.update_switches(|s| {
        s.missing_request_times = true;
        s.target_href = true;
    });
    let strict = env.sim.ground_truth(from, to);
    assert_eq!(strict.len(), truth.len());
    assert!(strict.iter().any(|e| e.get("requestTime").is_none()));
    assert!(strict.iter().any(|e| e["target"]["href"].is_string()));
    let (from, to) = (
        whole(t) - Duration::minutes(30),
        whole(t) + Duration::minutes(30),
    );
    let (_, rows) = page_all(&env, &at, from, to, 1000).await;
    assert_eq!(multiset(&rows), multiset(&env.sim.ground_truth(from, to)));
    assert!(rows.iter().any(|e| e["target"]["href"].is_string()));
}

#[tokio::test]
async fn publishing_lag_hides_fresh_events_until_it_passes() {
    // Lags fall in 3..=6 s: ample time to read the window before the event is published.
    let env = start(|c| c.switches.publish_lag_max_secs = 6).await;
    let (at, _) = sign_in(&env).await;
    let start_t = whole(Utc::now()) - Duration::seconds(1);
    // This call is logged as an event of its own at about now, with a lag of 3..=6 s.
    let (s, _) = get(
        &env,
        &format!("{}/workers?limit=1", env.v.rest_api_endpoint),
        Some(&at),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let to = whole(Utc::now()) + Duration::seconds(2);
    let called = std::time::Instant::now();
    let own = |rows: &[Value]| {
        rows.iter()
            .filter(|e| e["taskDisplayName"] == WORKERS_TASK)
            .count()
    };
    let truth = env.sim.ground_truth(start_t, to);
    assert_eq!(own(&truth), 1, "the tenant has the event at once");
    let (_, rows) = page_all(&env, &at, start_t, to, 1000).await;
    assert!(
        called.elapsed() < StdDuration::from_secs(3),
        "the window was read within the lag"
    );
    assert_eq!(own(&rows), 0, "not yet published");
    tokio::time::sleep(StdDuration::from_millis(6200).saturating_sub(called.elapsed())).await;
    let (_, rows) = page_all(&env, &at, start_t, to, 1000).await;
    assert_eq!(own(&rows), 1, "published after the lag");
    let e = rows
        .iter()
        .find(|e| e["taskDisplayName"] == WORKERS_TASK)
        .unwrap();
    assert_own_call_shape(e);
    let acts = env.sim.ground_truth(start_t, to + Duration::seconds(5));
    let a = acts
        .iter()
        .find(|e| e["taskDisplayName"] == ACTIVITY_TASK)
        .expect("the activity-log calls are logged too");
    assert_own_call_shape(a);
}

/// The task names a real tenant logs for the two calls (the `common` area is unverified).
const ACTIVITY_TASK: &str = "privacy/activityLogging/userActivity (GET) (v1 -  )";
const WORKERS_TASK: &str = "common/workers (GET) (v1 -  )";

/// A logged API call as a real tenant shows it (Elastic's captured row).
fn assert_own_call_shape(e: &Value) {
    assert_eq!(e["systemAccount"], workday_sim::CONSENT_ACCOUNT, "{e}");
    assert_eq!(e["activityAction"], "READ", "{e}");
    assert_eq!(e["deviceType"], "Desktop", "{e}");
    let ua = e["userAgent"].as_str().unwrap_or_default();
    assert!(
        ua.starts_with("Mozilla/5.0 ("),
        "a browser's user agent: {e}"
    );
    let sid = e["sessionId"].as_str().unwrap_or_default();
    assert!(
        sid.len() == 6 && sid.bytes().all(|b| b.is_ascii_hexdigit()),
        "{e}"
    );
    assert!(
        e["requestTime"].is_string() && e["taskId"].is_string(),
        "{e}"
    );
}

#[tokio::test]
async fn own_calls_are_not_logged_when_switched_off() {
    let env = start(|c| {
        c.switches.log_own_calls = false;
        c.events = 0;
    })
    .await;
    let (at, _) = sign_in(&env).await;
    let t0 = whole(Utc::now()) - Duration::seconds(1);
    get(
        &env,
        &format!("{}/workers", env.v.rest_api_endpoint),
        Some(&at),
    )
    .await;
    get(
        &env,
        &activity_url(&env, t0, t0 + Duration::seconds(5), ""),
        Some(&at),
    )
    .await;
    assert!(
        env.sim
            .ground_truth(t0, t0 + Duration::seconds(10))
            .is_empty()
    );
    env.sim.update_switches(|s| s.log_own_calls = true);
    get(
        &env,
        &format!("{}/workers", env.v.rest_api_endpoint),
        Some(&at),
    )
    .await;
    assert_eq!(
        env.sim.ground_truth(t0, t0 + Duration::seconds(10)).len(),
        1
    );
}

#[tokio::test]
async fn shuffle_pages_switch() {
    let env = start(|c| {
        c.events = 200_000;
        c.switches.shuffle_pages = false;
    })
    .await;
    let (at, _) = sign_in(&env).await;
    let now = whole(Utc::now());
    let (from, to) = (
        now - Duration::days(3),
        now - Duration::days(3) + Duration::hours(6),
    );
    let sorted = |rows: &[Value]| {
        let ts: Vec<_> = rows.iter().filter_map(time_of).collect();
        ts.windows(2).all(|w| w[0] <= w[1])
    };
    let (_, j) = get(
        &env,
        &activity_url(&env, from, to, "&limit=1000"),
        Some(&at),
    )
    .await;
    let rows = j["data"].as_array().unwrap().clone();
    assert!(rows.len() > 100);
    assert!(sorted(&rows));
    env.sim.update_switches(|s| s.shuffle_pages = true);
    let (_, j) = get(
        &env,
        &activity_url(&env, from, to, "&limit=1000"),
        Some(&at),
    )
    .await;
    let shuffled = j["data"].as_array().unwrap().clone();
    assert!(!sorted(&shuffled));
    assert_eq!(
        multiset(&rows),
        multiset(&shuffled),
        "same page, other order"
    );
}

#[tokio::test]
async fn same_seed_same_tenant() {
    let a = start(|c| c.seed = 5).await;
    let b = start(|c| c.seed = 5).await;
    let c = start(|c| c.seed = 6).await;
    let now = whole(Utc::now());
    let (from, to) = (now - Duration::hours(30), now - Duration::hours(27));
    // Target hrefs name the services host, whose port differs per start: compare without it.
    let norm = |env: &Env| -> Vec<String> {
        let truth = env.sim.ground_truth(from, to);
        truth
            .iter()
            .map(|e| e.to_string().replace(&env.v.rest_api_endpoint, "{rest}"))
            .collect()
    };
    let ta = norm(&a);
    assert!(!ta.is_empty());
    assert!(ta == norm(&b), "same seed, same events");
    assert!(ta != norm(&c), "other seed, other events");
    assert_eq!(a.v.client_id, b.v.client_id);
    assert_ne!(a.v.client_id, c.v.client_id);
    assert_ne!(
        a.v.client_secret, b.v.client_secret,
        "secrets are random per start"
    );
    let (at_a, _) = sign_in(&a).await;
    let (at_b, _) = sign_in(&b).await;
    let wa = get(
        &a,
        &format!("{}/workers?limit=100", a.v.rest_api_endpoint),
        Some(&at_a),
    )
    .await
    .1;
    let wb = get(
        &b,
        &format!("{}/workers?limit=100", b.v.rest_api_endpoint),
        Some(&at_b),
    )
    .await
    .1;
    let ids = |w: &Value| {
        w["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&wa), ids(&wb));
}

#[tokio::test]
async fn million_event_tenant_serves_a_week() {
    let env = start(|c| c.events = 1_000_000).await;
    let (at, _) = sign_in(&env).await;
    let now = whole(Utc::now());
    let (from, to) = (now - Duration::days(7), now - Duration::minutes(2));
    let (_, j) = get(
        &env,
        &activity_url(&env, from, to, "&returnUserActivityEntryCount=true"),
        Some(&at),
    )
    .await;
    let n = j["data"][0]["userActivityEntryCount"].as_u64().unwrap();
    assert!((980_000..=1_020_000).contains(&n), "{n}");
    let (_, j) = get(
        &env,
        &activity_url(&env, from, to, "&limit=1000&offset=9000"),
        Some(&at),
    )
    .await;
    assert_eq!(j["total"], 10_000);
    assert_eq!(j["data"].as_array().unwrap().len(), 1000);
}

/// An event logged through the handle is served like any other, without requestTime when it has
/// none, and is part of the ground truth.
#[tokio::test]
async fn a_logged_event_is_served_as_it_stands() {
    let env = start(|c| c.events = 1_000).await;
    let (at, _) = sign_in(&env).await;
    let now = whole(Utc::now());
    let event =
        serde_json::json!({"systemAccount": "=cmd|' /C calc'!A0", "userAgent": "\u{1b}[2J"});
    env.sim.log_event(now - Duration::hours(2), event.clone());
    let (from, to) = (now - Duration::hours(3), now - Duration::hours(1));
    let (_, rows) = page_all(&env, &at, from, to, 1000).await;
    assert_eq!(rows.iter().filter(|r| **r == event).count(), 1);
    let truth = env.sim.ground_truth(from, to);
    assert_eq!(truth.iter().filter(|r| **r == event).count(), 1);
    let (_, outside) = page_all(&env, &at, now - Duration::hours(1), now, 1000).await;
    assert!(
        !outside.contains(&event),
        "only in windows covering its time"
    );
}
