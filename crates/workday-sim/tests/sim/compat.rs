//! The simulator as a Workday test double for other collectors: the documented request shapes of
//! shipped collectors of the activity log, replayed over HTTPS (through the CA the tenant writes)
//! as plain HTTP requests, each collecting exactly the ground truth of a 7-day window where its
//! own logic is sound. Under the strict switches the same shapes are refused, as they were
//! before the realistic defaults.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use url::Url;
use workday_sim::{OffsetCapMode, SimConfig};

use crate::common::*;

/// Events in any seven days: one 7-day window stays under the 10,000-row offset cap, as the
/// collectors that read a whole window in one go need.
const WEEK_EVENTS: u64 = 6_000;

/// A tenant over TLS and an HTTP client that trusts its CA (the file the values name).
async fn tls_tenant(f: impl FnOnce(&mut SimConfig)) -> Env {
    let mut env = start(|c| {
        c.tls = true;
        c.events = WEEK_EVENTS;
        f(c);
    })
    .await;
    let pem = std::fs::read(env.v.tls_ca_file.as_deref().expect("CA file named")).expect("CA");
    env.http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("PEM"))
        .build()
        .expect("client");
    assert!(env.v.token_endpoint.starts_with("https://"));
    env
}

/// The last seven days up to a little before now (past the publishing lag), whole seconds.
fn week() -> (DateTime<Utc>, DateTime<Utc>) {
    let to = Utc::now().trunc_subsecs(0) - Duration::minutes(3);
    (to - Duration::days(7), to)
}

fn activity_endpoint(env: &Env) -> String {
    format!(
        "{}/activityLogging",
        env.v
            .rest_api_endpoint
            .replacen("/ccx/api/v1/", "/ccx/api/privacy/v1/", 1)
    )
}

