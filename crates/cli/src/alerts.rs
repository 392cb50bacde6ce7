//! `wdconnect alerts NAME` (filters; table, CSV, NDJSON or `--json`) and `wdconnect alerts
//! dismiss|reopen NAME ID`.

use chrono::Utc;
use connector::activity::store::{Alert, AlertFilter, AlertStatus};
use connector::connections::{Connector, ConnectorError};
use connector::detections::Severity;
use serde::Serialize;

use crate::activity::usage;
use crate::args::{AlertStatusArg, AlertsAction, AlertsArgs, EventFormat};
use crate::output::{self, EXIT_OK};

/// An alert as `--json`, CSV and NDJSON give it.
#[derive(Debug, Serialize)]
struct AlertRow<'a> {
    id: i64,
    rule: &'a str,
    severity: &'a str,
    status: &'a str,
    user: Option<&'a str>,
    time: String,
    summary: &'a str,
    country: Option<&'a str>,
    ip: Option<&'a str>,
    event_count: u64,
}

fn row(a: &Alert) -> AlertRow<'_> {
    AlertRow {
        id: a.id,
        rule: &a.rule,
        severity: &a.severity,
        status: a.status.as_str(),
        user: a.user.as_deref(),
        time: a.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        summary: &a.summary,
        country: a.country.as_deref(),
        ip: a.ip.as_deref(),
        event_count: a.event_count,
    }
}

fn filter(args: &AlertsArgs) -> Result<AlertFilter, ConnectorError> {
    let since = args
        .since
        .as_ref()
        .map(|t| {
            crate::activity::parse_time(t, Utc::now()).ok_or_else(|| {
                usage(
                    "input.bad_time",
                    format!("--since {t:?} is not a time."),
                    "Give an RFC 3339 time like 2026-04-17T08:00:00Z, or a span before now like \
                     30m, 2h or 7d.",
                )
            })
        })
        .transpose()?;
    let severity = args
        .severity
        .as_ref()
        .map(|s| {
            Severity::parse(s)
                .map(|s| s.as_str().to_string())
                .ok_or_else(|| {
                    usage(
                        "input.bad_severity",
                        format!("--severity {s:?} is not a severity."),
                        "Use low, medium or high.",
                    )
                })
        })
        .transpose()?;
    Ok(AlertFilter {
        since,
        rule: args.rule.clone(),
        severity,
        status: match args.status {
            AlertStatusArg::Open => Some(AlertStatus::Open),
            AlertStatusArg::Dismissed => Some(AlertStatus::Dismissed),
            AlertStatusArg::All => None,
        },
        ..AlertFilter::default()
    })
}

pub async fn run(
    connector: &Connector,
    action: Option<AlertsAction>,
    name: Option<String>,
    args: &AlertsArgs,
    json: bool,
) -> u8 {
    let result = match action {
        Some(AlertsAction::Dismiss { name, id }) => {
            set(connector, &name, id, AlertStatus::Dismissed, json)
        }
        Some(AlertsAction::Reopen { name, id }) => {
            set(connector, &name, id, AlertStatus::Open, json)
        }
        None => list(connector, name.as_deref().unwrap_or_default(), args, json).await,
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => output::failure(json, &e),
    }
}

fn set(
    connector: &Connector,
    name: &str,
    id: i64,
    status: AlertStatus,
    json: bool,
) -> Result<(), ConnectorError> {
    let alert = connector.set_alert_status(name, id, status)?;
    if json {
        output::print_json(&serde_json::json!({ "alert": row(&alert) }));
    } else {
        println!(
            "Alert {} is {}: {}",
            alert.id,
            alert.status.as_str(),
            alert.summary
        );
    }
    Ok(())
}

async fn list(
    connector: &Connector,
    name: &str,
    args: &AlertsArgs,
    json: bool,
) -> Result<(), ConnectorError> {
    let filter = filter(args)?;
    let alerts = connector.alerts(name, filter).await?;
    if json {
        let rows: Vec<AlertRow<'_>> = alerts.iter().map(row).collect();
        output::print_json(&serde_json::json!({ "alerts": rows }));
        return Ok(());
    }
    match args.format {
        EventFormat::Ndjson => {
            for a in &alerts {
                println!("{}", serde_json::to_string(&row(a)).expect("serialises"));
            }
        }
        EventFormat::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout().lock());
            let header = [
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
            ];
            let _ = w.write_record(header);
            for a in &alerts {
                let r = row(a);
                let _ = w.write_record([
                    r.id.to_string(),
                    r.rule.to_string(),
                    r.severity.to_string(),
                    r.status.to_string(),
                    r.user.unwrap_or_default().to_string(),
                    r.time,
                    r.summary.to_string(),
                    r.country.unwrap_or_default().to_string(),
                    r.ip.unwrap_or_default().to_string(),
                    r.event_count.to_string(),
                ]);
            }
            let _ = w.flush();
        }
        EventFormat::Table => {
            if alerts.is_empty() {
                println!("No alerts match.");
                return Ok(());
            }
            println!(
                "{:>5}  {:<20}  {:<6}  {:<18}  {:<16}  {:<2}  {:>6}  SUMMARY",
                "ID", "TIME (UTC)", "SEV", "RULE", "USER", "CC", "EVENTS"
            );
            for a in &alerts {
                println!(
                    "{:>5}  {:<20}  {:<6}  {:<18}  {:<16}  {:<2}  {:>6}  {}",
                    a.id,
                    a.time.format("%Y-%m-%d %H:%M:%S"),
                    a.severity,
                    a.rule,
                    a.user.as_deref().unwrap_or("-"),
                    a.country.as_deref().unwrap_or("-"),
                    a.event_count,
                    a.summary
                );
            }
        }
    }
    Ok(())
}
