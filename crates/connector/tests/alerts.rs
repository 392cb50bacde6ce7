//! Alerts in the store: detection over committed events raises each alert once, an episode
//! going on extends its alert instead of raising another, re-running detection raises nothing,
//! and a dismissed alert stays dismissed; the detection cursor moves with the alerts.

use chrono::{DateTime, Duration, TimeZone, Utc};
use connector::activity::EventFilter;
use connector::activity::Store;
use connector::activity::row::key_window;
use connector::activity::store::{AlertFilter, AlertStatus};
use detect::{Config, Engine, Geo};
use serde_json::{Value, json};

const DE: &str = "80.128.0.1";
const JP: &str = "126.0.0.1";

fn origin() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
}

fn ev(t: DateTime<Utc>, user: &str, ip: &str, task: &str) -> Value {
    json!({
        "requestTime": t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "systemAccount": user,
        "ipAddress": ip,
        "taskDisplayName": task,
        "deviceType": "Desktop",
    })
}

fn engine() -> Engine {
    Engine::new(
        Geo::shipped(),
        Config {
            learning_until: Some((origin() + Duration::days(7)).timestamp_millis()),
            ..Config::default()
        },
    )
}

#[test]
fn detection_raises_each_alert_once_and_extends_episodes() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
    store.start_at(origin()).unwrap();
    let day8 = origin() + Duration::days(8);
    // Learning: ana works from Germany.
    let learning: Vec<Value> = (0..5)
        .map(|h| ev(origin() + Duration::hours(h), "ana", DE, "View Worker"))
        .collect();
    store
        .commit_window(&key_window(learning), origin() + Duration::days(1))
        .unwrap();
    let first = vec![
        ev(day8, "ana", DE, "View Worker"),
        ev(day8 + Duration::minutes(30), "ana", JP, "View Worker"),
        ev(
            day8 + Duration::minutes(31),
            "ana",
            JP,
            "Register API Client",
        ),
    ];
    store
        .commit_window(&key_window(first), day8 + Duration::hours(1))
        .unwrap();
    let mut engine = engine();
    let pass = store.detect(&mut engine).unwrap();
    assert_eq!(pass.events_evaluated, 8);
    let mut rules: Vec<String> = store
        .alerts(&AlertFilter::default())
        .unwrap()
        .into_iter()
        .map(|a| a.rule)
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            "impossible_travel",
            "new_country_tenant",
            "new_country_user",
            "sensitive_task"
        ]
    );
    // Again: nothing is evaluated twice, nothing is raised twice.
    let again = store.detect(&mut engine).unwrap();
    assert_eq!((again.events_evaluated, again.alerts_raised), (0, 0));
    // The episode goes on: the same sensitive-task alert gets the new event.
    let later = vec![ev(day8 + Duration::hours(2), "ana", JP, "Reset Password")];
    store
        .commit_window(&key_window(later), day8 + Duration::hours(3))
        .unwrap();
    // A fresh engine (a new process) resumes from the stored state.
    let pass = store.detect(&mut self::engine()).unwrap();
    assert_eq!((pass.alerts_raised, pass.alerts_extended), (0, 1));
    let sensitive = store
        .alerts(&AlertFilter {
            rule: Some("sensitive_task".into()),
            ..AlertFilter::default()
        })
        .unwrap();
    assert_eq!(sensitive.len(), 1);
    assert_eq!(sensitive[0].event_count, 2);
    assert_eq!(sensitive[0].severity, "medium");
    let travel = &store
        .alerts(&AlertFilter {
            rule: Some("impossible_travel".into()),
            ..AlertFilter::default()
        })
        .unwrap()[0];
    assert_eq!(travel.event_count, 2);
    assert_eq!(travel.country.as_deref(), Some("JP"));
    assert_eq!(travel.ip.as_deref(), Some(JP));
    assert_eq!(store.alert_event_ids(travel.id).unwrap().len(), 2);
    // Dismissed, it stays dismissed and leaves the open list.
    assert!(
        store
            .set_alert_status(travel.id, AlertStatus::Dismissed)
            .unwrap()
    );
    assert!(
        !store
            .set_alert_status(9_999, AlertStatus::Dismissed)
            .unwrap()
    );
    let open = store
        .alerts(&AlertFilter {
            status: Some(AlertStatus::Open),
            ..AlertFilter::default()
        })
        .unwrap();
    assert_eq!(open.len(), 3);
    assert!(open.iter().all(|a| a.id != travel.id));
    drop(store);
    // Reopened, the store keeps alerts, statuses and cursor.
    let mut store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
    assert_eq!(
        store.detect(&mut self::engine()).unwrap().events_evaluated,
        0
    );
    assert_eq!(store.alerts(&AlertFilter::default()).unwrap().len(), 4);
}

/// The viewer's alert filter shows exactly an alert's events (the other filters still narrow
/// them), and an alert that does not exist shows none.
#[test]
fn the_viewer_filter_of_an_alert_shows_its_events_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
    store.start_at(origin()).unwrap();
    let day8 = origin() + Duration::days(8);
    let mut events: Vec<Value> = (0..5)
        .map(|h| ev(origin() + Duration::hours(h), "ana", DE, "View Worker"))
        .collect();
    events.push(ev(day8, "ana", DE, "View Worker"));
    events.push(ev(day8 + Duration::minutes(30), "ana", JP, "View Worker"));
    events.push(ev(day8 + Duration::minutes(40), "bob", DE, "View Worker"));
    store
        .commit_window(&key_window(events), day8 + Duration::hours(1))
        .unwrap();
    store.detect(&mut engine()).unwrap();
    let travel = store
        .alerts(&AlertFilter {
            rule: Some("impossible_travel".into()),
            ..AlertFilter::default()
        })
        .unwrap()
        .remove(0);
    let shown = store
        .query(&EventFilter {
            alert: Some(travel.id),
            ..EventFilter::default()
        })
        .unwrap();
    let ips: Vec<_> = shown.iter().map(|e| e.ip_address.as_deref()).collect();
    assert_eq!(ips, [Some(JP), Some(DE)], "newest first, the alert's two");
    assert!(
        shown
            .iter()
            .all(|e| e.system_account.as_deref() == Some("ana"))
    );
    assert_eq!(
        store
            .count_matching(&EventFilter {
                alert: Some(travel.id),
                ip: Some(JP.into()),
                ..EventFilter::default()
            })
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .count_matching(&EventFilter {
                alert: Some(9_999),
                ..EventFilter::default()
            })
            .unwrap(),
        0
    );
    assert_eq!(store.count_matching(&EventFilter::default()).unwrap(), 8);
}

/// The simulator picks its anomaly addresses from public allocations without knowing the
/// detections; the shipped database must place each in the country the simulator means.
#[test]
fn the_simulators_addresses_are_in_their_countries() {
    let geo = Geo::shipped();
    for (country, ip) in workday_sim::anomalies::ADDRESSES {
        assert_eq!(geo.country_of(ip).as_deref(), Some(*country), "{ip}");
    }
    let risky: ipnet::IpNet = workday_sim::anomalies::RISKY_RANGE.parse().unwrap();
    assert!(geo.country(risky.network()).is_some());
}