fn whole_s(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn millis(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn micros(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// One activity-log GET: (total, rows), or the refusal as status and body.
async fn fetch(
    env: &Env,
    at: &str,
    params: &[(&str, String)],
) -> Result<(u64, Vec<Value>), String> {
    let mut url = Url::parse(&activity_endpoint(env)).expect("url");
    for (k, v) in params {
        url.query_pairs_mut().append_pair(k, v);
    }
    let r = env
        .http
        .get(url)
        .bearer_auth(at)
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let status = r.status();
    let j: Value = r.json().await.unwrap_or(Value::Null);
    if status != StatusCode::OK {
        return Err(format!("{status}: {j}"));
    }
    let rows = j["data"].as_array().cloned().unwrap_or_default();
    Ok((j["total"].as_u64().unwrap_or(0), rows))
}

/// What a collector ended with: the rows, and the error that stopped it, if any.
#[derive(Debug, Default)]
struct Collected {
    rows: Vec<Value>,
    error: Option<String>,
}

fn multiset(rows: &[Value]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in rows {
        *m.entry(r.to_string()).or_insert(0) += 1;
    }
    m
}

fn assert_truth(env: &Env, shape: &str, got: &Collected, from: DateTime<Utc>, to: DateTime<Utc>) {
    let truth = env.sim.ground_truth(from, to);
    assert!(truth.len() > 1000, "{shape}: a busy week ({})", truth.len());
    assert!(got.error.is_none(), "{shape}: stopped by {:?}", got.error);
    assert_eq!(got.rows.len(), truth.len(), "{shape}: row count");
    assert!(
        multiset(&got.rows) == multiset(&truth),
        "{shape}: the rows are the ground truth"
    );
}

/// Cortex XSOAR's shape: whole seconds, `returnUserActivityEntryCount=False` (capitalised), and
/// `instancesReturned` paging that reads pages until one comes back short, never reading `total`.
async fn xsoar(env: &Env, at: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Collected {
    const PAGE: usize = 1000;
    let mut out = Collected::default();
    loop {
        let params = [
            ("from", whole_s(from)),
            ("to", whole_s(to)),
            ("type", "userActivity".to_string()),
            ("returnUserActivityEntryCount", "False".to_string()),
            ("instancesReturned", PAGE.to_string()),
            ("limit", PAGE.to_string()),
            ("offset", out.rows.len().to_string()),
        ];
        match fetch(env, at, &params).await {
            Ok((_, rows)) => {
                let short = rows.len() < PAGE;
                out.rows.extend(rows);
                if short {
                    return out;
                }
            }
            Err(e) => {
                out.error = Some(e);
                return out;
            }
        }
    }
}

/// Sekoia's shape: millisecond times (`.000Z` and a real `to` with milliseconds), pages of 100
/// until one comes back short.
async fn sekoia(env: &Env, at: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Collected {
    const PAGE: usize = 100;
    let mut out = Collected::default();
    loop {
        let params = [
            ("from", millis(from)),
            ("to", millis(to)),
            ("type", "userActivity".to_string()),
            ("limit", PAGE.to_string()),
            ("offset", out.rows.len().to_string()),
        ];
        match fetch(env, at, &params).await {
            Ok((_, rows)) => {
                let short = rows.len() < PAGE;
                out.rows.extend(rows);
                if short {
                    return out;
                }
            }
            Err(e) => {
                out.error = Some(e);
                return out;
            }
        }
    }
}

/// Elastic's and the Splunk add-on's shape: `total`-driven offset paging (stopping at `total` or
/// at an empty page), then a new pass from the last row's `requestTime` (milliseconds), dropping
/// the rows of that millisecond it already holds. Sound only while rows come ascending by
/// `requestTime`, and past the offset cap only where the cap shows as `total` or an empty page.
async fn elastic_splunk(env: &Env, at: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Collected {
    const PAGE: u64 = 1000;
    let mut out = Collected::default();
    let mut cursor = whole_s(from);
    // A bound on passes: under shuffled rows the cursor can go back and never settle.
    for _ in 0..50 {
        let mut pass = Vec::new();
        loop {
            let params = [
                ("from", cursor.clone()),
                ("to", whole_s(to)),
                ("type", "userActivity".to_string()),
                ("limit", PAGE.to_string()),
                ("offset", pass.len().to_string()),
            ];
            match fetch(env, at, &params).await {
                Ok((total, rows)) => {
                    let empty = rows.is_empty();
                    pass.extend(rows);
                    if empty || pass.len() as u64 >= total {
                        break;
                    }
                }
                Err(e) => {
                    out.error = Some(e);
                    return out;
                }
            }
        }
        // The rows of the cursor's millisecond that the last pass already delivered.
        let mut held: Vec<&Value> = out
            .rows
            .iter()
            .rev()
            .take_while(|r| r["requestTime"].as_str() == Some(cursor.as_str()))
            .collect();
        let mut fresh = Vec::new();
        for r in pass {
            if let Some(i) = held.iter().position(|h| **h == r) {
                held.swap_remove(i);
            } else {
                fresh.push(r);
            }
        }
        let Some(last) = fresh.last().and_then(|r| r["requestTime"].as_str()) else {
            return out;
        };
        cursor = last.to_string();
        out.rows.extend(fresh);
    }
    out.error = Some("gave up after 50 passes".into());
    out
}

/// Microsoft Sentinel's polling shape: authorization code with `redirect=n` and no PKCE, client
/// credentials in the body, then 5-minute windows in whole seconds, each paged until short.
async fn sentinel(env: &Env, from: DateTime<Utc>, to: DateTime<Utc>) -> Collected {
    const PAGE: usize = 1000;
    let url = authorize_url(
        env,
        &[
            ("code_challenge", None),
            ("code_challenge_method", None),
            ("redirect", Some("n")),
        ],
    );
    let r = env.http.get(&url).send().await.expect("authorize");
    if r.status() != StatusCode::OK {
        let to = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap_or_default().to_string());
        return Collected {
            rows: Vec::new(),
            error: Some(format!("authorize answered {} ({to:?})", r.status())),
        };
    }
    let loc = consent(env, &url, "allow").await;
    let code = query(&loc, "code").expect("code");
    let (s, j) = token(
        env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &env.v.redirect_uri),
        ],
        Auth::Body,
        &env.v.client_secret,
    )
    .await;
    let Some(at) = j["access_token"].as_str().filter(|_| s == StatusCode::OK) else {
        return Collected {
            rows: Vec::new(),
            error: Some(format!("token: {s}: {j}")),
        };
    };
    let mut out = Collected::default();
    let mut start = from;
    while start < to {
        let end = (start + Duration::minutes(5)).min(to);
        let mut offset = 0;
        loop {
            let params = [
                ("from", whole_s(start)),
                ("to", whole_s(end)),
                ("type", "userActivity".to_string()),
                ("limit", PAGE.to_string()),
                ("offset", offset.to_string()),
            ];
            match fetch(env, at, &params).await {
                Ok((_, rows)) => {
                    offset += rows.len();
                    let short = rows.len() < PAGE;
                    out.rows.extend(rows);
                    if short {
                        break;
                    }
                }
                Err(e) => {
                    out.error = Some(e);
                    return out;
                }
            }
        }
        start = end;
    }
    out
}

/// HashiCorp Grove's shape: a count query first (`returnUserActivityEntryCount=true`), then
/// offset pages up to that count; times with six fractional digits.
async fn grove(env: &Env, at: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Collected {
    const PAGE: usize = 1000;
    let window = [("from", micros(from)), ("to", micros(to))];
    let mut count_q = window.to_vec();
    count_q.push(("returnUserActivityEntryCount", "true".to_string()));
    let mut url = Url::parse(&activity_endpoint(env)).expect("url");
    for (k, v) in &count_q {
        url.query_pairs_mut().append_pair(k, v);
    }
    let r = env
        .http
        .get(url)
        .bearer_auth(at)
        .send()
        .await
        .expect("count");
    let status = r.status();
    let j: Value = r.json().await.unwrap_or(Value::Null);
    let Some(n) = j["data"][0]["userActivityEntryCount"]
        .as_u64()
        .filter(|_| status == StatusCode::OK)
    else {
        return Collected {
            rows: Vec::new(),
            error: Some(format!("count: {status}: {j}")),
        };
    };
    let mut out = Collected::default();
    while (out.rows.len() as u64) < n {
        let mut params = window.to_vec();
        params.push(("limit", PAGE.to_string()));
        params.push(("offset", out.rows.len().to_string()));
        match fetch(env, at, &params).await {
            Ok((_, rows)) if rows.is_empty() => break,
            Ok((_, rows)) => out.rows.extend(rows),
            Err(e) => {
                out.error = Some(e);
                break;
            }
        }
    }
    out
}

/// A refresh token got through consent (how XSOAR, Sekoia, Elastic and Grove are set up), then
/// an access token from it with Basic client authentication.
async fn access_token(env: &Env) -> String {
    let (_, rt) = sign_in(env).await;
    let basic = STANDARD.encode(format!("{}:{}", env.v.client_id, env.v.client_secret));
    let r = env
        .http
        .post(&env.v.token_endpoint)
        .header("Authorization", format!("Basic {basic}"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt.as_str()),
        ])
        .send()
        .await
        .expect("refresh");
    assert_eq!(r.status(), StatusCode::OK);
    let j: Value = r.json().await.expect("json");
    j["access_token"]
        .as_str()
        .expect("access token")
        .to_string()
}

#[tokio::test]
async fn xsoar_shape_capitalised_booleans_and_short_page_paging() {
    let env = tls_tenant(|_| {}).await;
    let at = access_token(&env).await;
    let (from, to) = week();
    let got = xsoar(&env, &at, from, to).await;
    assert_truth(&env, "xsoar", &got, from, to);
}

#[tokio::test]
async fn sekoia_shape_millisecond_times_and_stop_on_short_page() {
    let env = tls_tenant(|_| {}).await;
    let at = access_token(&env).await;
    let (from, to) = week();
    // A `to` with real milliseconds, as a collector stamping "now" sends it.
    let to = to + Duration::milliseconds(437);
    let got = sekoia(&env, &at, from, to).await;
    assert_truth(&env, "sekoia", &got, from, to);
}

#[tokio::test]
async fn elastic_splunk_shape_resumes_from_the_last_request_time_past_the_cap() {
    // A cap well under the week's count: the collector needs several passes, and the cap shows
    // as `total` (the default) or as an empty page (the Splunk add-on's expectation).
    for mode in [OffsetCapMode::CapTotal, OffsetCapMode::EmptyPage] {
        let env = tls_tenant(|c| {
            c.switches.offset_cap = 2_500;
            c.switches.offset_cap_mode = mode;
        })
        .await;
        let at = access_token(&env).await;
        let (from, to) = week();
        let got = elastic_splunk(&env, &at, from, to).await;
        assert_truth(&env, &format!("elastic/splunk {mode:?}"), &got, from, to);
    }
}

#[tokio::test]
async fn sentinel_shape_redirect_n_without_pkce_in_five_minute_windows() {
    let env = tls_tenant(|c| c.switches.sso = true).await;
    let (from, to) = week();
    let got = sentinel(&env, from, to).await;
    assert_truth(&env, "sentinel", &got, from, to);
}

#[tokio::test]
async fn grove_shape_count_first_with_microsecond_times() {
    let env = tls_tenant(|_| {}).await;
    let at = access_token(&env).await;
    let (from, to) = week();
    let got = grove(&env, &at, from, to).await;
    assert_truth(&env, "grove", &got, from, to);
}

/// Under the strict switches the tenant refuses what these collectors send (fractions,
/// capitalised booleans, no PKCE), and shuffled pages break resuming from the last row's time:
/// each collects less than the truth, and says why where the tenant refused.
#[tokio::test]
async fn strict_switches_refuse_the_collectors_shapes() {
    let env = tls_tenant(|c| {
        c.switches.strict_params = true;
        c.switches.pkce = true;
    })
    .await;
    let at = access_token(&env).await;
    let (from, to) = week();
    for (shape, got) in [
        ("xsoar", xsoar(&env, &at, from, to).await),
        ("sekoia", sekoia(&env, &at, from, to).await),
        ("grove", grove(&env, &at, from, to).await),
        ("sentinel", sentinel(&env, from, to).await),
    ] {
        assert!(got.rows.is_empty(), "{shape}: {} rows", got.rows.len());
        let e = got.error.unwrap_or_default();
        assert!(
            e.contains("400") || e.contains("invalid_request"),
            "{shape}: {e}"
        );
    }
    env.sim.update_switches(|s| {
        s.strict_params = false;
        s.shuffle_pages = true;
        s.offset_cap = 2_500;
        s.offset_cap_mode = OffsetCapMode::EmptyPage;
    });
    let got = elastic_splunk(&env, &at, from, to).await;
    let truth = env.sim.ground_truth(from, to);
    assert_ne!(
        multiset(&got.rows),
        multiset(&truth),
        "resuming from the last row's time relies on ascending rows"
    );
}
