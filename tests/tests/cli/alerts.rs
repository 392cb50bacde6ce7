//! `wdconnect alerts`, `rules` and `tags` end to end: a sync raises the alerts of anomalies
//! logged in the tenant once (a second pass raises none), dismissing keeps an alert and hides
//! it from the open list, and bad input (unknown rule, bad time, bad CIDR, a bad list file)
//! exits 2 with a fix and changes nothing.

use chrono::{Duration, Utc};
use e2e::cli::{Cli, Tenant};
use serde_json::{Value, json};

use crate::assert_mentions;

// Addresses the shipped database places in Germany and Japan.
const DE: &str = "80.128.0.1";
const JP: &str = "126.0.0.1";

fn event(at: chrono::DateTime<Utc>, user: &str, ip: &str, device: &str, ua: &str) -> Value {
    json!({
        "requestTime": at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "systemAccount": user,
        "ipAddress": ip,
        "taskDisplayName": "View Worker",
        "activityAction": "READ",
        "deviceType": device,
        "userAgent": ua,
        "sessionId": format!("s-{user}"),
    })
}

fn rules_of(alerts: &Value) -> Vec<String> {
    let mut r: Vec<String> = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rule"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_raises_each_alert_once_and_a_dismissed_alert_is_kept() {
    let tenant = Tenant::start_with(|c| c.events = 5_000).await;
    let now = Utc::now();
    let browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0";
    // After the learning period (the backfill's first seven of eight days): a user in Germany
    // then Japan 20 minutes later, and an integration system user at a browser.
    tenant.sim.log_event(
        now - Duration::hours(5),
        event(
            now - Duration::hours(5),
            "travel.test",
            DE,
            "Desktop",
            browser,
        ),
    );
    let later = now - Duration::hours(5) + Duration::minutes(20);
    tenant
        .sim
        .log_event(later, event(later, "travel.test", JP, "Desktop", browser));
    let isu = now - Duration::hours(4);
    tenant.sim.log_event(
        isu,
        event(isu, "ISU_Payroll", "10.0.0.5", "Desktop", browser),
    );
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    // A custom rule in Sigma, beside a broken one that must not stop it.
    let rules = cli.home().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("exports.yml"),
        "title: Export to Excel\nlogsource:\n  product: workday\ndetection:\n  selection:\n    \
         taskDisplayName: Export to Excel\n  condition: selection\nlevel: low\n",
    )
    .unwrap();
    std::fs::write(rules.join("broken.yml"), "title: [broken\n").unwrap();
    cli.cmd(["sync", "acme", "--once", "--backfill-days", "8"])
        .run()
        .await
        .ok();

    let run = cli.cmd(["alerts", "acme", "--status", "all"]).run().await;
    let all = run.ok();
    let rules = rules_of(&all);
    let count = |r: &str| rules.iter().filter(|x| *x == r).count();
    assert_eq!(count("impossible_travel"), 1, "{run}");
    assert_eq!(count("isu_interactive"), 1, "{run}");
    // Germany and Japan are new to a tenant whose other addresses have no country.
    assert_eq!(count("new_country_tenant"), 2, "{run}");
    // The simulated tenant's admins run security tasks now and then, and its people export.
    assert!(count("sensitive_task") >= 1, "{run}");
    assert!(count("sigma:exports") >= 1, "{run}");
    let travel = all["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "impossible_travel")
        .unwrap()
        .clone();
    assert_eq!(travel["user"], "travel.test");
    assert_eq!(travel["event_count"], 2);
    assert_eq!(travel["country"], "JP");
    assert_eq!(travel["ip"], JP);
    assert_eq!(travel["severity"], "high");
    assert_eq!(travel["status"], "open");
    for key in [
        "id",
        "rule",
        "severity",
        "status",
        "user",
        "time",
        "summary",
        "country",
        "ip",
        "event_count",
    ] {
        assert!(travel.get(key).is_some(), "{key} missing: {travel}");
    }

    // A second pass: nothing new to evaluate, nothing raised twice.
    cli.cmd(["sync", "acme", "--once"]).run().await.ok();
    let again = cli
        .cmd(["alerts", "acme", "--status", "all"])
        .run()
        .await
        .ok();
    assert_eq!(again, all);

    // Filters.
    let only = cli
        .cmd(["alerts", "acme", "--rule", "impossible_travel"])
        .run()
        .await
        .ok();
    assert_eq!(rules_of(&only), ["impossible_travel"]);
    let ndjson = cli
        .cmd(["alerts", "acme", "--status", "all", "--format", "ndjson"])
        .human()
        .run()
        .await;
    assert_eq!(ndjson.code, 0, "{ndjson}");
    assert_eq!(ndjson.stdout.lines().count(), rules.len());

    // An alert's events, as the viewer opens them: exactly its two, from Germany and Japan.
    let id = travel["id"].as_i64().unwrap().to_string();
    let events = cli
        .cmd(["events", "acme", "--alert", &id, "--format", "ndjson"])
        .human()
        .run()
        .await;
    assert_eq!(events.code, 0, "{events}");
    let mut ips: Vec<String> = events
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["ipAddress"].to_string())
        .collect();
    ips.sort();
    let mut expected = vec![format!("{DE:?}"), format!("{JP:?}")];
    expected.sort();
    assert_eq!(ips, expected, "{events}");
    let unknown = cli.cmd(["events", "acme", "--alert", "999999"]).run().await;
    let e = unknown.error(2, "alerts.not_found");
    assert_mentions(&e.fix, "wdconnect alerts", &unknown);

    // Dismissed: kept, out of the open list, in the dismissed one.
    let d = cli.cmd(["alerts", "dismiss", "acme", &id]).run().await.ok();
    assert_eq!(d["alert"]["status"], "dismissed");
    let open = cli.cmd(["alerts", "acme"]).run().await.ok();
    assert!(!rules_of(&open).contains(&"impossible_travel".to_string()));
    let dismissed = cli
        .cmd(["alerts", "acme", "--status", "dismissed"])
        .run()
        .await
        .ok();
    assert_eq!(rules_of(&dismissed), ["impossible_travel"]);
    let missing = cli.cmd(["alerts", "dismiss", "acme", "999999"]).run().await;
    missing.error(2, "alerts.not_found");

    // The rules in force say the learning period of an eight-day backfill is over.
    let rules = cli.cmd(["rules", "acme"]).run().await.ok();
    let ids: Vec<&str> = rules["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 9, "{rules}");
    assert_eq!(ids[8], "sigma:exports");
    assert_eq!(rules["learning"], false);
    assert_eq!(rules["geo_database"], "shipped");
    let errors = rules["load_errors"].to_string();
    assert!(errors.contains("broken.yml:1"), "{rules}");
    let custom = cli
        .cmd(["alerts", "acme", "--rule", "sigma:exports"])
        .run()
        .await
        .ok();
    assert!(rules_of(&custom).iter().all(|r| r == "sigma:exports"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_rule_time_cidr_and_list_files_exit_2_and_change_nothing() {
    let tenant = Tenant::start_with(|c| c.events = 1_000).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.cmd(["tags", "add", "risky", "185.220.101.0/24"])
        .run()
        .await
        .ok();
    let before = cli.snapshot();

    let run = cli
        .cmd(["alerts", "acme", "--rule", "impossible_trvel"])
        .run()
        .await;
    let e = run.error(2, "input.unknown_rule");
    assert_mentions(&e.fix, "impossible_travel", &run);
    let run = cli
        .cmd(["alerts", "acme", "--since", "yesterday-ish"])
        .run()
        .await;
    run.error(2, "input.bad_time");
    let run = cli
        .cmd(["alerts", "acme", "--severity", "urgent"])
        .run()
        .await;
    run.error(2, "input.bad_severity");
    let run = cli
        .cmd(["tags", "add", "risky", "203.0.113.9", "10.0.0.0/33"])
        .run()
        .await;
    let e = run.error(2, "input.bad_cidr");
    assert_mentions(&e.message, "10.0.0.0/33", &run);
    let list = cli.scratch().join("tor.txt");
    std::fs::write(&list, "# exits\n185.220.100.1\nnot-an-address\n").unwrap();
    let run = cli
        .cmd(["tags", "import", "risky", list.to_str().unwrap()])
        .run()
        .await;
    let e = run.error(2, "input.bad_cidr");
    assert_mentions(&e.message, "tor.txt:3", &run);
    let run = cli
        .cmd(["tags", "add", "suspicious", "1.2.3.4"])
        .run()
        .await;
    run.error(2, "input.bad_tag");
    assert_eq!(cli.snapshot(), before, "a refused command changed the home");

    // Good input works, and the list shows it.
    std::fs::write(&list, "# exits\n185.220.100.1\n2001:db8::/32 # a range\n").unwrap();
    let added = cli
        .cmd(["tags", "import", "risky", list.to_str().unwrap()])
        .run()
        .await
        .ok();
    assert_eq!(added["added"], 2);
    cli.cmd(["tags", "remove", "risky", "185.220.101.0/24"])
        .run()
        .await
        .ok();
    let tags = cli.cmd(["tags", "list"]).run().await.ok();
    assert_eq!(tags["risky"], json!(["185.220.100.1/32", "2001:db8::/32"]));

    // A list file broken by hand: `rules` names its path and line and still lists the rules.
    let file = cli.home().join("detections").join("corporate.txt");
    std::fs::write(&file, "10.0.0.0/8\n10.300.0.0/16\n").unwrap();
    let rules = cli.cmd(["rules"]).run().await.ok();
    assert_eq!(rules["rules"].as_array().unwrap().len(), 8);
    let errors = rules["load_errors"].to_string();
    assert!(errors.contains("corporate.txt:2"), "{rules}");
}

fn ms(v: &Value) -> i64 {
    v.as_str()
        .and_then(|s| s.parse::<chrono::DateTime<Utc>>().ok())
        .expect("a time")
        .timestamp_millis()
}

/// Against the simulator's anomaly schedule: every anomaly inside the synced range raises
/// exactly its alert (the new-country ones once the learning period is over), and no alert of a
/// behavioural rule comes from anything but an anomaly, i.e. none from the clean activity.
#[tokio::test(flavor = "multi_thread")]
async fn every_injected_anomaly_raises_exactly_its_alert() {
    let tenant = Tenant::start_with(|c| {
        c.events = 20_000;
        c.anomalies = true;
    })
    .await;
    let truth = serde_json::to_value(tenant.sim.anomalies()).unwrap();
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    cli.cmd(["tags", "add", "risky", workday_sim::anomalies::RISKY_RANGE])
        .run()
        .await
        .ok();
    let report = cli
        .cmd(["sync", "acme", "--once", "--backfill-days", "8"])
        .run()
        .await
        .ok();
    let (origin, until) = (ms(&report["origin"]), ms(&report["synced_until"]));
    let day = 86_400_000;
    let learnt = origin + 7 * day;
    let run = cli.cmd(["alerts", "acme", "--status", "all"]).run().await;
    let alerts = run.ok()["alerts"].as_array().unwrap().clone();
    let covers = |a: &Value, x: &Value| {
        let t = ms(&a["time"]);
        a["user"] == x["user"] && ms(&x["from"]) <= t && t <= ms(&x["to"])
    };
    let mut checked = 0;
    for x in truth.as_array().unwrap() {
        let (from, to) = (ms(&x["from"]), ms(&x["to"]));
        // A day of history first: the burst rule needs the user's usual hours.
        if from < origin + day || to >= until {
            continue;
        }
        for rule in x["rules"].as_array().unwrap() {
            if rule.as_str().unwrap().starts_with("new_country") && from < learnt {
                continue;
            }
            let n = alerts
                .iter()
                .filter(|a| a["rule"] == *rule && covers(a, x))
                .count();
            assert_eq!(n, 1, "anomaly {x} raised {n} {rule} alerts\n{run}");
            checked += 1;
        }
    }
    // Seven days of five daily kinds, and the new-country pair.
    assert!(checked >= 30, "only {checked} anomalies checked");
    for a in &alerts {
        let behavioural = [
            "impossible_travel",
            "new_country_user",
            "new_country_tenant",
            "burst",
        ];
        if !behavioural.contains(&a["rule"].as_str().unwrap()) {
            continue;
        }
        let explained = truth
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["rules"].as_array().unwrap().contains(&a["rule"]) && covers(a, x));
        assert!(explained, "an alert no anomaly explains: {a}");
    }
}

/// A polling sync raises the alert of an event logged while it runs, at its next pass, once.
#[tokio::test(flavor = "multi_thread")]
async fn a_polling_sync_raises_an_alert_for_a_new_event_at_its_next_pass() {
    let tenant = Tenant::start_with(|c| c.events = 2_000).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    cli.cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await
        .ok();
    // Passes a second apart (a file edited by hand is read as it is).
    let mut config: Value =
        serde_json::from_slice(&std::fs::read(cli.config_file()).unwrap()).unwrap();
    config["connections"][0]["sync"] = json!({"poll_interval_secs": 1});
    std::fs::write(cli.config_file(), config.to_string()).unwrap();
    let mut poller = tokio::process::Command::from(e2e::command("wdconnect"))
        .arg("--home")
        .arg(e2e::native_path(cli.home()))
        .args(["sync", "acme"])
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("WDCONNECT_HOME")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("wdconnect starts");
    let isu = |alerts: &Value| {
        alerts["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["user"] == "ISU_Benefits")
            .count()
    };
    let args = [
        "alerts",
        "acme",
        "--rule",
        "isu_interactive",
        "--status",
        "all",
    ];
    assert_eq!(isu(&cli.cmd(args).run().await.ok()), 0);
    // Logged now, three minutes back: inside the overlap the next pass reads again.
    let at = Utc::now() - Duration::minutes(3);
    tenant.sim.log_event(
        at,
        event(
            at,
            "ISU_Benefits",
            "10.1.1.1",
            "Desktop",
            "Mozilla/5.0 (X11; Linux x86_64)",
        ),
    );
    let mut found = 0;
    for _ in 0..120 {
        found = isu(&cli.cmd(args).run().await.ok());
        if found > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(found, 1, "no alert after a minute of passes");
    // Later passes read the event again (the overlap) and raise nothing more.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(isu(&cli.cmd(args).run().await.ok()), 1);
    let _ = poller.start_kill();
    let _ = poller.wait().await;
}

/// The alerts of `rule` (every status) of connection `acme`.
async fn alerts_of(cli: &Cli, rule: &str) -> Vec<Value> {
    let run = cli
        .cmd(["alerts", "acme", "--status", "all", "--rule", rule])
        .run()
        .await;
    run.ok()["alerts"].as_array().unwrap().clone()
}

/// An address already synced, then tagged risky: the tag change re-evaluates the stored events
/// at once and raises its alert, once; a second tag change raises nothing new.
#[tokio::test(flavor = "multi_thread")]
async fn tagging_a_seen_address_risky_raises_its_alert_once() {
    let tenant = Tenant::start_with(|c| c.events = 2_000).await;
    let ip = "80.128.0.77";
    let at = Utc::now() - Duration::hours(3);
    for m in [0, 10] {
        let t = at + Duration::minutes(m);
        tenant
            .sim
            .log_event(t, event(t, "tagged.user", ip, "Desktop", "Mozilla/5.0"));
    }
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    cli.cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await
        .ok();
    assert!(alerts_of(&cli, "risky_ip").await.is_empty(), "no tag yet");

    let run = cli.cmd(["tags", "add", "risky", ip]).run().await;
    let tagged = run.ok();
    assert_eq!(tagged["reevaluated"]["acme"]["alerts_raised"], 1, "{run}");
    let risky = alerts_of(&cli, "risky_ip").await;
    assert_eq!(risky.len(), 1, "{risky:?}");
    assert_eq!(risky[0]["user"], "tagged.user");
    assert_eq!(risky[0]["ip"], ip);
    assert_eq!(risky[0]["country"], "DE");
    assert_eq!(risky[0]["event_count"], 2);

    // Another tag change (a range holding the address, and an unseen one): nothing new.
    let run = cli
        .cmd(["tags", "add", "risky", "80.128.0.0/24", "203.0.113.9"])
        .run()
        .await;
    assert_eq!(run.ok()["reevaluated"]["acme"]["alerts_raised"], 0, "{run}");
    // Nor does the next sync pass, which sees the tags unchanged.
    cli.cmd(["sync", "acme", "--once"]).run().await.ok();
    assert_eq!(alerts_of(&cli, "risky_ip").await, risky);
}

/// A Sigma file added to the rules folder after the events were synced: the next sync pass
/// sees the folder changed and re-evaluates the last 30 days for the custom rules, raising the
/// new rule's alert once; the pass after raises nothing new.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_sigma_file_raises_its_alerts_over_synced_events_at_the_next_pass() {
    let tenant = Tenant::start_with(|c| c.events = 2_000).await;
    let at = Utc::now() - Duration::hours(3);
    tenant.sim.log_event(
        at,
        event(at, "sigma.target", "10.0.0.8", "Desktop", "Mozilla/5.0"),
    );
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    cli.cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await
        .ok();
    let rules = cli.home().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("target.yml"),
        "title: The target account\nlogsource:\n  product: workday\ndetection:\n  selection:\n    \
         systemAccount: sigma.target\n  condition: selection\nlevel: high\n",
    )
    .unwrap();
    assert!(alerts_of(&cli, "sigma:target").await.is_empty());

    cli.cmd(["sync", "acme", "--once"]).run().await.ok();
    let raised = alerts_of(&cli, "sigma:target").await;
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert_eq!(raised[0]["user"], "sigma.target");
    assert_eq!(raised[0]["severity"], "high");
    assert_eq!(raised[0]["event_count"], 1);
    cli.cmd(["sync", "acme", "--once"]).run().await.ok();
    assert_eq!(alerts_of(&cli, "sigma:target").await, raised);
}
