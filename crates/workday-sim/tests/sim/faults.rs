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
