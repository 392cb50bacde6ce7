//! Benchmark (not a test) of the desktop viewer's query on a large activity store.
//!
//! ```text
//! cargo run --release -p connector --example viewer_query -- --events 1000000 [--runs 20] [--store PATH]
//! ```
//!
//! Fills a new store with `--events` synthetic events spread over seven days (200 users, three
//! actions, 40 tasks, own calls among them), inserted through the store's own path
//! (`Store::commit_window`, one transaction per hour), then times what the viewer asks for on
//! each page: the first 200 rows and the total count for user + action + the last 24 hours, and
//! for no filter at all. Prints the median and the maximum over `--runs` runs. The total is
//! the viewer's (`Store::count_or_estimate`: exact, or "about" once counting would take long);
//! the exact count is printed beside it. A `--store PATH` that already holds the events is
//! used as it is.

use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use connector::activity::row::key_window;
use connector::activity::{EventFilter, Store};
use serde_json::{Value, json};

const PAGE: u64 = 200;
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

/// The store's size once its write-ahead log is folded in (what it keeps on disk for good).
fn disk_bytes(path: &std::path::Path) -> u64 {
    let c = rusqlite::Connection::open(path).expect("the store opens again");
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("the log is folded in");
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
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
        .unwrap_or(20)
        .max(1);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = arg("--store")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.sqlite3"));
    let mut store = Store::open(&path).expect("the store opens");
    let end = Utc::now();
    let start = end - chrono::Duration::days(DAYS);
    store.start_at(start).expect("the checkpoint starts");

    // A store kept from an earlier run (`--store PATH`) with the events already in it is used
    // as it is: filling ten million takes a while.
    let kept = store.count().unwrap_or(0) >= n;
    let t = Instant::now();
    let per_hour = if kept {
        0
    } else {
        n.div_ceil((DAYS * 24) as u64)
    };
    let mut i = 0;
    let mut hour = 0;
    while !kept && i < n {
        let upto = (i + per_hour).min(n);
        let window: Vec<Value> = (i..upto).map(|k| event(k, n, start)).collect();
        hour += 1;
        store
            .commit_window(&key_window(window), start + chrono::Duration::hours(hour))
            .expect("a window commits");
        i = upto;
    }
    let fill = t.elapsed();
    // As a sync does when it ends.
    store.optimize().expect("statistics refresh");
    println!(
        "filled {} events in {:.1} s ({:.0} events/s) into {}",
        store.count().unwrap(),
        fill.as_secs_f64(),
        n as f64 / fill.as_secs_f64(),
        path.display()
    );
    let bytes = disk_bytes(&path);
    println!(
        "on disk: {bytes} bytes, {:.0} bytes per event",
        bytes as f64 / n as f64
    );

    let filtered = EventFilter {
        since: Some(end - chrono::Duration::hours(24)),
        until: Some(end),
        user: Some("user042@acme".into()),
        action: Some("READ".into()),
        ..Default::default()
    };
    let cases = [
        ("user + action + 24 h", filtered),
        ("no filter", EventFilter::default()),
        (
            "task contains + 24 h",
            EventFilter {
                since: Some(end - chrono::Duration::hours(24)),
                task: Some("task 1".into()),
                ..Default::default()
            },
        ),
    ];
    println!("{runs} runs each, first page of {PAGE} + total count:");
    for (label, f) in cases {
        let (page_med, page_max, rows) =
            time(runs, || store.query_page(&f, 0, PAGE).unwrap().len() as u64);
        // The total as the viewer shows it: exact, or an estimate once counting would keep it
        // waiting (printed with "about").
        let mut estimated = false;
        let (count_med, count_max, total) = time(runs, || {
            let (n, about) = store.count_or_estimate(&f).unwrap();
            estimated = about;
            n
        });
        let (both_med, both_max, _) = time(runs, || {
            store.query_page(&f, 0, PAGE).unwrap().len() as u64
                + store.count_or_estimate(&f).unwrap().0
        });
        let exact = store.count_matching(&f).unwrap();
        let about = if estimated { "about " } else { "" };
        println!(
            "  {label:<22} rows {rows:>3} of {about}{total:>9} (exactly {exact}): page median \
             {page_med:?} max {page_max:?}; total median {count_med:?} max {count_max:?}; both \
             median {both_med:?} max {both_max:?}"
        );
    }
}
