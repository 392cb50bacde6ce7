//! Each built-in rule against hand-made events: the alert it must raise, and the look-alikes it
//! must not.

use detect::{Config, Engine, Event, Finding, Geo, Rule, State, Tags, tags::parse_list};

const H: i64 = 3_600_000;
const M: i64 = 60_000;
/// 2026-06-01T00:00:00Z.
const T0: i64 = 1_780_272_000_000;
// Addresses the shipped database places in Germany, Japan and the United States.
const DE: &str = "80.128.0.1";
const JP: &str = "126.0.0.1";
const US: &str = "12.0.0.1";

fn ev(id: i64, t: i64, user: &str, ip: &str) -> Event {
    Event {
        id,
        request_time: Some(t),
        system_account: Some(user.into()),
        ip_address: Some(ip.into()),
        task_display_name: Some("View Worker".into()),
        device_type: Some("Desktop".into()),
        user_agent: Some("Mozilla/5.0".into()),
        ..Event::default()
    }
}

fn run(config: Config, events: &[Event]) -> Vec<Finding> {
    let mut engine = Engine::new(Geo::shipped(), config);
    let mut state = State::default();
    engine.evaluate(&mut state, events)
}

fn of(findings: &[Finding], rule: Rule) -> Vec<&Finding> {
    findings.iter().filter(|f| f.rule == rule.id()).collect()
}

#[test]
fn the_test_addresses_are_in_their_countries() {
    let geo = Geo::shipped();
    assert_eq!(geo.country_of(DE).as_deref(), Some("DE"));
    assert_eq!(geo.country_of(JP).as_deref(), Some("JP"));
    assert_eq!(geo.country_of(US).as_deref(), Some("US"));
}

#[test]
fn impossible_travel_is_raised_once_with_both_events() {
    let events = [
        ev(1, T0, "ana", DE),
        ev(2, T0 + 30 * M, "ana", JP),
        // The same episode: the user goes on from Japan and back.
        ev(3, T0 + 40 * M, "ana", DE),
        // Another user, one country: nothing.
        ev(4, T0 + 41 * M, "ben", US),
        ev(5, T0 + 42 * M, "ben", US),
    ];
    let f = run(Config::default(), &events);
    let travel = of(&f, Rule::ImpossibleTravel);
    assert_eq!(travel.len(), 1, "{f:#?}");
    assert_eq!(travel[0].events, vec![1, 2, 2, 3]);
    assert_eq!(travel[0].user.as_deref(), Some("ana"));
    assert!(travel[0].summary.contains("DE") && travel[0].summary.contains("JP"));
}

#[test]
fn slow_travel_and_corporate_pairs_are_not_impossible() {
    // Germany to Japan in 20 hours is a flight.
    let f = run(
        Config::default(),
        &[ev(1, T0, "ana", DE), ev(2, T0 + 20 * H, "ana", JP)],
    );
    assert!(of(&f, Rule::ImpossibleTravel).is_empty(), "{f:#?}");
    // Both addresses corporate (a VPN's exits): no alert.
    let config = Config {
        tags: Tags {
            corporate: parse_list(&format!("{DE}\n126.0.0.0/16\n")).unwrap(),
            ..Tags::default()
        },
        ..Config::default()
    };
    let f = run(
        config,
        &[ev(1, T0, "ana", DE), ev(2, T0 + 5 * M, "ana", JP)],
    );
    assert!(of(&f, Rule::ImpossibleTravel).is_empty(), "{f:#?}");
}

#[test]
fn new_countries_wait_for_the_learning_period() {
    let config = Config {
        learning_until: Some(T0 + 7 * 24 * H),
        ..Config::default()
    };
    let events = [
        ev(1, T0, "ana", DE),
        ev(2, T0 + 24 * H, "ana", US), // learning: quiet
        ev(3, T0 + 8 * 24 * H, "ana", DE),
        ev(4, T0 + 9 * 24 * H, "ana", JP), // new for ana and the tenant
        ev(5, T0 + 9 * 24 * H + M, "ben", JP), // ben's first country: no news
    ];
    let f = run(config, &events);
    let user = of(&f, Rule::NewCountryUser);
    assert_eq!(user.len(), 1, "{f:#?}");
    assert_eq!(user[0].events, vec![4]);
    assert!(
        user[0].summary.contains("before: DE, US"),
        "{}",
        user[0].summary
    );
    let tenant = of(&f, Rule::NewCountryTenant);
    assert_eq!(tenant.len(), 1);
    assert_eq!(tenant[0].events, vec![4]);
    assert_eq!(tenant[0].country.as_deref(), Some("JP"));
}

#[test]
fn risky_and_outside_corporate_addresses() {
    let config = Config {
        tags: Tags {
            risky: parse_list("185.220.101.0/24\n").unwrap(),
            corporate: parse_list(&format!("{DE}\n")).unwrap(),
            corporate_only: true,
        },
        ..Config::default()
    };
    let f = run(
        config,
        &[
            ev(1, T0, "ana", DE),
            ev(2, T0 + M, "ana", "185.220.101.7"),
            ev(3, T0 + 2 * M, "ana", "185.220.101.9"),
        ],
    );
    let risky = of(&f, Rule::RiskyIp);
    assert_eq!(risky.len(), 1, "one episode: {f:#?}");
    assert_eq!(risky[0].events, vec![2, 3]);
    let outside = of(&f, Rule::OutsideCorporate);
    assert_eq!(outside.len(), 1);
    assert_eq!(outside[0].events, vec![2, 3]);
}

