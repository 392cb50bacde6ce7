//! Forwarding end to end: `wdconnect forward ...` and `wdconnect run` against strict fakes of
//! Splunk HEC, Elasticsearch `_bulk`, the Logs Ingestion API (Microsoft Sentinel) with its
//! Entra ID token endpoint and an OTLP/HTTP logs receiver, and a real rsyslog with TLS. Every event of the store
//! arrives, with its key, in commit order; a receiver that goes down, a forwarder killed with
//! SIGKILL, and certificates that do not match lose nothing; no token in any output or file.

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::time::Duration;

use chrono::Utc;
use connector::activity::store::{PendingEvent, Store};
use connector::connections::Connector;
use connector::paths::Home;
use e2e::cli::{Cli, Tenant};
use e2e::receivers::{Behaviour, HttpFake, Rsyslog, SENTINEL_MAX_BODY, TestCa};
use serde_json::Value;

use super::assert_mentions;

const HEC_TOKEN: &str = "9f3c51d2-hec-token-never-shown-0b7e";
const CLIENT_SECRET: &str = "Xq8~entra-client-secret.never~shown_41";

/// A connection "acme" to a tenant of `events` events, fully synced.
async fn synced(events: u64) -> (Tenant, Cli) {
    let tenant = Tenant::start_with(|c| c.events = events).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    cli.cmd(["sync", "acme", "--once"]).run().await.ok();
    (tenant, cli)
}

/// The store's events in commit order, as forwarding reads them.
fn stored(cli: &Cli) -> Vec<PendingEvent> {
    let connector = Connector::open(Home::at(cli.home())).expect("the home opens");
    let store = Store::open(&connector.activity_store_path("acme")).expect("the store opens");
    store
        .events_after(0, usize::MAX >> 1, usize::MAX)
        .expect("the store reads")
}

async fn add_hec(cli: &Cli, fake: &HttpFake) {
    cli.cmd([
        "forward",
        "add",
        "acme",
        "--name",
        "splunk",
        "--to",
        &fake.url(),
        "--token-stdin",
    ])
    .input(HEC_TOKEN)
    .run()
    .await
    .ok();
}

/// No run printed the token, no file of the home holds it, and the receiver saw it only in
/// the Authorization header.
fn assert_no_token_anywhere(cli: &Cli, extra: &[String]) {
    assert_no_secret_anywhere(cli, &[HEC_TOKEN], extra);
}

/// None of `secrets` in any run's output, any file of the home, or `extra` (logs).
fn assert_no_secret_anywhere(cli: &Cli, secrets: &[&str], extra: &[String]) {
    for secret in secrets {
        for run in cli.runs() {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{run}"
            );
        }
        for (path, bytes) in cli.snapshot() {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(secret), "a secret is in {}", path.display());
        }
        for text in extra {
            assert!(!text.contains(secret), "a secret is in a log: {text}");
        }
    }
}

