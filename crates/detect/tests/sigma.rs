//! Custom Sigma rules: the shipped Workday rules parse and match what their built-in twins
//! match; a broken file is reported with its path and line and the others still load and fire.

use std::path::Path;

use detect::sigma::load_dir;
use detect::{Config, Engine, Event, Geo, Rule, State};

const T0: i64 = 1_780_272_000_000;

fn ev(id: i64, user: &str, task: &str, device: &str, ua: &str) -> Event {
    Event {
        id,
        request_time: Some(T0 + id * 60_000),
        system_account: Some(user.into()),
        ip_address: Some("12.0.0.1".into()),
        task_display_name: Some(task.into()),
        device_type: Some(device.into()),
        user_agent: Some(ua.into()),
        ..Event::default()
    }
}

fn events() -> Vec<Event> {
    vec![
        ev(1, "ana", "Register API Client", "Desktop", "Mozilla/5.0"),
        ev(2, "ana", "View Worker", "Desktop", "Mozilla/5.0"),
        ev(3, "ISU_Feed", "Worker Profile", "Desktop", "Mozilla/5.0"),
        ev(4, "isu-hr", "Get Workers", "Web Service", "curl/8"),
        ev(
            5,
            "ben",
            "Edit Tenant Setup - Security",
            "Phone",
            "Workday/2024",
        ),
    ]
}

/// The keys of the events each rule fired on, by rule id.
fn fired(config: Config) -> Vec<(String, Vec<i64>)> {
    let mut engine = Engine::new(Geo::shipped(), config);
    let mut out: Vec<(String, Vec<i64>)> = engine
        .evaluate(&mut State::default(), &events())
        .into_iter()
        .map(|f| (f.rule, f.events))
        .collect();
    out.sort();
    out
}

#[test]
fn the_shipped_sigma_rules_match_what_their_built_in_twins_match() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sigma");
    let (rules, errors) = load_dir(&dir);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(rules.len(), 2);
    let built_in = fired(Config::default());
    let sigma = fired(Config {
        sigma: rules,
        sensitive_tasks: Vec::new(),
        ..Config::default()
    });
    let pick = |v: &[(String, Vec<i64>)], id: &str| -> Vec<Vec<i64>> {
        v.iter()
            .filter(|(r, _)| r == id)
            .map(|(_, e)| e.clone())
            .collect()
    };
    // The ISU rule's twin: the ISU at a browser, not the one calling the API.
    assert_eq!(
        pick(&sigma, "sigma:workday_isu_interactive"),
        pick(&built_in, Rule::IsuInteractive.id())
    );
    assert_eq!(pick(&built_in, Rule::IsuInteractive.id()), vec![vec![3]]);
    let mut sensitive = pick(&sigma, "sigma:workday_sensitive_security_task");
    sensitive.sort();
    let mut twin = pick(&built_in, Rule::SensitiveTask.id());
    twin.sort();
    assert_eq!(sensitive, twin);
    assert_eq!(twin, vec![vec![1], vec![5]]);
}

#[test]
fn a_broken_rule_file_is_named_with_its_line_and_the_others_load() {
    let dir = tempfile_dir();
    std::fs::write(
        dir.join("a_broken.yml"),
        "title: broken\nlogsource:\n  product: workday\ndetection:\n  selection:\n    taskDisplayName: [unclosed\n  condition: selection\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b_exports.yaml"),
        "title: Exports to Excel\nlogsource:\n  product: workday\ndetection:\n  selection:\n    taskDisplayName: Export to Excel\n  condition: selection\nlevel: low\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a rule").unwrap();
    let (rules, errors) = load_dir(&dir);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path, dir.join("a_broken.yml"));
    assert!(errors[0].line >= 6, "{:?}", errors[0]);
    assert!(
        errors[0]
            .to_string()
            .starts_with(&format!("{}:", dir.join("a_broken.yml").display()))
    );
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].id, "sigma:b_exports");
    let mut engine = Engine::new(
        Geo::shipped(),
        Config {
            sigma: rules,
            ..Config::default()
        },
    );
    let mut e = ev(1, "ana", "Export to Excel", "Desktop", "Mozilla/5.0");
    e.task_display_name = Some("Export to Excel".into());
    let f: Vec<_> = engine
        .evaluate(&mut State::default(), &[e])
        .into_iter()
        .filter(|f| f.rule.starts_with("sigma:"))
        .collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "sigma:b_exports");
    assert_eq!(f[0].summary, "ana: Exports to Excel");
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("detect-sigma-{}-{}", std::process::id(), T0));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
