//! Anomalies on a known schedule, for the sandbox to show alerts and the tests to check them:
//! dedicated accounts whose activity, day after day, holds one anomaly of each kind a detection
//! looks for (impossible travel, a new country, an integration system user at a browser, a burst
//! over the account's own baseline, a Tor-exit address), with each account's ordinary days
//! around it so that the behavioural rules have something to learn. The schedule is a pure
//! function of the start instant; [`schedule`] is the ground truth.
//!
//! Addresses come from public allocations that registries place in real countries (never from
//! a detection library: the simulator stays independent); a test of the connector checks them
//! against the shipped IP-to-country database.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::activity::Dataset;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
/// Days of anomalies before the start (the tenant's history) and after it (a live tenant).
const DAYS_BEFORE: i64 = 30;
const DAYS_AFTER: i64 = 14;

/// Addresses by the country their block is registered in (ISO code, address).
pub const ADDRESSES: &[(&str, &str)] = &[
    ("DE", "80.128.0.1"),  // Deutsche Telekom
    ("JP", "126.0.0.1"),   // SoftBank
    ("GB", "81.2.69.142"), // Andrews & Arnold
    ("BR", "200.160.0.1"), // NIC.br
    ("ZA", "41.0.0.1"),    // AfriNIC allocation in South Africa
    ("US", "12.0.0.1"),    // AT&T
];

/// The Tor exit range used by the risky-address anomaly (tag it risky to see its alerts).
pub const RISKY_RANGE: &str = "185.220.101.0/24";
const RISKY_ADDRESS: &str = "185.220.101.7";

/// The new-country anomalies' countries, one per anomaly, in order; none is anyone's usual.
const NEW_COUNTRIES: &[&str] = &["BR", "ZA", "US"];

pub const TRAVELLER: &str = "tvoss";
pub const ROAMER: &str = "gbrandt";
pub const ISU: &str = "ISU_Payroll_Feed";
pub const REPORTER: &str = "rkline";
pub const TOR_USER: &str = "pnovak";

const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

/// One injected anomaly: its kind, the rules it should raise, and its events.
#[derive(Debug, Clone, Serialize)]
pub struct Anomaly {
    /// `impossible_travel`, `new_country`, `isu_interactive`, `burst` or `risky_ip`.
    pub kind: &'static str,
    /// The alerts it raises, by rule id (`risky_ip` once the risky range is tagged; the
    /// new-country rules once the learning period is over).
    pub rules: Vec<&'static str>,
    pub user: &'static str,
    /// requestTime of its first and last event.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub events: usize,
    pub countries: Vec<&'static str>,
    pub ips: Vec<&'static str>,
}

fn address(country: &str) -> &'static str {
    ADDRESSES
        .iter()
        .find(|(c, _)| *c == country)
        .map(|(_, a)| *a)
        .expect("a listed country")
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn event(ms: i64, user: &str, ip: &str, task: &str, device: &str, ua: &str) -> Value {
    json!({
        "requestTime": at(ms).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "systemAccount": user,
        "activityAction": "READ",
        "taskDisplayName": task,
        "sessionId": format!("{user}-{}", ms / HOUR),
        "ipAddress": ip,
        "userAgent": ua,
        "deviceType": device,
    })
}