async fn add_sentinel(cli: &Cli, fake: &HttpFake, secret: &str) -> e2e::cli::Run {
    cli.cmd([
        "forward",
        "add",
        "acme",
        "--name",
        "sentinel",
        "--to",
        &fake.url(),
        "--token-stdin",
    ])
    .input(secret)
    .run()
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn forward_add_refuses_bad_input_and_changes_nothing() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    let before = cli.snapshot();
    let bad_ca = cli.scratch().join("not-a-ca.pem");
    std::fs::write(&bad_ca, "hello").unwrap();
    let bad_ca = bad_ca.display().to_string();
    let sentinel_good = format!(
        "sentinel+https://wd-x1.westeurope-1.ingest.monitor.azure.com?dcr={}&stream={}&tenant={}&client={}",
        e2e::receivers::SENTINEL_DCR,
        e2e::receivers::SENTINEL_STREAM,
        e2e::receivers::SENTINEL_TENANT,
        e2e::receivers::SENTINEL_CLIENT
    );
    let sentinel_bad_dcr = sentinel_good.replace(e2e::receivers::SENTINEL_DCR, "dcr-12345");
    let sentinel_bad_tenant =
        sentinel_good.replace(e2e::receivers::SENTINEL_TENANT, "contoso.onmicrosoft.com");
    let sentinel_remote_authority = format!("{sentinel_good}&authority=http://login.example.com");
    let cases: Vec<(Vec<&str>, Option<&str>, &str, &str)> = vec![
        (
            vec!["--to", "https://splunk:8088"],
            None,
            "forward.bad_scheme",
            "hec+https",
        ),
        (
            vec!["--to", "hec+http://splunk.example.com:8088"],
            Some("t"),
            "forward.plain_http",
            "hec+https://splunk.example.com",
        ),
        (
            vec!["--to", "hec+https://splunk:8088"],
            None,
            "forward.token_missing",
            "--token-stdin",
        ),
        (
            vec!["--to", "elastic+https://es:9200"],
            Some("k"),
            "forward.no_index",
            "INDEX",
        ),
        (
            vec!["--to", "syslog+tls://siem:6514", "--format", "xml"],
            None,
            "forward.bad_format",
            "cef",
        ),
        (
            vec!["--to", "syslog+tls://siem:6514", "--ca", &bad_ca],
            None,
            "forward.ca_invalid",
            "PEM",
        ),
        (
            vec!["--to", "syslog+tls://siem:6514"],
            Some("t"),
            "forward.token_unused",
            "--token-stdin",
        ),
        (
            vec!["--to", "hec+https://u:secret@splunk:8088"],
            Some("t"),
            "forward.credentials_in_url",
            "--token-stdin",
        ),
        (
            vec!["--to", &sentinel_bad_dcr],
            Some(CLIENT_SECRET),
            "forward.sentinel_dcr",
            "immutableId",
        ),
        (
            vec!["--to", &sentinel_bad_tenant],
            Some(CLIENT_SECRET),
            "forward.sentinel_tenant",
            "Microsoft Entra ID > Overview",
        ),
        (
            vec!["--to", &sentinel_good],
            None,
            "forward.token_missing",
            "Certificates & secrets",
        ),
        (
            vec!["--to", &sentinel_good, "--format", "cef"],
            Some(CLIENT_SECRET),
            "forward.format_unused",
            "--format",
        ),
        (
            vec!["--to", &sentinel_remote_authority],
            Some(CLIENT_SECRET),
            "forward.sentinel_authority",
            "authority=",
        ),
    ];
    for (args, token, code, fix) in cases {
        let mut cmd = cli.cmd(["forward", "add", "acme", "--name", "siem"]);
        for a in &args {
            cmd = cmd.arg(*a);
        }
        if let Some(t) = token {
            cmd = cmd.arg("--token-stdin").input(t);
        }
        let run = cmd.run().await;
        let p = run.error(2, code);
        assert_mentions(&p.fix, fix, &run);
        assert_eq!(cli.snapshot(), before, "{run}");
    }
    let run = cli
        .cmd([
            "forward",
            "add",
            "nope",
            "--name",
            "x",
            "--to",
            "syslog+tcp://127.0.0.1:514",
        ])
        .run()
        .await;
    assert_eq!(run.code, 2, "{run}");
    let run = cli.cmd(["forward", "remove", "acme", "ghost"]).run().await;
    run.error(2, "forward.unknown_destination");
    assert_eq!(cli.snapshot(), before);
    assert_no_secret_anywhere(&cli, &[CLIENT_SECRET], &[]);
}

/// Microsoft Sentinel through the Logs Ingestion API: a 20,000-event backfill in batches larger
/// than one call may carry, with the cached token revoked part-way. Every event arrives exactly
/// once, in commit order, in the documented columns; each call is an array under 1 MB, with a
/// Bearer token from the client-credentials grant (asked for again only after the 401); the
/// client secret and the tokens appear in no output, file or log.
#[tokio::test(flavor = "multi_thread")]
async fn every_event_of_a_backfill_arrives_exactly_once_at_sentinel() {
    let (_tenant, cli) = synced(20_000).await;
    let fake = HttpFake::sentinel(CLIENT_SECRET).await;
    add_sentinel(&cli, &fake, CLIENT_SECRET).await.ok();
    fake.revoke_tokens_at(3);
    let log = cli.scratch().join("run.log");
    let run = cli
        .cmd([
            "run",
            "--once",
            "--no-sync",
            "--batch-events",
            "5000",
            "--log-file",
        ])
        .arg(log.display().to_string())
        .run()
        .await;
    run.ok();
    assert_eq!(fake.violations(), Vec::<String>::new());
    let events = stored(&cli);
    let received = fake.received_events();
    let got: Vec<&str> = received.iter().map(|r| r.key.as_str()).collect();
    let want: Vec<&str> = events.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(got, want, "every event exactly once, in commit order");
    for (r, e) in received.iter().zip(&events) {
        let raw: Value = serde_json::from_str(&e.raw).unwrap();
        assert_eq!(r.payload["RawEvent"], raw);
        assert_eq!(r.payload["RecordType"], "event");
        assert_eq!(r.payload["OwnCall"], e.own_call);
        assert_eq!(r.payload["Connection"], "acme");
        assert_eq!(r.payload["SystemAccount"], raw["systemAccount"]);
    }
    // The alerts the sync raised come after the events, in the same columns.
    let all = fake.received();
    assert!(
        all[events.len()..]
            .iter()
            .all(|r| r.payload["RecordType"] == "alert" && r.key.starts_with("alert:"))
    );
    assert_eq!(fake.token_requests(), 2, "one token, and one after the 401");
    assert!(
        fake.max_body() > SENTINEL_MAX_BODY / 2 && fake.max_body() <= SENTINEL_MAX_BODY,
        "calls are filled up to the limit: {}",
        fake.max_body()
    );
    let log = std::fs::read_to_string(&log).unwrap();
    let mut secrets = vec![CLIENT_SECRET.to_string()];
    secrets.extend(fake.issued_tokens());
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret_anywhere(&cli, &secrets, &[log]);
    assert!(
        cli.keyring("acme", "forward-tokens")
            .is_some_and(|t| t.contains(CLIENT_SECRET)),
        "the secret is in the credential store"
    );
}

