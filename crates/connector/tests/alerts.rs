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

/// The simulator's real-country sites (its `--real-addresses` people) are where the shipped
/// database says: the detections benchmark's false-positive figure relies on it.
#[test]
fn the_simulators_real_sites_are_in_their_countries() {
    let geo = Geo::shipped();
    for (country, office, mobile, _) in workday_sim::REAL_SITES {
        for prefix in [office, mobile] {
            for third in [0, 3, 77, 255] {
                let ip = format!("{prefix}.{third}.1");
                assert_eq!(geo.country_of(&ip).as_deref(), Some(*country), "{ip}");
            }
        }
    }
}

fn tagged_engine(tags: detect::Tags, sigma: Vec<detect::SigmaRule>) -> Engine {
    Engine::new(
        Geo::shipped(),
        Config {
            tags,
            sigma,
            learning_until: Some((origin() + Duration::days(7)).timestamp_millis()),
            ..Config::default()
        },
    )
}

fn rules(store: &Store) -> Vec<String> {
    let mut r: Vec<String> = store
        .alerts(&AlertFilter::default())
        .unwrap()
        .into_iter()
        .map(|a| a.rule)
        .collect();
    r.sort();
    r
}

/// Tagging an address already evaluated: the re-evaluation raises its alert once, over the
/// events of the window only, leaves the behavioural rules and the cursor alone, a second one
/// raises nothing, and a later live event of the same episode joins that alert.
#[test]
fn a_new_risky_tag_reevaluates_the_window_and_raises_its_alert_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
    store.start_at(origin()).unwrap();
    let day = |d: i64, h: i64| origin() + Duration::days(d) + Duration::hours(h);
    let events = vec![
        // Before the window: tagged later, but not re-evaluated.
        ev(day(1, 0), "old", DE, "View Worker"),
        ev(day(8, 0), "ana", DE, "View Worker"),
        ev(day(8, 1), "ana", DE, "View Worker"),
        ev(day(8, 2), "bob", JP, "View Worker"),
    ];
    store.commit_window(&key_window(events), day(8, 3)).unwrap();
    store
        .detect(&mut tagged_engine(Default::default(), Vec::new()))
        .unwrap();
    let before = rules(&store);
    assert!(!before.contains(&"risky_ip".to_string()), "{before:?}");
    let (cursor, _) = store.detection_state().unwrap();

    let risky = detect::Tags {
        risky: vec![format!("{DE}/32").parse().unwrap()],
        ..Default::default()
    };
    let tags_only = detect::Reevaluate {
        tags: true,
        sigma: false,
    };
    let mut engine = tagged_engine(risky.clone(), Vec::new());
    let pass = store.reevaluate(&mut engine, tags_only, day(7, 0)).unwrap();
    assert_eq!((pass.events_reevaluated, pass.alerts_raised), (3, 1));
    let mut after = before.clone();
    after.push("risky_ip".into());
    after.sort();
    assert_eq!(rules(&store), after, "only the tag rule raised anything");
    let alert = &store
        .alerts(&AlertFilter {
            rule: Some("risky_ip".into()),
            ..AlertFilter::default()
        })
        .unwrap()[0];
    assert_eq!(alert.user.as_deref(), Some("ana"));
    assert_eq!(
        alert.event_count, 2,
        "ana's events in the window, not old's"
    );
    assert_eq!(alert.country.as_deref(), Some("DE"));
    assert_eq!(
        store.detection_state().unwrap().0,
        cursor,
        "the cursor stays"
    );

    // Again (another tag change): nothing new.
    let again = store.reevaluate(&mut engine, tags_only, day(7, 0)).unwrap();
    assert_eq!(again.alerts_raised, 0);
    assert_eq!(rules(&store), after);

    // A live event of the same episode joins the alert instead of raising another.
    store
        .commit_window(
            &key_window(vec![ev(day(8, 5), "ana", DE, "View Worker")]),
            day(8, 6),
        )
        .unwrap();
    let live = store.detect(&mut tagged_engine(risky, Vec::new())).unwrap();
    assert_eq!((live.alerts_raised, live.alerts_extended), (0, 1));
    assert_eq!(rules(&store), after);
    let risky_alerts = store
        .alerts(&AlertFilter {
            rule: Some("risky_ip".into()),
            ..AlertFilter::default()
        })
        .unwrap();
    assert_eq!(risky_alerts[0].event_count, 3);
}

/// A Sigma rule added after the events were evaluated: the re-evaluation of the custom rules
/// raises its alerts once, and nothing of the built-in rules.
#[test]
fn a_new_sigma_rule_reevaluates_the_window_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
    store.start_at(origin()).unwrap();
    let t = origin() + Duration::days(8);
    let events = vec![
        ev(t, "ana", DE, "Export to Excel"),
        ev(t + Duration::minutes(5), "ana", DE, "Export to Excel"),
        ev(t + Duration::minutes(6), "bob", DE, "View Worker"),
    ];
    store
        .commit_window(&key_window(events), t + Duration::hours(1))
        .unwrap();
    store
        .detect(&mut tagged_engine(Default::default(), Vec::new()))
        .unwrap();
    let before = rules(&store);
    let path = dir.path().join("exports.yml");
    let rule = detect::SigmaRule::parse(
        &path,
        "title: Export to Excel\nlogsource:\n  product: workday\ndetection:\n  selection:\n    \
         taskDisplayName: Export to Excel\n  condition: selection\nlevel: low\n",
    )
    .unwrap();
    let sigma_only = detect::Reevaluate {
        tags: false,
        sigma: true,
    };
    let mut engine = tagged_engine(Default::default(), vec![rule]);
    let pass = store.reevaluate(&mut engine, sigma_only, origin()).unwrap();
    assert_eq!(pass.alerts_raised, 1);
    let mut after = before.clone();
    after.push("sigma:exports".into());
    after.sort();
    assert_eq!(rules(&store), after);
    let again = store.reevaluate(&mut engine, sigma_only, origin()).unwrap();
    assert_eq!(again.alerts_raised, 0);
    assert_eq!(rules(&store), after);
}