/// The anomalies and the ordinary activity around them, for a tenant started at `start_ms`.
pub fn generate(start_ms: i64) -> (Vec<Anomaly>, Vec<(i64, Value)>) {
    let mut anomalies = Vec::new();
    let mut events = Vec::new();
    let first_day = start_ms.div_euclid(DAY) - DAYS_BEFORE;
    // New countries: one 6 hours before the start (after the learning period of a backfill
    // longer than seven days), then one a day.
    let roams: Vec<i64> = (0..NEW_COUNTRIES.len() as i64)
        .map(|k| start_ms - 6 * HOUR + k * DAY)
        .collect();
    let one = |anomalies: &mut Vec<Anomaly>,
               events: &mut Vec<(i64, Value)>,
               kind: &'static str,
               rules: Vec<&'static str>,
               user: &'static str,
               evs: Vec<(i64, Value)>,
               countries: Vec<&'static str>,
               ips: Vec<&'static str>| {
        let from = evs.iter().map(|e| e.0).min().unwrap_or_default();
        let to = evs.iter().map(|e| e.0).max().unwrap_or_default();
        anomalies.push(Anomaly {
            kind,
            rules,
            user,
            from: at(from),
            to: at(to),
            events: evs.len(),
            countries,
            ips,
        });
        events.extend(evs);
    };
    for d in first_day..=start_ms.div_euclid(DAY) + DAYS_AFTER {
        let day = d * DAY;
        // Impossible travel: Germany, then Japan 25 minutes later.
        let (de, jp) = (address("DE"), address("JP"));
        one(
            &mut anomalies,
            &mut events,
            "impossible_travel",
            vec!["impossible_travel"],
            TRAVELLER,
            vec![
                (
                    day + 10 * HOUR,
                    event(
                        day + 10 * HOUR,
                        TRAVELLER,
                        de,
                        "Find Workers",
                        "Desktop",
                        BROWSER,
                    ),
                ),
                (
                    day + 10 * HOUR + 25 * MIN,
                    event(
                        day + 10 * HOUR + 25 * MIN,
                        TRAVELLER,
                        jp,
                        "Find Workers",
                        "Desktop",
                        BROWSER,
                    ),
                ),
            ],
            vec!["DE", "JP"],
            vec![de, jp],
        );
        // An integration system user at a browser.
        let t = day + 3 * HOUR;
        one(
            &mut anomalies,
            &mut events,
            "isu_interactive",
            vec!["isu_interactive"],
            ISU,
            vec![(
                t,
                event(t, ISU, "10.20.0.5", "Worker Profile", "Desktop", BROWSER),
            )],
            vec![],
            vec!["10.20.0.5"],
        );
        // A Tor exit address.
        let t = day + 14 * HOUR;
        one(
            &mut anomalies,
            &mut events,
            "risky_ip",
            vec!["risky_ip"],
            TOR_USER,
            vec![(
                t,
                event(t, TOR_USER, RISKY_ADDRESS, "Home", "Desktop", BROWSER),
            )],
            vec!["DE"],
            vec![RISKY_ADDRESS],
        );
        // A report runner's ordinary hours (5 events an hour, 08:00 to 18:00), then 300 events
        // between 20:00 and 21:00.
        for h in 8..18 {
            for k in 0..5 {
                let t = day + h * HOUR + (5 + 12 * k) * MIN;
                events.push((
                    t,
                    event(
                        t,
                        REPORTER,
                        "192.0.2.77",
                        "Run Report: Workers by Organization",
                        "Desktop",
                        BROWSER,
                    ),
                ));
            }
        }
        let burst: Vec<(i64, Value)> = (0..300)
            .map(|k| {
                let t = day + 20 * HOUR + k * 12_000;
                (
                    t,
                    event(
                        t,
                        REPORTER,
                        "192.0.2.77",
                        "Export to Excel",
                        "Desktop",
                        BROWSER,
                    ),
                )
            })
            .collect();
        one(
            &mut anomalies,
            &mut events,
            "burst",
            vec!["burst"],
            REPORTER,
            burst,
            vec![],
            vec![],
        );
        // The roamer works from Great Britain, except within a day of a trip.
        let t = day + 9 * HOUR;
        if roams.iter().all(|r| (t - r).abs() > 30 * HOUR) {
            events.push((
                t,
                event(t, ROAMER, address("GB"), "My Tasks", "Desktop", BROWSER),
            ));
        }
    }
    for (k, &t) in roams.iter().enumerate() {
        let c = NEW_COUNTRIES[k];
        let ip = address(c);
        one(
            &mut anomalies,
            &mut events,
            "new_country",
            vec!["new_country_user", "new_country_tenant"],
            ROAMER,
            vec![(t, event(t, ROAMER, ip, "My Tasks", "Phone", BROWSER))],
            vec![c],
            vec![ip],
        );
    }
    anomalies.sort_by_key(|a| a.from);
    (anomalies, events)
}

/// Logs the anomalies into `data`; returns the ground truth.
pub fn inject(data: &Dataset, start_ms: i64) -> Vec<Anomaly> {
    let (anomalies, events) = generate(start_ms);
    for (t, e) in events {
        data.record_event(t, e);
    }
    anomalies
}
