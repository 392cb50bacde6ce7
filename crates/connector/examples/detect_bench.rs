//! Benchmark (not a test, never run in CI) of the detections: the time detection adds to a
//! seven-day backfill of a clean simulated tenant, and the alerts its behavioural rules raise
//! on that clean data (their false positives).
//!
//! ```text
//! cargo run --release -p connector --example detect_bench -- [--events 1000000] [--users 40]
//!     [--days 8] [--real-addresses]
//! ```
//!
//! The tenant's events are taken from the in-process simulator's ground truth an hour at a time
//! and committed window by window (the local limit of a raw-mode backfill: no HTTP, so the
//! commit time is the smallest a backfill can take and the ratio is the worst case), then one
//! detection pass evaluates them all, as the sync does after a pass. Detection's share is its
//! time over the commit time. The learning period is the first seven days of the log, as after
//! a real backfill, so the new-country rules stay quiet; to measure them too, `--days 8`
//! backfills eight days with the learning period over after the seventh. `--real-addresses`
//! places the tenant's people in offices and on mobile carriers of five real countries (the
//! documentation ranges otherwise have no country), so the geographic rules see real countries.

use std::time::Instant;

use chrono::{Duration, Utc};
use connector::activity::Store;
use connector::activity::row::key_window;
use connector::activity::store::AlertFilter;
use detect::{Config, Engine, Geo, Rule};
use workday_sim::SimConfig;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn num<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let events: u64 = num("--events", 1_000_000);
    let users: u32 = num("--users", 40);
    let days: i64 = num("--days", 7);
    let real_addresses = std::env::args().any(|a| a == "--real-addresses");
    let sim = workday_sim::start(SimConfig {
        events,
        users,
        real_addresses,
        ..SimConfig::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("bench.sqlite3"))?;
    let to = Utc::now() - Duration::minutes(5);
    let origin = to - Duration::days(days);
    store.start_at(origin)?;

    let mut commit = std::time::Duration::ZERO;
    let mut stored = 0u64;
    let mut from = origin;
    while from < to {
        let until = (from + Duration::hours(1)).min(to);
        let rows = key_window(sim.ground_truth(from, until));
        let started = Instant::now();
        stored += store.commit_window(&rows, until)?;
        commit += started.elapsed();
        from = until;
    }
    let started = Instant::now();
    store.optimize()?;
    commit += started.elapsed();

    let mut engine = Engine::new(
        Geo::shipped(),
        Config {
            learning_until: Some((origin + Duration::days(7)).timestamp_millis()),
            ..Config::default()
        },
    );
    let started = Instant::now();
    let pass = store.detect(&mut engine)?;
    let detection = started.elapsed();

    let alerts = store.alerts(&AlertFilter::default())?;
    println!("events stored:        {stored}");
    // The store's size once its write-ahead log is folded in: what it keeps on disk for good.
    let path = dir.path().join("bench.sqlite3");
    rusqlite::Connection::open(&path)?
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let bytes = std::fs::metadata(&path)?.len();
    println!(
        "store on disk:        {bytes} bytes ({:.0} bytes per event)",
        bytes as f64 / stored.max(1) as f64
    );
    let (_, state) = store.detection_state()?;
    let countries: Vec<&str> = state.tenant_countries().collect();
    println!("tenant countries:     {}", countries.join(" "));
    println!("commit (+ANALYZE):    {:.2} s", commit.as_secs_f64());
    println!(
        "detection:            {:.2} s ({} events, {:.0} events/s)",
        detection.as_secs_f64(),
        pass.events_evaluated,
        pass.events_evaluated as f64 / detection.as_secs_f64().max(1e-9)
    );
    println!(
        "detection / commit:   {:.1} %",
        100.0 * detection.as_secs_f64() / commit.as_secs_f64().max(1e-9)
    );
    for rule in Rule::ALL {
        let n = alerts.iter().filter(|a| a.rule == rule.id()).count();
        let kind = if rule.behavioural() {
            "behavioural"
        } else {
            "list"
        };
        println!("alerts {:<20} {n:>6}  ({kind})", rule.id());
    }
    let behavioural = alerts
        .iter()
        .filter(|a| Rule::parse(&a.rule).is_some_and(Rule::behavioural))
        .count();
    println!(
        "behavioural false positives: {behavioural} alerts on {} clean events ({:.6} %)",
        pass.events_evaluated,
        100.0 * behavioural as f64 / pass.events_evaluated.max(1) as f64
    );
    sim.shutdown().await;
    Ok(())
}
