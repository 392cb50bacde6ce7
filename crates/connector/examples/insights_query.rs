//! Benchmark (not a test) of the viewer's insights on a large activity store: the chart and top
//! lists of a filter (`insights::insights`) and a user's 30-day page (`insights::user_insights`).
//!
//! ```text
//! cargo run --release -p connector --example insights_query -- --events 1000000 [--runs 10] [--store PATH]
//! ```
//!
//! Fills a new store (or reuses `--store` when it already holds events) with `--events`
//! synthetic events over seven days, as `viewer_query` does (200 users, three actions, 40 tasks,
//! own calls among them), through the store's own insert path, refreshes the planner's
//! statistics as a sync does, then prints the median and the maximum over `--runs` runs of each
//! insight the viewer asks for, top countries included (a new lookup each run, as the app makes
//! one per query).

use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use connector::activity::insights::{insights, user_insights};
use connector::activity::row::key_window;
use connector::activity::{EventFilter, IpInfo, Store};
use serde_json::{Value, json};

const DAYS: i64 = 7;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// A deterministic mix (no RNG needed): event `i` of `n`, spread evenly over the range.
fn event(i: u64, n: u64, start: DateTime<Utc>) -> Value {
    let span_ms = DAYS * 86_400_000;
    let at = start + chrono::Duration::milliseconds((i as i64 * span_ms) / n as i64);
    // splitmix64: well-mixed bits, so the fields are independent of each other.
    let mut h = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^= h >> 31;
    let user = format!("user{:03}@acme", h % 200);
    let action = ["READ", "WRITE", "OTHER"][(h >> 8) as usize % 3];
    let task = if (h >> 16).is_multiple_of(20) {
        "privacy/activityLogging/userActivity (GET)".to_string()
    } else {
        format!("Task {:02}", (h >> 16) % 40)
    };
    let device = ["Desktop", "Phone", "Tablet"][(h >> 40) as usize % 3];
    json!({
        "requestTime": at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "systemAccount": user,
        "activityAction": action,
        "taskDisplayName": task,
        "taskId": format!("t{}", (h >> 16) % 40),
        "sessionId": format!("s{}", h % 5000),
        "ipAddress": format!("10.0.{}.{}", (h >> 24) % 8, (h >> 32) % 250),
        "deviceType": device,
        "userAgent": "Mozilla/5.0",
        "target": {"id": format!("w{}", h % 10_000), "descriptor": "Worker", "href": "https://x/w"},
    })
}

fn time(runs: usize, mut f: impl FnMut() -> u64) -> (Duration, Duration, u64) {
    let mut all = Vec::with_capacity(runs);
    let mut last = 0;
    for _ in 0..runs {
        let t = Instant::now();
        last = f();
        all.push(t.elapsed());
    }
    all.sort();
    (all[all.len() / 2], all[all.len() - 1], last)
}

fn main() {
    let n: u64 = arg("--events")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = arg("--runs")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
        .max(1);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = arg("--store")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.sqlite3"));
    let mut store = Store::open(&path).expect("the store opens");
    let end = Utc::now();
    if store.count().expect("the store counts") == 0 {
        let start = end - chrono::Duration::days(DAYS);
        store.start_at(start).expect("the checkpoint starts");
        let t = Instant::now();
        let per_hour = n.div_ceil((DAYS * 24) as u64);
        let mut i = 0;
        let mut hour = 0;
        while i < n {
            let upto = (i + per_hour).min(n);
            let window: Vec<Value> = (i..upto).map(|k| event(k, n, start)).collect();
            hour += 1;
            store
                .commit_window(&key_window(window), start + chrono::Duration::hours(hour))
                .expect("a window commits");
            i = upto;
        }
        store.optimize().expect("statistics refresh");
        println!("filled in {:.1} s", t.elapsed().as_secs_f64());
    }
    // The newest event: the store may be one filled earlier.
    let newest = store
        .query_page(&EventFilter::default(), 0, 1)
        .expect("the newest event")
        .first()
        .and_then(|e| e.request_time)
        .unwrap_or(end);
    let end = newest.max(end);
    println!(
        "{} events ({} visible) in {}",
        store.count().unwrap(),
        store.count_matching(&EventFilter::default()).unwrap(),
        path.display()
    );
    let day = Some(end - chrono::Duration::hours(24));
    let cases = [
        ("no filter (7 days, per day)", EventFilter::default()),
        (
            "last 24 h (per hour)",
            EventFilter {
                since: day,
                ..Default::default()
            },
        ),
        (
            "one user (7 days)",
            EventFilter {
                user: Some("user042@acme".into()),
                ..Default::default()
            },
        ),
        (
            "user + action + 24 h",
            EventFilter {
                since: day,
                user: Some("user042@acme".into()),
                action: Some("READ".into()),
                ..Default::default()
            },
        ),
        (
            "task contains + 24 h",
            EventFilter {
                since: day,
                task: Some("task 1".into()),
                ..Default::default()
            },
        ),
        (
            "own calls shown, 24 h",
            EventFilter {
                since: day,
                include_own_calls: true,
                ..Default::default()
            },
        ),
    ];
    let lookup = || IpInfo::new(Some(detect::Geo::shipped()), detect::Tags::default());
    println!("{runs} runs each: chart + top users, tasks, IPs, countries");
    for (label, f) in cases {
        let (med, max, total) = time(runs, || {
            insights(&store, &f, 60, end, Some(&mut lookup()))
                .unwrap()
                .total
        });
        println!("  {label:<30} {total:>9} events: median {med:?} max {max:?}");
    }
    let (med, max, total) = time(runs, || {
        user_insights(&store, "user042@acme", 60, end, Some(&mut lookup()))
            .unwrap()
            .total
    });
    println!(
        "  {:<30} {total:>9} events: median {med:?} max {max:?}",
        "user page (30 days)"
    );
}
