//! Faults on the services host: latency, status storms, dropped connections.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use workday_sim::{FaultScope, Faults, Storm};

use crate::common::*;

#[tokio::test]
async fn latency_is_added_to_services_answers() {
    let env = start(|_| {}).await;
    let (at, _) = sign_in(&env).await;
    env.sim.set_faults(Faults {
        latency_ms: 300,
        ..Faults::default()
    });
    let t = Instant::now();
    assert_eq!(
        get(
            &env,
            &format!("{}/workers", env.v.rest_api_endpoint),
            Some(&at)
        )
        .await
        .0,
        StatusCode::OK
    );
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn status_storm_429_then_recovery_and_scoping() {
    let env = start(|_| {}).await;
    let (at, rt) = sign_in(&env).await;
    let workers = format!("{}/workers", env.v.rest_api_endpoint);
    env.sim.set_faults(Faults {
        storm: Some(Storm {
            status: 429,
            remaining: 2,
            retry_after_secs: 7,
            scope: FaultScope::All,
        }),
        ..Faults::default()
    });
    for _ in 0..2 {
        let r = env
            .http
            .get(&workers)
            .bearer_auth(&at)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["retry-after"], "7");
        assert!(r.json::<serde_json::Value>().await.unwrap()["error"].is_string());
    }
    assert_eq!(get(&env, &workers, Some(&at)).await.0, StatusCode::OK);
    assert_eq!(env.sim.faults().storm.unwrap().remaining, 0);
    // Token-only storm: REST unaffected, token endpoint gets 503 with Workday's body.
    env.sim.set_faults(Faults {
        storm: Some(Storm {
            status: 503,
            remaining: 1,
            retry_after_secs: 0,
            scope: FaultScope::Token,
        }),
        ..Faults::default()
    });
    assert_eq!(get(&env, &workers, Some(&at)).await.0, StatusCode::OK);
    let (s, j) = refresh(&env, &rt).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert!(j["error"].is_string());
    assert_eq!(refresh(&env, &rt).await.0, StatusCode::OK);
    // REST-only 500.
    env.sim.set_faults(Faults {
        storm: Some(Storm {
            status: 500,
            remaining: 1,
            retry_after_secs: 0,
            scope: FaultScope::Rest,
        }),
        ..Faults::default()
    });
    assert_eq!(refresh(&env, &rt).await.0, StatusCode::OK);
    assert_eq!(
        get(&env, &workers, Some(&at)).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(get(&env, &workers, Some(&at)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn dropped_connections_get_no_answer() {
    let env = start(|_| {}).await;
    let (at, _) = sign_in(&env).await;
    let workers = format!("{}/workers", env.v.rest_api_endpoint);
    env.sim.set_faults(Faults {
        drop_next: 2,
        drop_scope: FaultScope::Rest,
        ..Faults::default()
    });
    for _ in 0..2 {
        let r = client().get(&workers).bearer_auth(&at).send().await;
        assert!(r.is_err(), "no answer: {r:?}");
    }
    assert_eq!(get(&env, &workers, Some(&at)).await.0, StatusCode::OK);
    let log = env.sim.request_log();
    assert_eq!(log.iter().filter(|r| r.dropped && r.status == 0).count(), 2);
}

/// Every page of `[from, to)` at the offsets an honest tenant's `total` calls for (not moved on
/// by what each page held, as a client that trusts `total` reads): `total` and the rows.
async fn pages_at_fixed_offsets(
    env: &Env,
    at: &str,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    limit: u64,
) -> (u64, Vec<serde_json::Value>) {
    let mut rows = Vec::new();
    let mut offset = 0;
    loop {
        let extra = format!("&limit={limit}&offset={offset}");
        let (s, j) = get(env, &activity_url(env, from, to, &extra), Some(at)).await;
        assert_eq!(s, StatusCode::OK, "{j}");
        let total = j["total"].as_u64().expect("total");
        rows.extend(j["data"].as_array().expect("data").iter().cloned());
        offset += limit;
        if offset >= total {
            return (total, rows);
        }
    }
}

#[tokio::test]
async fn shifted_rows_repeat_one_row_and_lose_another_and_short_pages_lose_rows() {
    let env = start(|c| {
        c.events = 100_000;
        c.switches.shuffle_pages = false;
    })
    .await;
    let (at, _) = sign_in(&env).await;
    // A Wednesday morning of last week or the one before: busy, whatever the day today.
    use chrono::Datelike;
    let mut day = (chrono::Utc::now() - chrono::Duration::days(2)).date_naive();
    while day.weekday() != chrono::Weekday::Wed {
        day = day.pred_opt().expect("a day before");
    }
    let from = day.and_hms_opt(9, 0, 0).expect("a time").and_utc();
    let to = from + chrono::Duration::minutes(30);
    let truth = env.sim.ground_truth(from, to);
    assert!(truth.len() > 120, "several pages ({})", truth.len());
    let (total, honest) = pages_at_fixed_offsets(&env, &at, from, to, 50).await;
    assert_eq!(total as usize, truth.len());
    assert_eq!(honest, truth, "no fault: every row once, in order");

    env.sim.set_faults(Faults {
        shift_rows: true,
        ..Faults::default()
    });
    let (total, shifted) = pages_at_fixed_offsets(&env, &at, from, to, 50).await;
    assert_eq!(total as usize, truth.len(), "total unchanged");
    assert_eq!(shifted.len(), truth.len(), "as many rows as total says");
    assert_eq!(
        shifted[49], shifted[50],
        "the row before the boundary comes twice"
    );
    assert_eq!(shifted[..50], truth[..50]);
    assert_eq!(
        shifted[50..],
        truth[49..truth.len() - 1],
        "the last row never comes"
    );

    env.sim.set_faults(Faults {
        short_pages: true,
        ..Faults::default()
    });
    let (total, short) = pages_at_fixed_offsets(&env, &at, from, to, 50).await;
    let later_pages = truth.len().div_ceil(50) - 1;
    assert_eq!(total as usize, truth.len(), "total unchanged");
    assert_eq!(
        short.len(),
        truth.len() - later_pages,
        "one row fewer per later page"
    );
    assert_eq!(short[..50], truth[..50], "the first page is whole");

    env.sim.set_faults(Faults::default());
    assert_eq!(
        pages_at_fixed_offsets(&env, &at, from, to, 50).await.1,
        truth
    );
}

/// `rate_limit_per_sec`: past N REST requests arriving within a second the tenant answers 429
/// with `Retry-After: 1`; the refused are logged, counted apart, and the limit frees up once the
/// second has passed. Every record carries its arrival, never after it began to be answered.
#[tokio::test]
async fn rate_limit_answers_429_above_its_rate_by_arrival() {
    let env = start(|c| c.switches.rate_limit_per_sec = 3).await;
    let (at, _) = sign_in(&env).await;
    env.sim.clear_request_log();
    let workers = format!("{}/workers", env.v.rest_api_endpoint);
    for _ in 0..5 {
        let r = env
            .http
            .get(&workers)
            .bearer_auth(&at)
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(r.headers()["retry-after"], "1");
        }
    }
    let log = env.sim.request_log();
    assert_eq!(log.len(), 5);
    for r in &log {
        assert!(r.arrived <= r.at, "arrived {} after {}", r.arrived, r.at);
    }
    // Refused exactly when three served requests had arrived in the second before: whatever the
    // machine's speed, no second holds more than three served.
    let mut log = log;
    log.sort_by_key(|r| r.arrived);
    for (i, r) in log.iter().enumerate() {
        let served_before = log[..i]
            .iter()
            .filter(|p| p.status == 200 && r.arrived - p.arrived < chrono::Duration::seconds(1))
            .count();
        let want = if served_before >= 3 { 429 } else { 200 };
        assert_eq!(r.status, want, "request {i} of {log:#?}");
    }
    // A second later the tenant serves again; with the switch off it never refuses.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(&env, &workers, Some(&at)).await.0, StatusCode::OK);
    env.sim.update_switches(|s| s.rate_limit_per_sec = 0);
    for _ in 0..5 {
        assert_eq!(get(&env, &workers, Some(&at)).await.0, StatusCode::OK);
    }
}
