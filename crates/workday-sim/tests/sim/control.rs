//! The control API and the binary's `--json` output.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn control_api_round_trip() {
    let env = start(|_| {}).await;
    let c = &env.v.control_url;
    let http = &env.http;
    let s: Value = http
        .get(format!("{c}/switches"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s["pkce"], false);
    let r = http
        .put(format!("{c}/switches"))
        .json(&json!({"pkce": true, "publish_lag_max_secs": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let sw = env.sim.switches();
    assert!(
        sw.pkce && sw.publish_lag_max_secs == 3 && sw.offset_cap == 10_000,
        "partial merge"
    );
    let r = http
        .put(format!("{c}/switches"))
        .json(&json!({"no_such_switch": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = http
        .put(format!("{c}/faults"))
        .json(&json!({"latency_ms": 5, "drop_next": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(env.sim.faults().latency_ms, 5);
    let f: Value = http
        .get(format!("{c}/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(f["latency_ms"], 5);

    let (_, rt) = sign_in(&env).await;
    let log: Value = http
        .get(format!("{c}/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!log.as_array().unwrap().is_empty());
    assert_eq!(
        http.delete(format!("{c}/requests"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(env.sim.request_log().is_empty());

    let j: Value = http
        .post(format!("{c}/regenerate-secret"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new_secret = j["client_secret"].as_str().unwrap();
    assert_eq!(env.sim.values().client_secret, new_secret);
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt.as_str()),
    ];
    assert_eq!(
        token(&env, &form, Auth::Body, new_secret).await.0,
        StatusCode::OK
    );
    assert_eq!(
        http.post(format!("{c}/revoke-refresh-tokens"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        token(&env, &form, Auth::Body, new_secret).await.1["error"],
        "invalid_grant"
    );

    let now = chrono::Utc::now();
    let (from, to) = (
        now - chrono::Duration::hours(5),
        now - chrono::Duration::hours(4),
    );
    let truth: Value = http
        .get(format!("{c}/truth"))
        .query(&[("from", from.to_rfc3339()), ("to", to.to_rfc3339())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(truth.as_array().unwrap(), &env.sim.ground_truth(from, to));
    let v: Value = http
        .get(format!("{c}/values"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["token_endpoint"], env.v.token_endpoint.as_str());
}

#[test]
fn binary_prints_one_json_line_first() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_workday-sim"))
        .args([
            "--json",
            "--seed",
            "3",
            "--redirect-port",
            "9555",
            "--strict",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("line");
    let _ = child.kill();
    let _ = child.wait();
    let v: Value = serde_json::from_str(&line).expect("json on the first line");
    for k in [
        "client_id",
        "client_secret",
        "rest_api_endpoint",
        "token_endpoint",
        "authorization_endpoint",
        "redirect_uri",
        "control_url",
    ] {
        assert!(v[k].as_str().is_some_and(|s| !s.is_empty()), "{k}");
    }
    assert_eq!(v["redirect_uri"], "http://127.0.0.1:9555/callback");
    assert!(v["client_secret"].as_str().unwrap().len() >= 32);
}