/// Settings Sentinel refuses, each with what to change: a wrong client secret (Entra ID's
/// invalid_client), an app without the role on the rule (403), a batch the rule refuses (400:
/// reported once, not retried, the cursor unmoved).
#[tokio::test(flavor = "multi_thread")]
async fn sentinel_refusals_say_what_to_fix_and_are_not_retried() {
    let (_tenant, cli) = synced(1_000).await;
    let fake = HttpFake::sentinel(CLIENT_SECRET).await;
    let wrong = "Xq8~a-wrong-secret-also-never-shown";
    add_sentinel(&cli, &fake, wrong).await.ok();
    let run = cli.cmd(["forward", "test", "acme", "sentinel"]).run().await;
    let p = run.error(1, "forward.sentinel_secret_rejected");
    assert_mentions(&p.fix, "Certificates & secrets", &run);
    assert_eq!(fake.requests(), 0, "nothing sent without a token");
    cli.cmd(["forward", "remove", "acme", "sentinel"])
        .run()
        .await
        .ok();
    add_sentinel(&cli, &fake, CLIENT_SECRET).await.ok();
    fake.set(Behaviour::Status(403, None));
    let run = cli.cmd(["forward", "test", "acme", "sentinel"]).run().await;
    let p = run.error(1, "forward.sentinel_forbidden");
    assert_mentions(&p.fix, "Monitoring Metrics Publisher", &run);
    fake.set(Behaviour::Status(400, None));
    let before = fake.requests();
    let run = cli.cmd(["run", "--once", "--no-sync"]).run().await;
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(
        run.json()["forward_failed"][0]["code"],
        "forward.refused",
        "{run}"
    );
    assert_eq!(
        fake.requests(),
        before + 1,
        "a refused batch is not sent again"
    );
    let list = cli.cmd(["forward", "list", "acme"]).run().await.ok();
    let d = &list["destinations"][0];
    assert_eq!(d["delivered"], 0, "{list}");
    assert_eq!(d["kind"], "sentinel", "{list}");
    assert_eq!(d["last_error"]["code"], "forward.refused", "{list}");
    fake.set(Behaviour::Accept);
    cli.cmd(["run", "--once", "--no-sync"]).run().await.ok();
    assert_eq!(fake.received_events().len(), stored(&cli).len());
    assert_eq!(fake.violations(), Vec::<String>::new());
    let mut secrets = vec![CLIENT_SECRET.to_string(), wrong.to_string()];
    secrets.extend(fake.issued_tokens());
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret_anywhere(&cli, &secrets, &[]);
}

