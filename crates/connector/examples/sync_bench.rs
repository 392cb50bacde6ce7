//! Benchmark (not a test, never run in CI) of the activity-log sync: a seven-day backfill from an
//! in-process simulated tenant into a fresh store.
//!
//! It needs a D-Bus session with an unlocked Secret Service (the tokens go to a keyring service
//! of its own, `workday-connector-bench-<pid>`, removed at the end), so run it as:
//!
//! ```text
//! bash -c 'source scripts/lib.sh; trap services_stop EXIT; services_start; \
//!   cargo run --release -p connector --example sync_bench -- --mode real [--events 1000000]'
//! bash -c 'source scripts/lib.sh; trap services_stop EXIT; services_start; \
//!   cargo run --release -p connector --example sync_bench -- --mode raw [--events 1000000]'
//! ```
//!
//! Sign-in has no browser: an in-process `Browser` GETs the authorization URL, posts the consent
//! form's Allow with reqwest and follows the redirect to the connector's loopback listener.
//!
//! `--mode real` (as against a real tenant): 300 ms added to every services answer, the
//! connector at its defaults (10 requests/s, page size 1000); beside it the
//! way peer collectors work, implemented here with reqwest + rusqlite: one request at a time,
//! one-hour windows (halved at the offset cap), offset paging, one insert transaction per page,
//! with page size 1000 over `--peer-hours` (24) and page size 100 over `--peer100-hours` (4),
//! both extrapolated to the whole range from their events/s (they are too slow to run whole);
//! `--no-peers` skips them.
//!
//! `--mode raw` (efficiency): no added latency and the rate limit lifted to `--rate` (1000/s,
//! written into the profile file: the settings check allows at most 50); the connector's events/s
//! and peak resident memory, then (a) the Python baseline `benches/baseline_collector.py`, run as
//! a subprocess with `--python` (python3; needs `requests`) against the same sim, and (b) the
//! local limit: every page fetched into memory first, then only parse + key + `commit_window`
//! (+ the final `optimize`) timed. `--no-python` skips (a).
//!
//! In both modes the connector's sync runs in a child process (this example again, with
//! `--child-sync`), so its peak memory (VmHWM, reset just before the sync) is its own: the sim
//! keeps hundreds of MB of generated events cached. The Python baseline reports its own VmHWM.
//! The sim's request log gives the requests the connector made, their rate, and the most that
//! arrived in any one second (the sim stamps a request as its bytes come off the socket, or as
//! its connection is accepted), and the most it began to answer in any second (stamped when its
//! task ran: on a loaded machine those bunch, and then say more about the machine).
//!
//! `--sim-process` runs the tenant as the `workday-sim` binary in a process of its own (next to
//! this example: `target/release/workday-sim`, or `--sim-bin PATH`; build it with
//! `cargo build --release -p workday-sim`), driven through its control API, as an independent
//! tenant would be; add `--sim-rate-limit N` to have it answer 429 above N REST requests in any
//! second, as a real tenant does. Peers, the baseline and the local limit then need `--no-peers`
//! / `--no-python` and are skipped.
//!
//! In real mode a second line tells how well the sync used the rate limit: the share of the rows
//! its requests could carry that were useful, how busy the limiter was and where it idled.
//! `--timeline FILE` writes the activity requests in arrival order (time, status, query).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use connector::activity::row::key_window;
use connector::activity::{Store, SyncOptions};
use connector::browser::Browser;
use connector::connections::Connector;
use connector::loopback::{self, CallbackListener, RedirectHost};
use connector::paths::Home;
use connector::profile::Profile;
use connector::secrets::SecretStore;
use connector::signin::SignInOptions;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use workday_client::oauth::{ClientAuth, OAuthClient, authorization_request};
use workday_sim::{ClientValues, Faults, RequestRecord, SimConfig, SimHandle};

type Error = Box<dyn std::error::Error + Send + Sync>;

const NAME: &str = "bench";
const DAYS: u32 = 7;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

