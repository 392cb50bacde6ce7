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
    let http = &env.control;
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
        "control_token",
    ] {
        assert!(v[k].as_str().is_some_and(|s| !s.is_empty()), "{k}");
    }
    assert_eq!(v["redirect_uri"], "http://127.0.0.1:9555/callback");
    assert!(v["client_secret"].as_str().unwrap().len() >= 32);
}

/// Every route of the control API, as (method, path, body).
const CONTROL_ROUTES: [(&str, &str, &str); 10] = [
    ("GET", "/values", ""),
    ("GET", "/switches", ""),
    ("PUT", "/switches", r#"{"pkce": false}"#),
    ("GET", "/faults", ""),
    ("PUT", "/faults", r#"{"drop_next": 5}"#),
    ("GET", "/requests", ""),
    ("DELETE", "/requests", ""),
    ("POST", "/regenerate-secret", ""),
    ("POST", "/revoke-refresh-tokens", ""),
    (
        "GET",
        "/truth?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z",
        "",
    ),
];

#[tokio::test]
async fn the_control_api_refuses_every_request_without_its_token_and_changes_nothing() {
    let env = start(|_| {}).await;
    let (_, rt) = sign_in(&env).await;
    let secret = env.v.client_secret.clone();
    let switches = serde_json::to_value(env.sim.switches()).unwrap();
    let logged = env.sim.request_log().len();
    assert!(env.v.control_token.len() >= 32, "a random token");
    for (method, path, body) in CONTROL_ROUTES {
        let url = format!("{}{path}", env.v.control_url);
        let method: reqwest::Method = method.parse().unwrap();
        for auth in [
            None,
            Some("Bearer wrong".to_string()),
            Some(format!("Bearer {}x", env.v.control_token)),
            Some(format!("Basic {}", env.v.control_token)),
        ] {
            // What a cross-site page can send: a simple form POST, no custom header.
            let mut r = env
                .http
                .request(method.clone(), &url)
                .header("origin", "https://attacker.example")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
            if let Some(a) = &auth {
                r = r.header("authorization", a);
            }
            let r = r.send().await.unwrap();
            assert_eq!(
                r.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} {auth:?}"
            );
            assert_eq!(r.headers()["www-authenticate"], "Bearer");
            let text = r.text().await.unwrap();
            assert!(!text.contains(&secret), "{path} leaked the secret");
            assert!(text.contains("bearer token"), "{text}");
        }
    }
    // Nothing changed: the secret, the switches, the faults, the log, the refresh token.
    assert_eq!(env.sim.values().client_secret, secret);
    assert_eq!(serde_json::to_value(env.sim.switches()).unwrap(), switches);
    assert_eq!(env.sim.faults().drop_next, 0);
    assert_eq!(env.sim.request_log().len(), logged);
    let (status, _) = refresh(&env, &rt).await;
    assert_eq!(status, StatusCode::OK, "the refresh token still works");
    // The token opens it.
    let v: Value = env
        .control
        .get(format!("{}/values", env.v.control_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["client_secret"], secret.as_str());
}

/// Sends one raw HTTP/1.1 request head and returns the status code of the answer.
async fn raw_status(addr: &str, head: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(head.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    let text = String::from_utf8_lossy(&buf);
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn every_listener_answers_only_its_own_loopback_host_names() {
    let env = start(|_| {}).await;
    let token = format!("Bearer {}", env.v.control_token);
    let website = url::Url::parse(&env.v.authorization_endpoint).unwrap();
    let services = url::Url::parse(&env.v.rest_api_endpoint).unwrap();
    let control = url::Url::parse(&env.v.control_url).unwrap();
    for (name, base, path) in [
        ("website", &website, website.path().to_string()),
        (
            "services",
            &services,
            services.path().to_string() + "/workers",
        ),
        ("control", &control, "/switches".to_string()),
    ] {
        let port = base.port().expect("a port");
        let addr = format!("127.0.0.1:{port}");
        let other = if port == 65535 { port - 1 } else { port + 1 };
        for refused in [
            format!("attacker.example:{port}"),
            "attacker.example".to_string(),
            format!("127.0.0.1:{other}"),
            format!("localhost:{other}"),
            format!("127.0.0.1.nip.io:{port}"),
            "127.0.0.1".to_string(),
        ] {
            let head = format!(
                "GET {path} HTTP/1.1\r\nHost: {refused}\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
            );
            assert_eq!(
                raw_status(&addr, &head).await,
                421,
                "{name} with Host {refused}"
            );
        }
        // No Host at all (HTTP/1.0 allows it): refused too.
        let head = format!("GET {path} HTTP/1.0\r\nAuthorization: {token}\r\n\r\n");
        assert_eq!(raw_status(&addr, &head).await, 421, "{name} without Host");
        for allowed in [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("LOCALHOST:{port}"),
            format!("[::1]:{port}"),
        ] {
            let head = format!(
                "GET {path} HTTP/1.1\r\nHost: {allowed}\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
            );
            let status = raw_status(&addr, &head).await;
            assert!(
                status != 421 && status != 0,
                "{name} with Host {allowed}: {status}"
            );
        }
    }
    // The secret is never handed out under a foreign name, even with the token.
    let head = format!(
        "GET /values HTTP/1.1\r\nHost: rebind.example:{}\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n",
        control.port().unwrap()
    );
    assert_eq!(
        raw_status(&format!("127.0.0.1:{}", control.port().unwrap()), &head).await,
        421
    );
}