/// The size: a 200,000-event backfill, then `run --once`: each event arrives once at a
/// receiver that stays up, with its key, the raw event and the own-call flag.
#[tokio::test(flavor = "multi_thread")]
async fn every_event_of_a_backfill_arrives_exactly_once_at_hec() {
    let (_tenant, cli) = synced(200_000).await;
    let fake = HttpFake::hec(HEC_TOKEN).await;
    add_hec(&cli, &fake).await;
    let started = std::time::Instant::now();
    let run = cli.cmd(["run", "--once", "--no-sync"]).run().await;
    let elapsed = started.elapsed();
    run.ok();
    let events = stored(&cli);
    assert!(events.len() > 150_000, "{} events stored", events.len());
    let received = fake.received_events();
    assert_eq!(fake.violations(), Vec::<String>::new());
    assert_eq!(received.len(), events.len(), "each event exactly once");
    let by_key: HashMap<&str, &PendingEvent> = events.iter().map(|e| (e.key.as_str(), e)).collect();
    let mut seen = HashSet::new();
    for r in &received {
        assert!(seen.insert(r.key.clone()), "{} arrived twice", r.key);
        let e = by_key
            .get(r.key.as_str())
            .unwrap_or_else(|| panic!("unknown key {}", r.key));
        let raw: Value = serde_json::from_str(&e.raw).unwrap();
        assert_eq!(r.payload["workday"], raw);
        assert_eq!(r.payload["event_key"], r.key.as_str());
        assert_eq!(r.payload["own_call"], e.own_call);
    }
    let status = cli.cmd(["status"]).run().await.ok();
    let f = &status["connections"][0]["forwarding"][0];
    assert_eq!(f["pending"], 0, "{status}");
    assert_eq!(f["delivered"], events.len() as u64, "{status}");
    assert_no_token_anywhere(&cli, &[]);
    assert_eq!(
        fake.auth_headers(),
        HashSet::from([format!("Splunk {HEC_TOKEN}")])
    );
    eprintln!(
        "forwarded {} events to the HEC fake in {:.1}s ({:.0} events/s, debug build)",
        events.len(),
        elapsed.as_secs_f64(),
        events.len() as f64 / elapsed.as_secs_f64()
    );
}

/// An OpenTelemetry logs receiver over OTLP/HTTP, in JSON (the default) and in protobuf: every
/// stored event arrives exactly once, in commit order, as a log record carrying its key, the
/// event and the bearer token only in its header.
#[tokio::test(flavor = "multi_thread")]
async fn every_event_arrives_once_at_an_otlp_receiver_in_json_and_in_protobuf() {
    const OTLP_TOKEN: &str = "otlp-bearer-token-never-shown-5c1a";
    let (_tenant, cli) = synced(20_000).await;
    let json_fake = HttpFake::otlp(OTLP_TOKEN).await;
    let proto_fake = HttpFake::otlp(OTLP_TOKEN).await;
    for (name, url) in [
        ("otel-json", json_fake.url()),
        (
            "otel-proto",
            format!("{}?encoding=protobuf", proto_fake.url()),
        ),
    ] {
        cli.cmd([
            "forward",
            "add",
            "acme",
            "--name",
            name,
            "--to",
            &url,
            "--token-stdin",
        ])
        .input(OTLP_TOKEN)
        .run()
        .await
        .ok();
    }
    cli.cmd(["run", "--once", "--no-sync"]).run().await.ok();
    let events = stored(&cli);
    assert!(events.len() > 15_000, "{} events stored", events.len());
    for fake in [&json_fake, &proto_fake] {
        assert_eq!(fake.violations(), Vec::<String>::new());
        let received = fake.received_events();
        let keys: Vec<&str> = received.iter().map(|r| r.key.as_str()).collect();
        let want: Vec<&str> = events.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, want, "every event once, in commit order");
        for (r, e) in received.iter().zip(&events) {
            let raw: Value = serde_json::from_str(&e.raw).unwrap();
            assert_eq!(r.payload["workday"], raw);
            assert_eq!(r.payload["own_call"], e.own_call);
        }
        assert_eq!(
            fake.auth_headers(),
            HashSet::from([format!("Bearer {OTLP_TOKEN}")])
        );
    }
    assert_no_secret_anywhere(&cli, &[OTLP_TOKEN], &[]);
}