fn num<T: std::str::FromStr>(name: &str, default: T) -> T {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A field of /proc/self/status, in kB.
fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU time of this process so far, in seconds (`/proc/self/stat` fields 14 and
/// 15, in clock ticks of 1/100 s: Linux reports them in USER_HZ, 100 on every architecture it
/// runs this on).
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // "pid (comm) state ..." with fields counted after the name's closing parenthesis.
            let rest = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            let ticks = |i: usize| rest.get(i)?.parse::<f64>().ok();
            Some((ticks(11)? + ticks(12)?) / 100.0)
        })
        .unwrap_or(0.0)
}

/// Bytes this process has written so far: handed to `write` and its kin (`wchar`), and sent to
/// the storage layer (`write_bytes`), from `/proc/self/io`.
fn written() -> (u64, u64) {
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    let field = |key: &str| {
        io.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    (field("wchar:"), field("write_bytes:"))
}

/// Resets VmHWM to the current RSS (Linux 4.0+).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// The browser side of consent: the authorization URL, the consent page, Allow; the redirect.
async fn consent(http: &reqwest::Client, url: &str) -> Result<url::Url, Error> {
    let url = url::Url::parse(url)?;
    let html = http.get(url.clone()).send().await?.text().await?;
    let form = &html[html.find("<form id=\"consent\"").ok_or("no consent form")?..];
    let attr = |s: &str, name: &str| -> Result<String, Error> {
        let key = format!("{name}=\"");
        let at = s.find(&key).ok_or("attribute missing")? + key.len();
        Ok(s[at..at + s[at..].find('"').ok_or("unquoted")?].to_string())
    };
    let action = attr(form, "action")?;
    let request = attr(
        &form[form.find("name=\"request\"").ok_or("no request id")?..],
        "value",
    )?;
    let r = http
        .post(url.join(&action)?)
        .form(&[("request", request.as_str()), ("decision", "allow")])
        .send()
        .await?;
    let loc = r
        .headers()
        .get(reqwest::header::LOCATION)
        .ok_or("no redirect after consent")?
        .to_str()?;
    Ok(url::Url::parse(loc)?)
}

/// Signs in without a browser: consent over HTTP, then the redirect delivered to the loopback.
struct FormBrowser {
    rt: tokio::runtime::Handle,
    http: reqwest::Client,
}

impl Browser for FormBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        // Called on a blocking thread (`open_in_background`), so blocking on the runtime is fine.
        self.rt
            .block_on(async {
                let back = consent(&self.http, url).await?;
                self.http.get(back).send().await?;
                Ok::<_, Error>(())
            })
            .map_err(|e| e.to_string())
    }
}

/// An access token of our own for the peers and the Python baseline (PKCE, Basic).
async fn own_token(v: &ClientValues, http: &reqwest::Client) -> Result<String, Error> {
    let req = authorization_request(
        &url::Url::parse(&v.authorization_endpoint)?,
        &v.client_id,
        &v.redirect_uri,
        true,
        false,
    );
    let back = consent(http, req.url.as_str()).await?;
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .ok_or("no code")?
        .1
        .into_owned();
    let oauth = OAuthClient::new(
        http.clone(),
        url::Url::parse(&v.token_endpoint)?,
        v.client_id.clone(),
        SecretString::from(v.client_secret.clone()),
        ClientAuth::Basic,
    );
    let tokens = oauth
        .exchange_code(
            &SecretString::from(code),
            &v.redirect_uri,
            req.pkce_verifier.as_ref(),
        )
        .await?;
    Ok(tokens.access_token.expose_secret().to_string())
}

