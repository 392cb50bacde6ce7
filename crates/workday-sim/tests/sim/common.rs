//! Helpers shared by the tests: starting a tenant, the browser side of consent, token calls.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, SubsecRound, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;
use workday_sim::{ClientValues, SimConfig, SimHandle};

pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-sandbox-verifier";
pub const STATE: &str = "st ate/+&=é";

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[derive(Debug)]
pub struct Env {
    pub sim: SimHandle,
    pub v: ClientValues,
    pub http: reqwest::Client,
    /// A client that sends the control API's bearer token.
    pub control: reqwest::Client,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub async fn start(f: impl FnOnce(&mut SimConfig)) -> Env {
    let mut c = SimConfig::default();
    f(&mut c);
    let sim = workday_sim::start(c).await.expect("sim starts");
    let v = sim.values();
    let mut auth = reqwest::header::HeaderMap::new();
    auth.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {}", v.control_token)
            .parse()
            .expect("header"),
    );
    let control = reqwest::Client::builder()
        .default_headers(auth)
        .build()
        .expect("client");
    Env {
        sim,
        v,
        http: client(),
        control,
    }
}

/// The authorize URL with the usual parameters; `extra` adds or overrides (value None drops).
pub fn authorize_url(env: &Env, extra: &[(&str, Option<&str>)]) -> String {
    let ch = challenge(VERIFIER);
    let mut params: Vec<(&str, Option<&str>)> = vec![
        ("response_type", Some("code")),
        ("client_id", Some(&env.v.client_id)),
        ("redirect_uri", Some(&env.v.redirect_uri)),
        ("state", Some(STATE)),
        ("code_challenge", Some(&ch)),
        ("code_challenge_method", Some("S256")),
    ];
    for (k, v) in extra {
        if let Some(p) = params.iter_mut().find(|(n, _)| n == k) {
            p.1 = *v;
        } else {
            params.push((k, *v));
        }
    }
    let mut u = Url::parse(&env.v.authorization_endpoint).expect("url");
    for (k, v) in params {
        if let Some(v) = v {
            u.query_pairs_mut().append_pair(k, v);
        }
    }
    u.to_string()
}

/// Finds the consent form: (action, pending request id).
pub fn parse_consent_form(html: &str) -> (String, String) {
    let form_at = html.find("<form id=\"consent\"").expect("consent form");
    let form = &html[form_at
        ..html[form_at..]
            .find("</form>")
            .map(|e| form_at + e)
            .expect("form end")];
    let attr = |s: &str, name: &str| -> String {
        let key = format!("{name}=\"");
        let at = s.find(&key).expect(name) + key.len();
        s[at..at + s[at..].find('"').expect("quote")].to_string()
    };
    let action = attr(form, "action");
    let hidden_at = form.find("name=\"request\"").expect("hidden request id");
    let request = attr(&form[hidden_at..], "value");
    assert!(form.contains("name=\"decision\" value=\"allow\""));
    assert!(form.contains("name=\"decision\" value=\"deny\""));
    (action, request)
}

/// Loads the consent page and submits `decision` as a browser would; returns the redirect target.
pub async fn consent(env: &Env, url: &str, decision: &str) -> Url {
    let page = env.http.get(url).send().await.expect("authorize");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    let (action, request) = parse_consent_form(&html);
    let target = Url::parse(&env.v.authorization_endpoint)
        .expect("url")
        .join(&action)
        .expect("action");
    let r = env
        .http
        .post(target)
        .form(&[("request", request.as_str()), ("decision", decision)])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::FOUND, "decision answers a redirect");
    let loc = r.headers()[reqwest::header::LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    Url::parse(&loc).expect("location url")
}

pub fn query(u: &Url, name: &str) -> Option<String> {
    u.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Consents with Allow and returns the code.
pub async fn get_code(env: &Env) -> String {
    let loc = consent(env, &authorize_url(env, &[]), "allow").await;
    query(&loc, "code").expect("code")
}

#[derive(Debug, Clone, Copy)]
pub enum Auth {
    Basic,
    Body,
    None,
}

pub async fn token(
    env: &Env,
    form: &[(&str, &str)],
    auth: Auth,
    secret: &str,
) -> (StatusCode, Value) {
    let mut form: Vec<(&str, &str)> = form.to_vec();
    let mut rb = env.http.post(&env.v.token_endpoint);
    match auth {
        Auth::Basic => {
            let b = STANDARD.encode(format!("{}:{}", env.v.client_id, secret));
            rb = rb.header("Authorization", format!("Basic {b}"));
        }
        Auth::Body => {
            form.push(("client_id", &env.v.client_id));
            form.push(("client_secret", secret));
        }
        Auth::None => {}
    }
    let r = rb.form(&form).send().await.expect("token call");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub async fn exchange(env: &Env, code: &str) -> (StatusCode, Value) {
    token(
        env,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &env.v.redirect_uri),
            ("code_verifier", VERIFIER),
        ],
        Auth::Basic,
        &env.v.client_secret,
    )
    .await
}

pub async fn refresh(env: &Env, rt: &str) -> (StatusCode, Value) {
    token(
        env,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
        Auth::Basic,
        &env.v.client_secret,
    )
    .await
}

/// Full sign-in: (access token, refresh token).
pub async fn sign_in(env: &Env) -> (String, String) {
    let code = get_code(env).await;
    let (s, j) = exchange(env, &code).await;
    assert_eq!(s, StatusCode::OK, "{j}");
    (
        j["access_token"].as_str().expect("at").into(),
        j["refresh_token"].as_str().expect("rt").into(),
    )
}

pub async fn get(env: &Env, url: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut rb = env.http.get(url);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let r = rb.send().await.expect("get");
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

pub fn activity_endpoint(env: &Env) -> String {
    env.v
        .rest_api_endpoint
        .replace("/api/v1/", "/api/privacy/v1/")
        + "/activityLogging"
}

pub fn iso(t: DateTime<Utc>) -> String {
    t.trunc_subsecs(0).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn activity_url(env: &Env, from: DateTime<Utc>, to: DateTime<Utc>, extra: &str) -> String {
    format!(
        "{}?from={}&to={}&type=userActivity{extra}",
        activity_endpoint(env),
        iso(from),
        iso(to)
    )
}

/// Pages through a window with `limit`, checking `total` stays the same; returns all rows.
pub async fn page_all(
    env: &Env,
    token: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u64,
) -> (u64, Vec<Value>) {
    let mut rows = Vec::new();
    let mut total = None;
    let mut offset = 0;
    loop {
        let (s, j) = get(
            env,
            &activity_url(env, from, to, &format!("&limit={limit}&offset={offset}")),
            Some(token),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        let t = j["total"].as_u64().expect("total");
        assert_eq!(
            *total.get_or_insert(t),
            t,
            "total is the same on every page"
        );
        let data = j["data"].as_array().expect("data").clone();
        assert!(data.len() as u64 <= limit);
        offset += data.len() as u64;
        rows.extend(data);
        if offset >= t {
            break;
        }
    }
    (total.unwrap_or(0), rows)
}

/// Multiset of events by canonical JSON (serde_json maps are sorted).
pub fn multiset(rows: &[Value]) -> std::collections::HashMap<String, usize> {
    let mut m = std::collections::HashMap::new();
    for r in rows {
        *m.entry(r.to_string()).or_insert(0) += 1;
    }
    m
}