/// The receiver takes a batch and hangs up without answering, then drops connections, then
/// answers 503 with Retry-After, then comes back: every event arrives, in commit order, and the
/// only duplicates are of the batch it never acknowledged.
#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_down_for_a_while_gets_everything_in_order_with_its_key() {
    let (_tenant, cli) = synced(20_000).await;
    let fake = HttpFake::hec(HEC_TOKEN).await;
    add_hec(&cli, &fake).await;
    let log = cli.scratch().join("run.log");
    let control = {
        let fake = fake.clone();
        async move {
            while fake.received_events().len() < 2_000 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let requests = fake.requests();
            fake.set(Behaviour::TakeAndHangUp);
            while fake.requests() == requests {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            fake.set(Behaviour::DropConnections);
            tokio::time::sleep(Duration::from_secs(3)).await;
            fake.set(Behaviour::Status(503, Some(1)));
            tokio::time::sleep(Duration::from_secs(2)).await;
            fake.set(Behaviour::Accept);
        }
    };
    let run = cli
        .cmd([
            "run",
            "--once",
            "--no-sync",
            "--batch-events",
            "200",
            "--log-file",
        ])
        .arg(log.display().to_string());
    let (run, ()) = tokio::join!(run.run(), control);
    run.ok();
    let events = stored(&cli);
    let received = fake.received_events();
    assert_eq!(fake.violations(), Vec::<String>::new());
    // In commit order, each first arrival.
    let mut seen = HashSet::new();
    let first: Vec<&str> = received
        .iter()
        .filter(|r| seen.insert(r.key.clone()))
        .map(|r| r.key.as_str())
        .collect();
    let order: Vec<&str> = events.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(first, order, "every event, in commit order");
    let unacknowledged: HashSet<&str> = received
        .iter()
        .filter(|r| r.unacknowledged)
        .map(|r| r.key.as_str())
        .collect();
    assert!(!unacknowledged.is_empty() && unacknowledged.len() <= 200);
    let mut count: HashMap<&str, usize> = HashMap::new();
    for r in &received {
        *count.entry(r.key.as_str()).or_default() += 1;
    }
    for (key, n) in count {
        assert!(
            n == 1 || (n == 2 && unacknowledged.contains(key)),
            "{key} arrived {n} times"
        );
    }
    let log = std::fs::read_to_string(&log).unwrap();
    assert_mentions(&log, "retrying", &run);
    assert_mentions(&log, "forward.server_error", &run);
    assert_no_token_anywhere(&cli, &[log]);
}

/// `wdconnect run` killed with SIGKILL at three random moments while it forwards, then one
/// `run --once`: the receiver ends with every event.
#[tokio::test(flavor = "multi_thread")]
async fn a_forwarder_killed_three_times_resumes_and_delivers_every_event() {
    let (_tenant, cli) = synced(20_000).await;
    let fake = HttpFake::hec(HEC_TOKEN).await;
    add_hec(&cli, &fake).await;
    let mut seed = u64::from(std::process::id()) ^ Utc::now().timestamp_subsec_nanos() as u64;
    let mut kills = 0;
    for _ in 0..3 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let after = Duration::from_millis(100 + (seed >> 33) % 1500);
        let mut child = tokio::process::Command::from(e2e::command("wdconnect"))
            .arg("--home")
            .arg(e2e::native_path(cli.home()))
            .args(["run", "--no-sync", "--batch-events", "100"])
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env_remove("WDCONNECT_HOME")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("wdconnect starts");
        tokio::time::sleep(after).await;
        if child.try_wait().expect("a status").is_none() {
            child.start_kill().expect("SIGKILL");
            kills += 1;
        }
        let _ = child.wait().await;
    }
    assert!(kills > 0, "the runs ended before any kill");
    cli.cmd(["run", "--once", "--no-sync"]).run().await.ok();
    let events = stored(&cli);
    let got: HashSet<String> = fake.received_events().into_iter().map(|r| r.key).collect();
    let want: HashSet<String> = events.into_iter().map(|e| e.key).collect();
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want, "every event arrived");
}

/// A real rsyslog with TLS (a CA made now): every event arrives once, as JSON with its key.
#[tokio::test(flavor = "multi_thread")]
async fn syslog_over_tls_reaches_rsyslog_with_every_event() {
    assert!(
        Rsyslog::available(),
        "rsyslogd is missing: run the README's setup command"
    );
    let ca = TestCa::new(&["localhost"]);
    let rsyslog = Rsyslog::start_tls(&ca);
    let (_tenant, cli) = synced(20_000).await;
    let ca_file = cli.scratch().join("ca.pem");
    std::fs::write(&ca_file, &ca.ca_pem).unwrap();
    let to = format!("syslog+tls://localhost:{}", rsyslog.port);
    cli.cmd([
        "forward", "add", "acme", "--name", "rsyslog", "--to", &to, "--ca",
    ])
    .arg(ca_file.display().to_string())
    .run()
    .await
    .ok();
    cli.cmd(["forward", "test", "acme", "rsyslog"])
        .run()
        .await
        .ok();
    cli.cmd(["run", "--once", "--no-sync"]).run().await.ok();
    let events = stored(&cli);
    // rsyslog writes its file a little after it read the stream.
    let mut lines = Vec::new();
    for _ in 0..600 {
        lines = rsyslog.lines();
        if lines.len() > events.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let payloads: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        // The alerts the sync raised follow the events; they have a test of their own.
        .filter(|p: &Value| p["record_type"] != "alert")
        .collect();
    let test_events = payloads
        .iter()
        .filter(|p| p["workday"]["test"] == true)
        .count();
    assert_eq!(test_events, 1, "the test event");
    let keys: Vec<&str> = payloads
        .iter()
        .filter(|p| p["workday"]["test"] != true)
        .map(|p| p["event_key"].as_str().expect("a key"))
        .collect();
    let want: Vec<&str> = events.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, want, "every event once, in commit order");
}