/// A connector error as text (it is not a `std::error::Error`).
fn ce(e: connector::connections::ConnectorError) -> Error {
    let p: Vec<String> = e
        .problems()
        .into_iter()
        .map(|p| format!("{}: {}", p.code, p.message))
        .collect();
    p.join("; ").into()
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Reads `[from, to)` the way the peers do: one request at a time, one-hour windows (halved when
/// the first page's total reaches the cap), offset paging; `page` gets each page's window index
/// (a leaf window) and body.
#[allow(clippy::too_many_arguments)]
async fn peer_read(
    http: &reqwest::Client,
    endpoint: &str,
    token: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u32,
    cap: u64,
    mut page: impl FnMut(usize, Vec<u8>) -> Result<(), Error>,
) -> Result<(u64, u64), Error> {
    let mut todo = std::collections::VecDeque::new();
    let mut at = from;
    while at < to {
        let end = (at + chrono::Duration::hours(1)).min(to);
        todo.push_back((at, end));
        at = end;
    }
    let (mut pages, mut leaves) = (0u64, 0usize);
    while let Some((a, b)) = todo.pop_front() {
        let mut offset = 0u64;
        loop {
            let url = format!(
                "{endpoint}?from={}&to={}&type=userActivity&limit={limit}&offset={offset}&instancesReturned=1",
                iso(a),
                iso(b)
            );
            let r = http.get(&url).bearer_auth(token).send().await?;
            if !r.status().is_success() {
                return Err(format!("{url}: {}", r.status()).into());
            }
            let body = r.bytes().await?;
            pages += 1;
            // Only the counts are peeked here; the sink parses the page itself.
            let head: PageHead = serde_json::from_slice(&body)?;
            if offset == 0 && head.total >= cap && (b - a).num_seconds() > 1 {
                let mid = a + chrono::Duration::seconds((b - a).num_seconds() / 2);
                todo.push_front((mid, b));
                todo.push_front((a, mid));
                break;
            }
            let n = head.data.len() as u64;
            page(leaves, body.to_vec())?;
            offset += n;
            if n == 0 || offset >= head.total {
                break;
            }
        }
        leaves += 1;
    }
    Ok((pages, leaves as u64))
}

#[derive(serde::Deserialize)]
struct PageHead {
    #[serde(default)]
    total: u64,
    #[serde(default)]
    data: Vec<serde::de::IgnoredAny>,
}

/// The peers' store: one table, an index on time, one transaction per page.
fn peer_db(path: &std::path::Path) -> Result<rusqlite::Connection, Error> {
    let db = rusqlite::Connection::open(path)?;
    db.execute_batch(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, request_time TEXT, system_account TEXT, \
         activity_action TEXT, task TEXT, raw TEXT);
         CREATE INDEX events_time ON events(request_time);",
    )?;
    Ok(db)
}

fn peer_insert(db: &mut rusqlite::Connection, body: &[u8]) -> Result<(), Error> {
    let page: Value = serde_json::from_slice(body)?;
    let tx = db.transaction()?;
    {
        let mut ins = tx.prepare_cached(
            "INSERT INTO events (request_time, system_account, activity_action, task, raw) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for e in page["data"].as_array().into_iter().flatten() {
            let s = |k: &str| e[k].as_str().map(str::to_owned);
            ins.execute(rusqlite::params![
                s("requestTime"),
                s("systemAccount"),
                s("activityAction"),
                s("taskDisplayName"),
                e.to_string()
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

struct PeerRun {
    events: u64,
    pages: u64,
    secs: f64,
}

#[allow(clippy::too_many_arguments)]
async fn peer(
    http: &reqwest::Client,
    endpoint: &str,
    token: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u32,
    cap: u64,
    dir: &std::path::Path,
) -> Result<PeerRun, Error> {
    let mut db = peer_db(&dir.join(format!("peer-{limit}.sqlite3")))?;
    let t = Instant::now();
    let (pages, _) = peer_read(http, endpoint, token, from, to, limit, cap, |_, body| {
        peer_insert(&mut db, &body)
    })
    .await?;
    let secs = t.elapsed().as_secs_f64();
    let events: u64 = db.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
    Ok(PeerRun {
        events,
        pages,
        secs,
    })
}

/// What the child process running the connector's sync reports.
#[derive(serde::Serialize, serde::Deserialize)]
struct ChildReport {
    events_read: u64,
    events_stored: u64,
    windows: usize,
    splits: usize,
    elapsed_secs: f64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    rss_before_kb: u64,
    peak_kb: u64,
    /// User + system CPU seconds of the sync (the child process, all its threads).
    cpu_secs: f64,
    /// Bytes the sync wrote: to files (the store, its WAL), and through to the disk.
    wrote: u64,
    wrote_to_disk: u64,
    /// When the sync began and ended, on the clock the tenant stamps arrivals with.
    began: DateTime<Utc>,
    ended: DateTime<Utc>,
}

/// `--child-sync HOME SERVICE`: the connector's seven-day backfill of the signed-in `bench`
/// connection; progress on stderr, a `ChildReport` on stdout.
async fn child_sync() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let (home, service) = (args[2].clone(), args[3].clone());
    let connector = Connector::with_secrets(
        Home::at(home),
        SecretStore::with_service(service, Duration::from_secs(10)),
    )
    .map_err(ce)?;
    let rss_before_kb = status_kb("VmRSS:");
    reset_peak();
    let cpu_before = cpu_secs();
    let wrote_before = written();
    let began = Utc::now();
    let options = SyncOptions {
        backfill_days: Some(DAYS),
        ..SyncOptions::default()
    };
    let report = connector
        .sync(NAME, &options, |p| {
            if p.windows_done % 24 == 0 {
                eprintln!(
                    "  {}/~{} windows, {} events, {:.0} events/s, {:.1} MB resident (peak so \
                     far {:.1} MB)",
                    p.windows_done,
                    p.windows_total,
                    p.events_read,
                    p.events_per_sec,
                    mb(status_kb("VmRSS:")),
                    mb(status_kb("VmHWM:"))
                );
            }
        })
        .await
        .map_err(ce)?;
    let r = ChildReport {
        events_read: report.events_read,
        events_stored: report.events_stored,
        windows: report.windows,
        splits: report.splits,
        elapsed_secs: report.elapsed_secs,
        from: report.from,
        to: report.to,
        rss_before_kb,
        peak_kb: status_kb("VmHWM:"),
        cpu_secs: cpu_secs() - cpu_before,
        wrote: written().0 - wrote_before.0,
        wrote_to_disk: written().1 - wrote_before.1,
        began,
        ended: Utc::now(),
    };
    println!("{}", serde_json::to_string(&r)?);
    Ok(())
}

/// CPU seconds per million events.
fn per_million(cpu_secs: f64, events: u64) -> f64 {
    cpu_secs * 1e6 / events.max(1) as f64
}

/// The most stamps within any one second.
fn most_in_a_second(mut times: Vec<DateTime<Utc>>) -> usize {
    times.sort();
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|x| (**x - times[i]).num_milliseconds() < 1000)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Activity-log requests the sim saw since its log was cleared, the most that arrived in any
/// second, the most it began to answer in any second, and how many it refused with 429.
fn request_stats(log: &[RequestRecord]) -> (usize, usize, usize, usize) {
    let log: Vec<&RequestRecord> = log
        .iter()
        .filter(|r| r.path.ends_with("/activityLogging"))
        .collect();
    let arrived = most_in_a_second(log.iter().map(|r| r.arrived).collect());
    let answered = most_in_a_second(log.iter().map(|r| r.at).collect());
    let refused = log.iter().filter(|r| r.status == 429).count();
    (log.len(), arrived, answered, refused)
}

/// How well a sync used the rate limit: the share of the rows its requests could have carried
/// that were useful (a window's last page is partly empty; an over-full window's first page is
/// thrown away), and the share of the sync during which the limiter was busy, with where the
/// rest went (before the first request, between requests, after the last: the final commit and
/// the store's upkeep).
fn use_of_the_limit(log: &[RequestRecord], r: &ChildReport, rate: f64, page: u32) -> String {
    let limiter = workday_client::ratelimit::RateLimiter::new(rate);
    let interval = limiter.interval().as_secs_f64();
    let mut times: Vec<DateTime<Utc>> = log
        .iter()
        .filter(|x| x.path.ends_with("/activityLogging"))
        .map(|x| x.arrived)
        .collect();
    times.sort();
    let secs =
        |a: DateTime<Utc>, b: DateTime<Utc>| (b - a).num_microseconds().unwrap_or(0) as f64 / 1e6;
    let (Some(first), Some(last)) = (times.first().copied(), times.last().copied()) else {
        return "no requests".into();
    };
    // Net of the requests that left closer together than the mean spacing (the limiter lets
    // a few go early after a pause).
    let between = (secs(first, last) - (times.len() - 1) as f64 * interval).max(0.0);
    let stalls: Vec<f64> = times
        .windows(2)
        .map(|w| secs(w[0], w[1]))
        .filter(|g| *g > 3.0 * interval)
        .collect();
    let elapsed = secs(r.began, r.ended).max(1e-3);
    let useful = r.events_read as f64 / (times.len() as f64 * f64::from(page));
    let busy = times.len() as f64 * interval / elapsed;
    format!(
        "use of the rate limit: {:.1} % of the rows the {} requests could carry were useful, the \
         limiter was busy {:.1} % of the {elapsed:.1} s ({:.1} % until the last request; one \
         request each {:.0} ms); idle \
         {:.1} s before the first request, {between:.1} s between requests ({} pauses over {:.0} ms, \
         {:.1} s in all), {:.1} s after the last; {:.1} % of the bound",
        useful * 100.0,
        times.len(),
        busy * 100.0,
        times.len() as f64 * interval / secs(r.began, last).max(1e-3) * 100.0,
        interval * 1000.0,
        secs(r.began, first).max(0.0),
        stalls.len(),
        3000.0 * interval,
        stalls.iter().sum::<f64>(),
        secs(last, r.ended).max(0.0),
        r.events_read as f64 / elapsed / (rate * f64::from(page)) * 100.0,
    )
}

/// The tenant: in this process, or the `workday-sim` binary in its own (`--sim-process`).
enum Tenant {
    Here(SimHandle),
    Process {
        child: std::process::Child,
        // Boxed: the largest variant by far (clippy's large_enum_variant on Windows).
        values: Box<ClientValues>,
        http: reqwest::Client,
    },
}

impl Tenant {
    async fn start(events: u64, redirect_uri: String) -> Result<Tenant, Error> {
        if !flag("--sim-process") {
            return Ok(Tenant::Here(
                workday_sim::start(SimConfig {
                    redirect_uri,
                    events,
                    ..SimConfig::default()
                })
                .await?,
            ));
        }
        let bin = match arg("--sim-bin") {
            Some(p) => std::path::PathBuf::from(p),
            None => std::env::current_exe()?
                .parent()
                .and_then(|examples| examples.parent())
                .ok_or("no directory above the example")?
                .join("workday-sim"),
        };
        let mut child = std::process::Command::new(&bin)
            .args(["--json", "--events", &events.to_string()])
            .args(["--redirect-uri", &redirect_uri])
            .args([
                "--rate-limit-per-sec",
                &num("--sim-rate-limit", 0u32).to_string(),
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .map_err(|e| format!("{} did not start: {e}", bin.display()))?;
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().ok_or("no stdout")?),
            &mut line,
        )?;
        let values: ClientValues = serde_json::from_str(&line)
            .map_err(|e| format!("workday-sim printed no values ({e}): {line}"))?;
        Ok(Tenant::Process {
            child,
            values: Box::new(values),
            http: reqwest::Client::new(),
        })
    }

    fn values(&self) -> ClientValues {
        match self {
            Tenant::Here(sim) => sim.values(),
            Tenant::Process { values, .. } => ClientValues::clone(values),
        }
    }

    /// A control API call of the process tenant.
    async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Option<Value>, Error> {
        let Tenant::Process { values, http, .. } = self else {
            return Ok(None);
        };
        let mut req = http
            .request(method, format!("{}{path}", values.control_url))
            .bearer_auth(&values.control_token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await?.error_for_status()?;
        Ok(serde_json::from_slice(&resp.bytes().await?).ok())
    }

    async fn offset_cap(&self) -> Result<u64, Error> {
        match self {
            Tenant::Here(sim) => Ok(sim.switches().offset_cap),
            _ => self
                .control(reqwest::Method::GET, "/switches", None)
                .await?
                .and_then(|s| s["offset_cap"].as_u64())
                .ok_or_else(|| "no offset_cap in the switches".into()),
        }
    }

    async fn set_latency(&self, latency_ms: u64) -> Result<(), Error> {
        match self {
            Tenant::Here(sim) => sim.set_faults(Faults {
                latency_ms,
                ..Faults::default()
            }),
            _ => {
                self.control(
                    reqwest::Method::PUT,
                    "/faults",
                    Some(json!({ "latency_ms": latency_ms })),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn clear_request_log(&self) -> Result<(), Error> {
        match self {
            Tenant::Here(sim) => sim.clear_request_log(),
            _ => {
                self.control(reqwest::Method::DELETE, "/requests", None)
                    .await?;
            }
        }
        Ok(())
    }

    async fn request_log(&self) -> Result<Vec<RequestRecord>, Error> {
        match self {
            Tenant::Here(sim) => Ok(sim.request_log()),
            _ => Ok(serde_json::from_value(
                self.control(reqwest::Method::GET, "/requests", None)
                    .await?
                    .unwrap_or_default(),
            )?),
        }
    }

    async fn shutdown(self) {
        match self {
            Tenant::Here(sim) => sim.shutdown().await,
            Tenant::Process { mut child, .. } => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    if flag("--child-sync") {
        // As the app and `wdconnect` run it.
        connector::alloc::keep_large_buffers_mapped();
        return child_sync().await;
    }
    let mode = arg("--mode").unwrap_or_else(|| "real".into());
    let raw = match mode.as_str() {
        "real" => false,
        "raw" => true,
        m => return Err(format!("--mode is real or raw, not {m}").into()),
    };
    let events: u64 = num("--events", 1_000_000);
    let latency: u64 = num("--latency-ms", if raw { 0 } else { 300 });
    let rate: f64 = num("--rate", if raw { 1000.0 } else { 10.0 });
    let peer_hours: i64 = num("--peer-hours", 24);
    let peer100_hours: i64 = num("--peer100-hours", 4);
    println!(
        "mode {mode}: {events} events over {DAYS} days, latency {latency} ms, rate limit {rate}/s, \
         {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    // The redirect port stays bound from here to the sign-in, which takes the socket over:
    // a port released and bound again later can be taken in between.
    let held = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = held.local_addr()?.port();
    let sim = Tenant::start(
        events,
        loopback::redirect_uri(port, RedirectHost::Ipv4Literal),
    )
    .await?;
    if matches!(sim, Tenant::Process { .. })
        && !(flag("--no-peers") && (!raw || flag("--no-python")))
    {
        return Err("--sim-process measures the connector alone: add --no-peers (and --no-python with --mode raw)".into());
    }
    let v = sim.values();
    let cap = sim.offset_cap().await?;
    let dir = tempfile::tempdir()?;
    let home = Home::at(dir.path().join("home"));
    let service = format!("workday-connector-bench-{}", std::process::id());
    let secrets = || SecretStore::with_service(service.clone(), Duration::from_secs(10));

    let mut profile = Profile::new(NAME);
    profile.client_id = v.client_id.clone();
    profile.rest_api_endpoint = v.rest_api_endpoint.clone();
    profile.token_endpoint = v.token_endpoint.clone();
    profile.authorization_endpoint = v.authorization_endpoint.clone();
    profile.redirect_port = port;
    profile.redirect_host = RedirectHost::Ipv4Literal;
    let profile_page_size = profile.sync.page_size;
    profile.sync.rate_limit_per_sec = rate.min(50.0);
    Connector::with_secrets(home.clone(), secrets())
        .map_err(ce)?
        .add(profile, SecretString::from(v.client_secret.clone()))
        .await
        .map_err(ce)?;
    if rate > 50.0 {
        // Past the settings check (at most 50/s): the limiter takes what the file says.
        let path = home.config_file();
        let text = std::fs::read_to_string(&path)?;
        let needle = "\"rate_limit_per_sec\": 50.0";
        if !text.contains(needle) {
            return Err(format!("no {needle} in {}", path.display()).into());
        }
        std::fs::write(
            &path,
            text.replace(needle, &format!("\"rate_limit_per_sec\": {rate:.1}")),
        )?;
    }
    let connector = Connector::with_secrets(home.clone(), secrets()).map_err(ce)?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let browser = Arc::new(FormBrowser {
        rt: tokio::runtime::Handle::current(),
        http: http.clone(),
    });
    connector
        .connect_on(
            NAME,
            Some(CallbackListener::from_std(held).map_err(|e| e.to_string())?),
            browser,
            SignInOptions::default(),
            |_| {},
        )
        .await
        .map_err(ce)?;
    let token = own_token(&v, &http).await?;
    let endpoint = v.rest_api_endpoint.replace("/api/v1/", "/api/privacy/v1/") + "/activityLogging";
    sim.set_latency(latency).await?;

    // The connector, in a process of its own so that its memory is its own (the sim, here,
    // keeps hundreds of MB of generated events cached).
    sim.clear_request_log().await?;
    drop(connector);
    let t = Instant::now();
    let exe = std::env::current_exe()?;
    let args = [
        "--child-sync".to_string(),
        home.root().display().to_string(),
        service.clone(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(exe)
            .args(args)
            .stderr(std::process::Stdio::inherit())
            .output()
    })
    .await??;
    let wall = t.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("the connector's sync failed ({})", out.status).into());
    }
    let report: ChildReport = serde_json::from_slice(&out.stdout)?;
    let conn_rate = report.events_read as f64 / report.elapsed_secs;
    let log = sim.request_log().await?;
    let (requests, per_sec_max, answered_max, refused) = request_stats(&log);
    if let Some(path) = arg("--timeline") {
        // One line per activity request, in arrival order: when, which window, which offset.
        let mut lines: Vec<(DateTime<Utc>, String)> = log
            .iter()
            .filter(|r| r.path.ends_with("/activityLogging"))
            .map(|r| {
                let line = format!(
                    "{} {} {}\n",
                    r.arrived.format("%H:%M:%S%.3f"),
                    r.status,
                    r.query.as_deref().unwrap_or("")
                );
                (r.arrived, line)
            })
            .collect();
        lines.sort();
        std::fs::write(&path, lines.into_iter().map(|(_, l)| l).collect::<String>())?;
    }
    println!(
        "connector: {} events read ({} stored, {} windows, {} splits, {requests} requests = {:.2}/s, \
         at most {per_sec_max} arrived in any second ({answered_max} begun; {refused} answered \
         429), tenant {}) in {:.1} s (wall {wall:.1} s): {conn_rate:.0} \
         events/s; its process: RSS {:.1} MB before the sync, peak {:.1} MB, {:.1} CPU-s ({:.1} per million events), \
         wrote {:.0} bytes per event ({:.0} to the disk)",
        report.events_read,
        report.events_stored,
        report.windows,
        report.splits,
        requests as f64 / report.elapsed_secs,
        if matches!(sim, Tenant::Process { .. }) {
            "in its own process"
        } else {
            "in the benchmark's process"
        },
        report.elapsed_secs,
        mb(report.rss_before_kb),
        mb(report.peak_kb),
        report.cpu_secs,
        per_million(report.cpu_secs, report.events_read),
        report.wrote as f64 / report.events_read.max(1) as f64,
        report.wrote_to_disk as f64 / report.events_read.max(1) as f64,
    );
    if !raw {
        println!(
            "{}",
            use_of_the_limit(&log, &report, rate, profile_page_size)
        );
    }
    let (from, to) = (report.from, report.to);
    let total = report.events_read;
    let peak = report.peak_kb;
    let connector = Connector::with_secrets(home.clone(), secrets()).map_err(ce)?;

    let mut rows: Vec<(String, String)> = vec![(
        "connector (Connector::sync, in its own process)".into(),
        format!(
            "{conn_rate:.0} events/s ({:.1} s for {total} events; peak RSS {:.0} MB; {:.1} \
             CPU-s per million events)",
            report.elapsed_secs,
            mb(peak),
            per_million(report.cpu_secs, total)
        ),
    )];

    if !raw {
        if flag("--no-peers") {
            println!("peers skipped (--no-peers)");
        }
        println!(
            "bound: {:.0} events/s (rate limit x page size)",
            rate * 1000.0
        );
        let peers = if flag("--no-peers") {
            Vec::new()
        } else {
            vec![(1000u32, peer_hours), (100, peer100_hours)]
        };
        for (limit, hours) in peers {
            let slice_to = (from + chrono::Duration::hours(hours)).min(to);
            let r = peer(
                &http,
                &endpoint,
                &token,
                from,
                slice_to,
                limit,
                cap,
                dir.path(),
            )
            .await?;
            let per_sec = r.events as f64 / r.secs;
            let line = format!(
                "{per_sec:.0} events/s ({} events, {} pages in {:.1} s over the first {hours} h; \
                 the whole {total} events extrapolate to {:.0} s = {:.1} min)",
                r.events,
                r.pages,
                r.secs,
                total as f64 / per_sec,
                total as f64 / per_sec / 60.0
            );
            println!("peer, sequential, page size {limit}: {line}");
            rows.push((format!("peer, sequential, page size {limit}"), line));
        }
    } else {
        if !flag("--no-python") {
            let python = arg("--python").unwrap_or_else(|| "python3".into());
            let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../benches/baseline_collector.py");
            let config = dir.path().join("baseline.json");
            std::fs::write(
                &config,
                serde_json::to_vec(&json!({
                    "endpoint": endpoint,
                    "token": token,
                    "from": iso(from),
                    "to": iso(to),
                    "page_size": 1000,
                    "offset_cap": cap,
                    "db": dir.path().join("baseline.sqlite3"),
                }))?,
            )?;
            let out = tokio::task::spawn_blocking(move || {
                std::process::Command::new(python)
                    .arg(script)
                    .arg(config)
                    .output()
            })
            .await??;
            if !out.status.success() {
                return Err(format!(
                    "the baseline failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
                .into());
            }
            let b: Value = serde_json::from_slice(&out.stdout)?;
            let baseline_cpu = per_million(
                b["cpu_seconds"].as_f64().unwrap_or(f64::NAN),
                b["events"].as_u64().unwrap_or(0),
            );
            let line = format!(
                "{:.0} events/s ({} events, {} pages in {:.1} s; peak RSS {:.0} MB; {:.1} CPU-s \
                 per million events); connector = {:.2}x the rate, {:.2}x the CPU per event",
                b["events_per_sec"].as_f64().unwrap_or(0.0),
                b["events"],
                b["pages"],
                b["seconds"].as_f64().unwrap_or(0.0),
                b["peak_rss_kb"].as_f64().unwrap_or(0.0) / 1024.0,
                baseline_cpu,
                conn_rate / b["events_per_sec"].as_f64().unwrap_or(f64::NAN),
                per_million(report.cpu_secs, total) / baseline_cpu
            );
            println!("baseline (Python, requests + sqlite3, sequential, page 1000): {line}");
            rows.push((
                "baseline: Python, requests + sqlite3, sequential, page 1000".into(),
                line,
            ));
        }

        // The local limit: every page in memory first, then only parse + key + commit timed.
        let mut bodies: Vec<(usize, Vec<u8>)> = Vec::new();
        let t = Instant::now();
        peer_read(&http, &endpoint, &token, from, to, 1000, cap, |w, b| {
            bodies.push((w, b));
            Ok(())
        })
        .await?;
        println!(
            "local limit: {} pages fetched into memory in {:.1} s",
            bodies.len(),
            t.elapsed().as_secs_f64()
        );
        let mut store = Store::open(&dir.path().join("local.sqlite3"))?;
        store.start_at(from)?;
        let t = Instant::now();
        let mut n = 0u64;
        let mut i = 0;
        while i < bodies.len() {
            let w = bodies[i].0;
            let mut window = Vec::new();
            while i < bodies.len() && bodies[i].0 == w {
                let mut page: Value = serde_json::from_slice(&bodies[i].1)?;
                if let Value::Array(a) = page["data"].take() {
                    window.extend(a);
                }
                i += 1;
            }
            n += window.len() as u64;
            store.commit_window(&key_window(window), to)?;
        }
        store.optimize()?;
        let secs = t.elapsed().as_secs_f64();
        let line = format!(
            "{:.0} events/s ({n} events parsed, keyed and committed in {secs:.1} s, optimize \
             included); connector = {:.0}% of it",
            n as f64 / secs,
            100.0 * conn_rate / (n as f64 / secs)
        );
        println!("local limit (no HTTP): {line}");
        rows.push((
            "local limit: parse + key + commit_window, no HTTP".into(),
            line,
        ));
    }

    println!("\n| collector | result |\n|---|---|");
    for (k, r) in rows {
        println!("| {k} | {r} |");
    }
    connector.remove(NAME, true).await.map_err(ce)?;
    sim.shutdown().await;
    Ok(())
}
