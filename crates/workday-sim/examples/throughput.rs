//! Throughput benchmark: starts the sim in-process, signs in over HTTP, splits a seven-day
//! backfill into windows below the offset cap, pages them with limit=1000 and prints pages/s and
//! events/s. `cargo run --release -p workday-sim --example throughput -- [--events N] [--concurrency C]`

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde_json::Value;
use workday_sim::{SimConfig, Switches};

type Error = Box<dyn std::error::Error + Send + Sync>;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Consent as a browser would (PKCE off to keep the example short) and exchange the code.
async fn sign_in(http: &reqwest::Client, v: &workday_sim::ClientValues) -> Result<String, Error> {
    let mut auth = url::Url::parse(&v.authorization_endpoint)?;
    auth.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &v.client_id)
        .append_pair("redirect_uri", &v.redirect_uri)
        .append_pair("state", "bench");
    let html = http.get(auth.clone()).send().await?.text().await?;
    let id_at = html
        .find("name=\"request\" value=\"")
        .ok_or("no consent form")?
        + 22;
    let id = &html[id_at..id_at + html[id_at..].find('"').ok_or("bad form")?];
    let r = http
        .post(auth.join("authorize/decision")?)
        .form(&[("request", id), ("decision", "allow")])
        .send()
        .await?;
    let loc = url::Url::parse(r.headers().get("location").ok_or("no redirect")?.to_str()?)?;
    let code = loc
        .query_pairs()
        .find(|(k, _)| k == "code")
        .ok_or("no code")?
        .1
        .into_owned();
    let tok: Value = http
        .post(&v.token_endpoint)
        .basic_auth(&v.client_id, Some(&v.client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &v.redirect_uri),
        ])
        .send()
        .await?
        .json()
        .await?;
    Ok(tok["access_token"]
        .as_str()
        .ok_or("no access token")?
        .to_string())
}

async fn get(http: &reqwest::Client, url: &str, token: &str) -> Result<Value, Error> {
    let r = http.get(url).bearer_auth(token).send().await?;
    if !r.status().is_success() {
        return Err(format!("{url}: {}", r.status()).into());
    }
    Ok(r.json().await?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let events = arg("--events", 1_000_000);
    let concurrency = arg("--concurrency", 4).max(1) as usize;
    let t0 = Instant::now();
    let sim = workday_sim::start(SimConfig {
        events,
        switches: Switches {
            pkce: false,
            ..Switches::default()
        },
        ..SimConfig::default()
    })
    .await?;
    let started = t0.elapsed();
    let v = sim.values();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let token = sign_in(&http, &v).await?;
    let endpoint = v.rest_api_endpoint.replace("/api/v1/", "/api/privacy/v1/") + "/activityLogging";
    let cap = sim.switches().offset_cap;

    // Split the week into windows holding fewer rows than the cap, by asking for counts.
    let now = Utc::now().trunc_subsecs(0);
    let (from, to) = (now - Duration::days(7), now - Duration::minutes(2));
    let t_split = Instant::now();
    let mut todo = vec![(from, to)];
    let mut windows = Vec::new();
    let mut count_calls = 0;
    while let Some((a, b)) = todo.pop() {
        let url = format!(
            "{endpoint}?from={}&to={}&type=userActivity&returnUserActivityEntryCount=true",
            iso(a),
            iso(b)
        );
        let n = get(&http, &url, &token).await?["data"][0]["userActivityEntryCount"]
            .as_u64()
            .unwrap_or(0);
        count_calls += 1;
        if n >= cap && b - a > Duration::seconds(1) {
            let mid = a + (b - a) / 2;
            let mid = mid.trunc_subsecs(0);
            todo.push((mid, b));
            todo.push((a, mid));
        } else {
            windows.push((a, b, n));
        }
    }
    let split = t_split.elapsed();
    let expected: u64 = windows.iter().map(|w| w.2).sum();

    // Page every window with limit=1000 from `concurrency` workers.
    let queue = Arc::new(Mutex::new(
        windows
            .iter()
            .map(|&(a, b, _)| (a, b))
            .collect::<VecDeque<_>>(),
    ));
    let t_page = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (queue, http, token, endpoint) =
            (queue.clone(), http.clone(), token.clone(), endpoint.clone());
        workers.push(tokio::spawn(async move {
            let (mut pages, mut rows) = (0u64, 0u64);
            loop {
                let next = queue.lock().map_err(|_| "queue poisoned")?.pop_front();
                let Some((a, b)) = next else { break };
                let mut offset = 0;
                loop {
                    let url = format!(
                        "{endpoint}?from={}&to={}&type=userActivity&limit=1000&offset={offset}&instancesReturned=1",
                        iso(a),
                        iso(b)
                    );
                    let j = get(&http, &url, &token).await?;
                    let n = j["data"].as_array().map_or(0, |d| d.len()) as u64;
                    pages += 1;
                    rows += n;
                    offset += n;
                    if n == 0 || offset >= j["total"].as_u64().unwrap_or(0) {
                        break;
                    }
                }
            }
            Ok::<_, Error>((pages, rows))
        }));
    }
    let (mut pages, mut rows) = (0, 0);
    for w in workers {
        let (p, r) = w.await??;
        pages += p;
        rows += r;
    }
    let secs = t_page.elapsed().as_secs_f64();
    println!("events setting: {events}, concurrency: {concurrency}");
    println!("sim start: {:.1} ms", started.as_secs_f64() * 1000.0);
    println!(
        "split: {} windows from {count_calls} count calls in {:.2} s",
        windows.len(),
        split.as_secs_f64()
    );
    println!("paged: {rows} events (expected {expected}) in {pages} pages, {secs:.2} s");
    println!(
        "throughput: {:.0} pages/s, {:.0} events/s",
        pages as f64 / secs,
        rows as f64 / secs
    );
    sim.shutdown().await;
    Ok(())
}