/// The receiver's certificate is signed by another CA, or names another host: `forward test`
/// fails with the fix, and nothing reaches the receiver.
#[tokio::test(flavor = "multi_thread")]
async fn tls_with_a_wrong_ca_or_host_name_is_refused_with_a_fix() {
    assert!(
        Rsyslog::available(),
        "rsyslogd is missing: run the README's setup command"
    );
    let ca = TestCa::new(&["localhost"]);
    let other = TestCa::new(&["localhost"]);
    let rsyslog = Rsyslog::start_tls(&ca);
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    let right = cli.scratch().join("right.pem");
    let wrong = cli.scratch().join("wrong.pem");
    std::fs::write(&right, &ca.ca_pem).unwrap();
    std::fs::write(&wrong, &other.ca_pem).unwrap();
    let port = rsyslog.port;
    for (name, to, ca_file, code, fix) in [
        (
            "wrong-ca",
            format!("syslog+tls://localhost:{port}"),
            &wrong,
            "forward.tls_untrusted",
            "--ca",
        ),
        (
            "wrong-name",
            format!("syslog+tls://127.0.0.1:{port}"),
            &right,
            "forward.tls_wrong_name",
            "host name",
        ),
    ] {
        cli.cmd([
            "forward", "add", "acme", "--name", name, "--to", &to, "--ca",
        ])
        .arg(ca_file.display().to_string())
        .run()
        .await
        .ok();
        let run = cli.cmd(["forward", "test", "acme", name]).run().await;
        let p = run.error(1, code);
        assert_mentions(&p.fix, fix, &run);
    }
    assert!(rsyslog.lines().is_empty(), "nothing got through");
}