#[test]
fn an_isu_at_a_browser_is_raised_but_not_its_api_calls() {
    let config = Config {
        isu_accounts: vec!["payroll_feed".into()],
        ..Config::default()
    };
    let mut api = ev(3, T0 + 2 * M, "ISU_Benefits", US);
    api.api_call = true;
    let mut service = ev(4, T0 + 3 * M, "isu-hr", US);
    service.device_type = Some("Web Service".into());
    service.user_agent = Some("curl/8".into());
    let f = run(
        config,
        &[
            ev(1, T0, "ISU_Benefits", US),
            ev(2, T0 + M, "payroll_feed", US),
            api,
            service,
            ev(5, T0 + 4 * M, "ana", US),
        ],
    );
    let isu = of(&f, Rule::IsuInteractive);
    let users: Vec<_> = isu.iter().map(|f| f.user.as_deref().unwrap()).collect();
    assert_eq!(users, ["ISU_Benefits", "payroll_feed"], "{f:#?}");
}

#[test]
fn sensitive_tasks_from_the_list_and_the_admins_additions() {
    let mut config = Config::default();
    config.sensitive_tasks.push("Run Payroll Audit".into());
    let mut a = ev(1, T0, "ana", US);
    a.task_display_name = Some("Register API Client".into());
    let mut b = ev(2, T0 + M, "ben", US);
    b.task_display_name = Some("run payroll audit".into());
    let c = ev(3, T0 + 2 * M, "ben", US);
    let f = run(config, &[a, b, c]);
    let s = of(&f, Rule::SensitiveTask);
    assert_eq!(s.len(), 2, "{f:#?}");
    assert_eq!(s[0].summary, "ana ran Register API Client");
    assert_eq!(s[1].events, vec![2]);
}

#[test]
fn a_burst_far_above_the_users_baseline() {
    let mut events = Vec::new();
    let mut id = 0;
    // 48 hours of 5 events an hour, then 300 in one hour.
    for h in 0..48 {
        for k in 0..5 {
            id += 1;
            events.push(ev(id, T0 + h * H + k * M, "ana", US));
        }
    }
    let quiet = events.len();
    for k in 0..300 {
        id += 1;
        events.push(ev(id, T0 + 48 * H + k * 10_000, "ana", US));
    }
    let f = run(Config::default(), &events);
    let b = of(&f, Rule::Burst);
    assert_eq!(b.len(), 1, "{f:#?}");
    assert_eq!(b[0].events.len(), 300);
    assert_eq!(b[0].events[0], quiet as i64 + 1);
    // The same volume spread evenly raises nothing.
    let even: Vec<Event> = (0..600).map(|i| ev(i, T0 + i * 6 * M, "ana", US)).collect();
    assert!(of(&run(Config::default(), &even), Rule::Burst).is_empty());
}

#[test]
fn a_burst_before_the_baseline_existed_does_not_hide_the_next_one() {
    // A sync that starts in the evening: the first thing it sees of a report runner is a burst
    // it cannot judge yet (no baseline), then a day of 5 events an hour, then a burst again.
    let mut events = Vec::new();
    let mut id = 0;
    let mut push = |t: i64, events: &mut Vec<Event>| {
        id += 1;
        events.push(ev(id, t, "rex", US));
    };
    for k in 0..300 {
        push(T0 + 20 * H + k * 12_000, &mut events);
    }
    for h in 32..42 {
        for k in 0..5 {
            push(T0 + h * H + k * 12 * M, &mut events);
        }
    }
    let second = events.len() as i64 + 1;
    for k in 0..300 {
        push(T0 + 44 * H + k * 12_000, &mut events);
    }
    let f = run(Config::default(), &events);
    let b = of(&f, Rule::Burst);
    assert_eq!(b.len(), 1, "{f:#?}");
    assert_eq!(b[0].events[0], second);
    assert!(
        b[0].summary.contains("against 5 in a busy hour usually"),
        "{}",
        b[0].summary
    );
}

#[test]
fn an_episode_continues_across_batches_and_ends_after_the_gap() {
    let mut engine = Engine::new(Geo::shipped(), Config::default());
    let mut state = State::default();
    let task = |id, t| {
        let mut e = ev(id, t, "ana", US);
        e.task_display_name = Some("Reset Password".into());
        e
    };
    let a = engine.evaluate(&mut state, &[task(1, T0)]);
    // The state goes through the store as JSON between batches.
    let mut state: State = serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
    let b = engine.evaluate(&mut state, &[task(2, T0 + H)]);
    let c = engine.evaluate(&mut state, &[task(3, T0 + 30 * H)]);
    assert_eq!(a[0].episode, b[0].episode);
    assert_ne!(b[0].episode, c[0].episode);
}
