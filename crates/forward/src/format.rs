//! How a record is written: JSON (the event with its key and origin), CEF (ArcSight's
//! `CEF:0|...` line, what most SIEMs' syslog parsers know), or ECS field names (Elastic Common
//! Schema). Every format carries the stable event key and the own-call flag, and says whether
//! the record is an event or an alert (`record_type`; ECS `event.kind: alert`; CEF `cat=alert`).

use std::net::IpAddr;

use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{Record, RecordKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Cef,
    Ecs,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        match text.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "cef" => Some(Format::Cef),
            "ecs" => Some(Format::Ecs),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Cef => "cef",
            Format::Ecs => "ecs",
        }
    }
}

const VENDOR: &str = "Workday Connector";
const PRODUCT: &str = "wdconnect";
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn text<'a>(event: &'a Value, field: &str) -> Option<&'a str> {
    event
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn time_text(r: &Record) -> Option<String> {
    r.time
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// An alert's severity (`low`, `medium`, `high`) as a rank 0 to 2; anything else is medium.
pub fn alert_rank(r: &Record) -> usize {
    match text(&r.event, "severity") {
        Some("low") => 0,
        Some("high") => 2,
        _ => 1,
    }
}

/// The record as JSON: the event under `workday` (an alert under `alert`), with its key,
/// connection, own-call flag and `record_type`.
pub fn json(r: &Record) -> Value {
    let mut v = json!({
        "record_type": r.kind.name(),
        "event_key": r.key,
        "connection": r.connection,
        "own_call": r.own_call,
        "time": time_text(r),
    });
    let field = match r.kind {
        RecordKind::Event => "workday",
        RecordKind::Alert => "alert",
    };
    v[field] = r.event.clone();
    v
}

/// An alert with ECS names: `event.kind: alert`, the rule as `rule.name`, the severity as
/// `event.severity` (21, 47, 73), the summary as `message`; the alert itself under `alert`.
fn ecs_alert(r: &Record) -> Value {
    let a = &r.event;
    let mut doc = json!({
        "@timestamp": time_text(r),
        "message": text(a, "summary"),
        "event": {
            "id": r.key,
            "kind": "alert",
            "category": ["authentication"],
            "type": ["info"],
            "severity": ([21, 47, 73][alert_rank(r)]),
            "provider": "workday",
            "dataset": "workday.alert",
            "module": "workday",
        },
        "rule": { "name": text(a, "rule") },
        "user": { "name": text(a, "user") },
        "labels": {
            "connection": r.connection,
            "own_call": r.own_call,
        },
        "alert": a,
    });
    if let Some(ip) = text(a, "ip").filter(|ip| ip.parse::<IpAddr>().is_ok()) {
        doc["source"] = json!({ "ip": ip });
    }
    if let Some(c) = text(a, "country") {
        doc["source"]["geo"] = json!({ "country_iso_code": c });
    }
    doc
}

/// The record with Elastic Common Schema field names; the event itself stays under `workday`.
pub fn ecs(r: &Record) -> Value {
    if r.kind == RecordKind::Alert {
        return ecs_alert(r);
    }
    let e = &r.event;
    let action = text(e, "activityAction");
    let mut doc = json!({
        "@timestamp": time_text(r),
        "event": {
            "id": r.key,
            "kind": "event",
            "category": ["web"],
            "type": [match action { Some("WRITE") => "change", _ => "access" }],
            "action": text(e, "taskDisplayName"),
            "provider": "workday",
            "dataset": "workday.activity",
            "module": "workday",
        },
        "user": { "name": text(e, "systemAccount") },
        "user_agent": { "original": text(e, "userAgent") },
        "labels": {
            "connection": r.connection,
            "own_call": r.own_call,
        },
        "workday": e,
    });
    if let Some(ip) = text(e, "ipAddress").filter(|ip| ip.parse::<IpAddr>().is_ok()) {
        doc["source"] = json!({ "ip": ip });
    }
    if let Some(s) = text(e, "sessionId") {
        doc["session"] = json!({ "id": s });
    }
    doc
}

/// CEF header fields escape `\` and `|`; one line always.
fn cef_header(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

/// CEF extension values escape `\` and `=`, and newlines as `\n`.
fn cef_value(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('=', "\\=")
        .replace("\r\n", "\\n")
        .replace(['\r', '\n'], "\\n")
}

/// An alert as one CEF line: signature = the rule, name = the summary, severity 3, 6 or 8,
/// `cat=alert`, and the keys of its events in `cs6`.
fn cef_alert(r: &Record) -> String {
    let a = &r.event;
    let rule = text(a, "rule").unwrap_or("alert");
    let name = text(a, "summary").unwrap_or("Workday Connector alert");
    let mut ext: Vec<(&str, String)> = Vec::new();
    if let Some(t) = r.time {
        ext.push(("rt", t.timestamp_millis().to_string()));
    }
    ext.push(("externalId", r.key.clone()));
    ext.push(("cat", "alert".into()));
    if let Some(u) = text(a, "user") {
        ext.push(("suser", u.to_string()));
    }
    if let Some(ip) = text(a, "ip").filter(|ip| ip.parse::<IpAddr>().is_ok()) {
        ext.push(("src", ip.to_string()));
    }
    ext.push(("cs1Label", "connection".into()));
    ext.push(("cs1", r.connection.clone()));
    if let Some(c) = text(a, "country") {
        ext.push(("cs3Label", "country".into()));
        ext.push(("cs3", c.to_string()));
    }
    if let Some(keys) = a.get("event_keys").and_then(Value::as_array) {
        let keys: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
        ext.push(("cs6Label", "eventKeys".into()));
        ext.push(("cs6", keys.join(",")));
    }
    let ext: Vec<String> = ext
        .into_iter()
        .map(|(k, v)| format!("{k}={}", cef_value(&v)))
        .collect();
    format!(
        "CEF:0|{}|{}|{}|{}|{}|{}|{}",
        cef_header(VENDOR),
        cef_header(PRODUCT),
        cef_header(VERSION),
        cef_header(rule),
        cef_header(name),
        [3, 6, 8][alert_rank(r)],
        ext.join(" ")
    )
}

/// The record as one CEF line: signature = the action, name = the task.
pub fn cef(r: &Record) -> String {
    if r.kind == RecordKind::Alert {
        return cef_alert(r);
    }
    let e = &r.event;
    let action = text(e, "activityAction").unwrap_or("OTHER");
    let name = text(e, "taskDisplayName").unwrap_or("Workday activity");
    let severity = if action == "WRITE" { 5 } else { 3 };
    let mut ext: Vec<(&str, String)> = Vec::new();
    if let Some(t) = r.time {
        ext.push(("rt", t.timestamp_millis().to_string()));
    }
    ext.push(("externalId", r.key.clone()));
    if let Some(u) = text(e, "systemAccount") {
        ext.push(("suser", u.to_string()));
    }
    if let Some(ip) = text(e, "ipAddress").filter(|ip| ip.parse::<IpAddr>().is_ok()) {
        ext.push(("src", ip.to_string()));
    }
    if let Some(ua) = text(e, "userAgent") {
        ext.push(("requestClientApplication", ua.to_string()));
    }
    ext.push(("act", action.to_string()));
    ext.push(("cs1Label", "connection".into()));
    ext.push(("cs1", r.connection.clone()));
    ext.push(("cs2Label", "ownCall".into()));
    ext.push(("cs2", r.own_call.to_string()));
    if let Some(s) = text(e, "sessionId") {
        ext.push(("cs3Label", "sessionId".into()));
        ext.push(("cs3", s.to_string()));
    }
    if let Some(d) = text(e, "deviceType") {
        ext.push(("cs4Label", "deviceType".into()));
        ext.push(("cs4", d.to_string()));
    }
    if let Some(t) = e
        .get("target")
        .and_then(|t| t.get("descriptor"))
        .and_then(Value::as_str)
    {
        ext.push(("cs5Label", "target".into()));
        ext.push(("cs5", t.to_string()));
    }
    let ext: Vec<String> = ext
        .into_iter()
        .map(|(k, v)| format!("{k}={}", cef_value(&v)))
        .collect();
    format!(
        "CEF:0|{}|{}|{}|{}|{}|{}|{}",
        cef_header(VENDOR),
        cef_header(PRODUCT),
        cef_header(VERSION),
        cef_header(action),
        cef_header(name),
        severity,
        ext.join(" ")
    )
}

/// The record as the payload text of a line-based transport (syslog).
pub fn line(r: &Record, format: Format) -> String {
    match format {
        Format::Json => json(r).to_string(),
        Format::Ecs => ecs(r).to_string(),
        Format::Cef => cef(r),
    }
}

/// The record as a JSON value for the HTTP transports (CEF travels as a string).
pub fn value(r: &Record, format: Format) -> Value {
    match format {
        Format::Json => json(r),
        Format::Ecs => ecs(r),
        Format::Cef => Value::String(cef(r)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            kind: crate::RecordKind::Event,
            id: 7,
            key: "00ff-1".into(),
            connection: "acme".into(),
            own_call: true,
            time: "2026-04-17T08:00:00.250Z".parse().ok(),
            event: json!({
                "requestTime": "2026-04-17T08:00:00.250Z",
                "systemAccount": "ann|x=y\\z",
                "taskDisplayName": "Find | Workers\nnow",
                "activityAction": "WRITE",
                "ipAddress": "10.1.2.3",
                "userAgent": "curl/8",
                "target": {"descriptor": "Bob = Smith"},
            }),
        }
    }

    #[test]
    fn cef_escapes_header_and_extension_and_carries_the_key() {
        let line = cef(&record());
        assert!(
            line.starts_with("CEF:0|Workday Connector|wdconnect|"),
            "{line}"
        );
        assert!(line.contains("|WRITE|Find \\| Workers now|5|"), "{line}");
        assert!(line.contains("suser=ann|x\\=y\\\\z"), "{line}");
        assert!(line.contains("externalId=00ff-1"), "{line}");
        assert!(
            line.contains("cs2=true") && line.contains("src=10.1.2.3"),
            "{line}"
        );
        assert!(line.contains("cs5=Bob \\= Smith"), "{line}");
        assert!(line.contains("rt=1776412800250"), "{line}");
        assert!(!line.contains('\n'));
    }

    fn alert() -> Record {
        Record {
            kind: RecordKind::Alert,
            id: 3,
            key: "alert:impossible_travel|ann|1".into(),
            connection: "acme".into(),
            own_call: false,
            time: "2026-04-17T08:00:00Z".parse().ok(),
            event: json!({
                "rule": "impossible_travel",
                "severity": "high",
                "summary": "ann in DE then JP",
                "user": "ann",
                "ip": "126.0.0.1",
                "country": "JP",
                "event_keys": ["aa-0", "bb-1"],
            }),
        }
    }

    #[test]
    fn an_alert_says_it_is_one_in_every_format() {
        let a = alert();
        let j = json(&a);
        assert_eq!(j["record_type"], "alert");
        assert_eq!(j["alert"], a.event);
        assert_eq!(j.get("workday"), None);
        let e = ecs(&a);
        assert_eq!(e["event"]["kind"], "alert");
        assert_eq!(e["event"]["id"], a.key.as_str());
        assert_eq!(e["event"]["severity"], 73);
        assert_eq!(e["rule"]["name"], "impossible_travel");
        assert_eq!(e["source"]["geo"]["country_iso_code"], "JP");
        let c = cef(&a);
        assert!(c.contains("|impossible_travel|ann in DE then JP|8|"), "{c}");
        assert!(
            c.contains("cat=alert") && c.contains("cs6=aa-0,bb-1"),
            "{c}"
        );
        assert!(
            c.contains("externalId=alert:impossible_travel|ann|1"),
            "{c}"
        );
        assert_eq!(json(&record())["record_type"], "event");
    }

    #[test]
    fn json_and_ecs_keep_the_event_its_key_and_the_flag() {
        let r = record();
        let j = json(&r);
        assert_eq!(j["event_key"], "00ff-1");
        assert_eq!(j["own_call"], true);
        assert_eq!(j["workday"], r.event);
        let e = ecs(&r);
        assert_eq!(e["event"]["id"], "00ff-1");
        assert_eq!(e["event"]["type"][0], "change");
        assert_eq!(e["user"]["name"], "ann|x=y\\z");
        assert_eq!(e["source"]["ip"], "10.1.2.3");
        assert_eq!(e["labels"]["own_call"], true);
        assert_eq!(e["@timestamp"], "2026-04-17T08:00:00.250Z");
    }
}