/// Elasticsearch `_bulk` with an API key: ECS documents, the event key as `_id`, the app's own
/// API calls included and flagged; a second destination refusing with 400 stops at its first
/// batch, reported, its cursor unmoved, and not retried forever, while the good one delivers
/// everything.
#[tokio::test(flavor = "multi_thread")]
async fn elastic_gets_every_event_and_a_refusing_receiver_is_reported_not_retried() {
    // Own calls are logged now; with no publishing lag the sync after them stores them.
    let _tenant = Tenant::start_with(|c| {
        c.events = 5_000;
        c.switches.publish_lag_max_secs = 0;
    })
    .await;
    let cli = Cli::new();
    cli.add("acme", &_tenant).await;
    cli.connect("acme").await;
    super::activity::set_publish_lag(&cli, "acme", 0);
    cli.test("acme").await.ok();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    cli.cmd(["sync", "acme", "--once"]).run().await.ok();
    let elastic = HttpFake::elastic("ZXM6YXBpLWtleQ==", "workday-activity").await;
    cli.cmd([
        "forward",
        "add",
        "acme",
        "--name",
        "es",
        "--to",
        &elastic.url(),
        "--token-stdin",
    ])
    .input("ZXM6YXBpLWtleQ==")
    .run()
    .await
    .ok();
    let refusing = HttpFake::hec(HEC_TOKEN).await;
    refusing.set(Behaviour::Status(400, None));
    add_hec(&cli, &refusing).await;
    let run = cli.cmd(["run", "--once", "--no-sync"]).run().await;
    assert_eq!(run.code, 1, "a destination refused:\n{run}");
    let report = run.json();
    assert_eq!(
        report["forward_failed"][0]["code"], "forward.refused",
        "{run}"
    );
    assert_eq!(refusing.requests(), 1, "a refused batch is not sent again");
    let events = stored(&cli);
    let got: Vec<String> = elastic
        .received_events()
        .into_iter()
        .map(|r| r.key)
        .collect();
    let want: Vec<String> = events.iter().map(|e| e.key.clone()).collect();
    assert_eq!(got, want);
    assert_eq!(elastic.violations(), Vec::<String>::new());
    let doc = &elastic.received_events()[0].payload;
    assert!(
        doc["@timestamp"].is_string() && doc["event"]["kind"] == "event",
        "{doc}"
    );
    let own: Vec<bool> = elastic
        .received_events()
        .iter()
        .map(|r| r.payload["labels"]["own_call"] == true)
        .collect();
    let want_own: Vec<bool> = events.iter().map(|e| e.own_call).collect();
    assert_eq!(own, want_own, "the own-call flag travels with each event");
    assert!(
        own.iter().any(|o| *o),
        "the app's own calls are forwarded too"
    );
    let list = cli.cmd(["forward", "list", "acme"]).run().await.ok();
    let splunk = list["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "splunk")
        .cloned()
        .unwrap();
    assert_eq!(splunk["delivered"], 0, "{list}");
    assert_eq!(splunk["pending"], events.len() as u64, "{list}");
    assert_eq!(splunk["last_error"]["code"], "forward.refused", "{list}");
}

/// SIGTERM while `wdconnect run` forwards: it finishes the batch in flight, exits 0, and its
/// cursor covers exactly what the receiver acknowledged; the next run sends the rest.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_run_cleanly_after_the_batch_in_flight() {
    if e2e::target_is_windows() {
        // Windows has no SIGTERM (a service is stopped through the service manager).
        eprintln!("not run for a Windows wdconnect: SIGTERM is a Unix signal");
        return;
    }
    let (_tenant, cli) = synced(20_000).await;
    let fake = HttpFake::hec(HEC_TOKEN).await;
    add_hec(&cli, &fake).await;
    let log = cli.scratch().join("run.log");
    let mut child = tokio::process::Command::from(e2e::command("wdconnect"))
        .arg("--home")
        .arg(e2e::native_path(cli.home()))
        .args(["run", "--no-sync", "--batch-events", "100", "--log-file"])
        .arg(&log)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("WDCONNECT_HOME")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("wdconnect starts");
    while fake.received_events().len() < 1_000 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pid = child.id().expect("running").to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("it stops soon after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let log = std::fs::read_to_string(&log).unwrap();
    assert_mentions(&log, "SIGTERM", &log);
    let list = cli.cmd(["forward", "list", "acme"]).run().await.ok();
    let delivered = list["destinations"][0]["delivered"].as_u64().unwrap();
    assert_eq!(delivered as usize, fake.received_events().len(), "{list}");
    let events = stored(&cli);
    assert!(
        fake.received_events().len() < events.len(),
        "stopped before the end"
    );
    cli.cmd(["run", "--once", "--no-sync"]).run().await.ok();
    let got: Vec<String> = fake.received_events().into_iter().map(|r| r.key).collect();
    let want: Vec<String> = events.into_iter().map(|e| e.key).collect();
    assert_eq!(got, want, "every event once, in order, across the stop");
}

/// A tenant whose log holds a user in Germany then Japan 20 minutes later, and an integration
/// system user at a browser: the sync raises their alerts. `run --once` sends every event, then
/// every alert, flagged as one (`record_type: alert`), keyed
/// `alert:EPISODE`, with its rule, severity, user and the keys of its events; a second run
/// sends nothing again.
#[tokio::test(flavor = "multi_thread")]
async fn alerts_arrive_at_hec_after_the_events_once() {
    let tenant = Tenant::start_with(|c| c.events = 5_000).await;
    let now = Utc::now();
    let browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0";
    let event = |at: chrono::DateTime<Utc>, user: &str, ip: &str| {
        serde_json::json!({
            "requestTime": at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            "systemAccount": user,
            "ipAddress": ip,
            "taskDisplayName": "View Worker",
            "activityAction": "READ",
            "deviceType": "Desktop",
            "userAgent": browser,
            "sessionId": format!("s-{user}"),
        })
    };
    let first = now - chrono::Duration::hours(5);
    let later = first + chrono::Duration::minutes(20);
    let isu = now - chrono::Duration::hours(4);
    tenant
        .sim
        .log_event(first, event(first, "travel.test", "80.128.0.1"));
    tenant
        .sim
        .log_event(later, event(later, "travel.test", "126.0.0.1"));
    tenant
        .sim
        .log_event(isu, event(isu, "ISU_Payroll", "10.0.0.5"));
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    cli.cmd(["sync", "acme", "--once", "--backfill-days", "8"])
        .run()
        .await
        .ok();
    let alerts = cli
        .cmd(["alerts", "acme", "--status", "all"])
        .run()
        .await
        .ok()["alerts"]
        .as_array()
        .unwrap()
        .clone();
    assert!(alerts.len() >= 2, "{alerts:?}");
    let fake = HttpFake::hec(HEC_TOKEN).await;
    add_hec(&cli, &fake).await;
    cli.cmd(["run", "--once", "--no-sync"]).run().await.ok();
    assert_eq!(fake.violations(), Vec::<String>::new());
    let events = stored(&cli);
    let received = fake.received();
    assert_eq!(received.len(), events.len() + alerts.len());
    let (sent_events, sent_alerts) = received.split_at(events.len());
    let got: Vec<&str> = sent_events.iter().map(|r| r.key.as_str()).collect();
    let want: Vec<&str> = events.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(got, want, "every event first, once, in commit order");
    assert!(
        sent_events
            .iter()
            .all(|r| r.payload["record_type"] == "event")
    );
    let event_keys: HashSet<&str> = want.iter().copied().collect();
    let mut alert_keys = HashSet::new();
    for r in sent_alerts {
        assert_eq!(r.payload["record_type"], "alert", "{}", r.payload);
        assert!(r.key.starts_with("alert:"), "{}", r.key);
        assert!(alert_keys.insert(r.key.clone()), "{} twice", r.key);
        let a = &r.payload["alert"];
        for field in ["rule", "severity", "summary", "time"] {
            assert!(a[field].is_string(), "{field} in {a}");
        }
        let keys = a["event_keys"].as_array().unwrap();
        assert!(!keys.is_empty(), "{a}");
        for k in keys {
            assert!(event_keys.contains(k.as_str().unwrap()), "{k} was sent");
        }
    }
    // In alert-id order, the ones the alerts command lists (newest first).
    let ids: Vec<i64> = sent_alerts
        .iter()
        .map(|r| r.payload["alert"]["id"].as_i64().unwrap())
        .collect();
    let mut want_ids: Vec<i64> = alerts.iter().map(|a| a["id"].as_i64().unwrap()).collect();
    want_ids.sort_unstable();
    assert_eq!(ids, want_ids);
    let travel = sent_alerts
        .iter()
        .find(|r| r.payload["alert"]["rule"] == "impossible_travel")
        .expect("the travel alert");
    assert_eq!(travel.payload["alert"]["user"], "travel.test");
    assert_eq!(travel.payload["alert"]["severity"], "high");
    assert_eq!(
        travel.payload["alert"]["event_keys"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    cli.cmd(["run", "--once", "--no-sync"]).run().await.ok();
    assert_eq!(fake.received().len(), received.len(), "nothing sent twice");
    let list = cli.cmd(["forward", "list", "acme"]).run().await.ok();
    let d = &list["destinations"][0];
    assert_eq!(d["alerts_delivered"], alerts.len() as u64, "{list}");
    assert_eq!(d["alerts_pending"], 0, "{list}");
    assert_eq!(d["pending"], 0, "{list}");
}

/// Splunk HEC with indexer acknowledgement (`?ack=true`): every request on one channel (a
/// UUID), and a batch counts as delivered only once `/services/collector/ack` confirmed its
/// ackId (the fake confirms at the second poll). Every event arrives exactly once, in commit
/// order, and every record the receiver holds was confirmed.
#[tokio::test(flavor = "multi_thread")]
async fn hec_with_ack_counts_a_batch_only_once_splunk_confirmed_it() {
    let (_tenant, cli) = synced(5_000).await;
    let fake = HttpFake::hec_ack(HEC_TOKEN).await;
    cli.cmd([
        "forward",
        "add",
        "acme",
        "--name",
        "splunk",
        "--to",
        &format!("{}?ack=true", fake.url()),
        "--token-stdin",
    ])
    .input(HEC_TOKEN)
    .run()
    .await
    .ok();
    let run = cli
        .cmd(["run", "--once", "--no-sync", "--batch-events", "500"])
        .run()
        .await;
    let report = run.ok();
    assert_eq!(fake.violations(), Vec::<String>::new());
    let events = stored(&cli);
    let got: Vec<String> = fake.received_events().into_iter().map(|r| r.key).collect();
    let want: Vec<String> = events.iter().map(|e| e.key.clone()).collect();
    assert_eq!(got, want, "every event exactly once, in commit order");
    assert!(
        fake.received().iter().all(|r| !r.unacknowledged),
        "every record was confirmed before the cursor moved past it"
    );
    assert_eq!(fake.channels().len(), 1, "one channel for the destination");
    let batches = fake.requests();
    assert!(batches >= events.len() / 500, "{report}");
    assert_eq!(
        fake.ack_polls(),
        2 * batches,
        "each ackId polled until confirmed"
    );
    assert_no_token_anywhere(&cli, &[]);
}
