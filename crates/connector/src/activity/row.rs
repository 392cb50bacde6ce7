//! The row an activity event becomes as soon as its page arrives: Workday's fields as columns,
//! its fingerprint, the ordinal that numbers identical twins within one window's answer (for
//! events without a time, the store numbers them instead: see `Store::commit_window_with`),
//! and whether it records one of the connector's own API calls.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::fingerprint::fingerprint_bytes;

/// An event as the store writes it: its key, Workday's fields as columns and the raw JSON text.
/// Built once per event when its page arrives, so a window in flight holds no JSON trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub fingerprint: [u8; 16],
    pub ordinal: u32,
    /// ms since the epoch; None when Workday sent no (readable) requestTime.
    pub request_time: Option<i64>,
    pub system_account: Option<String>,
    pub activity_action: Option<String>,
    pub task_display_name: Option<String>,
    pub task_id: Option<String>,
    pub session_id: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub device_type: Option<String>,
    pub target_id: Option<String>,
    pub target_descriptor: Option<String>,
    pub target_href: Option<String>,
    pub own_call: bool,
    /// The event as Workday sent it (compact JSON).
    pub raw: String,
    /// `request_time` is not Workday's but the start of the window that returned the event
    /// (Workday sent none): see [`EventRow::place_untimed`].
    pub time_estimated: bool,
    /// What the columns do not hold of the event (compact JSON), None when they hold it all:
    /// the store keeps this instead of `raw`, and [`rebuild`] gives the event back exactly.
    pub extra: Option<String>,
}

/// Workday's text fields kept as columns: the event's key, and the key under `target`.
pub const TEXT_FIELDS: [&str; 8] = [
    "systemAccount",
    "activityAction",
    "taskDisplayName",
    "taskId",
    "sessionId",
    "ipAddress",
    "userAgent",
    "deviceType",
];
pub const TARGET_FIELDS: [&str; 3] = ["id", "descriptor", "href"];

/// How the store writes a requestTime it can give back from its column alone (Workday's own
/// form, `2026-04-17T08:02:58.655Z`); any other spelling stays in the event's `extra`.
fn workday_time(ms: i64) -> Option<String> {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// The part of `event` that the columns of its row do not hold: every text field of
/// [`TEXT_FIELDS`] and `target`'s [`TARGET_FIELDS`] goes (an emptied `target` with it), and
/// `requestTime` when `request_time_ms` spells it back identically. None when nothing is left.
/// The store's schema v6 migration applies the same rule in SQL.
pub fn extra_of(event: &Value, request_time: Option<i64>) -> Option<String> {
    let Value::Object(map) = event else {
        return Some(event.to_string());
    };
    let mut rest = map.clone();
    for k in TEXT_FIELDS {
        if rest.get(k).is_some_and(Value::is_string) {
            rest.remove(k);
        }
    }
    if let Some(Value::Object(target)) = rest.get_mut("target") {
        let before = target.len();
        target.retain(|k, v| !(TARGET_FIELDS.contains(&k.as_str()) && v.is_string()));
        if target.is_empty() && before > 0 {
            rest.remove("target");
        }
    }
    if let (Some(Value::String(s)), Some(ms)) = (rest.get("requestTime"), request_time)
        && workday_time(ms).as_deref() == Some(s.as_str())
    {
        rest.remove("requestTime");
    }
    (!rest.is_empty()).then(|| Value::Object(rest).to_string())
}

/// The event as Workday sent it, from its row's columns and `extra` ([`extra_of`]'s inverse).
/// `text` gives the columns of [`TEXT_FIELDS`] in order, `target` those of [`TARGET_FIELDS`];
/// `request_time` is Workday's time (None when the stored time is an estimate).
pub fn rebuild(
    text: [Option<String>; 8],
    target: [Option<String>; 3],
    request_time: Option<i64>,
    extra: Option<&str>,
) -> Value {
    let mut event = match extra.map(serde_json::from_str::<Value>) {
        None => Value::Object(serde_json::Map::new()),
        Some(Ok(v)) => v,
        // Never written by the store; shown rather than lost.
        Some(Err(_)) => Value::String(extra.unwrap_or_default().to_owned()),
    };
    let Value::Object(map) = &mut event else {
        return event;
    };
    for (k, v) in TEXT_FIELDS.iter().zip(text) {
        if let Some(v) = v {
            map.insert((*k).to_owned(), Value::String(v));
        }
    }
    if target.iter().any(Option::is_some) {
        let t = map
            .entry("target")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Value::Object(t) = t {
            for (k, v) in TARGET_FIELDS.iter().zip(target) {
                if let Some(v) = v {
                    t.insert((*k).to_owned(), Value::String(v));
                }
            }
        }
    }
    if !map.contains_key("requestTime")
        && let Some(s) = request_time.and_then(workday_time)
    {
        map.insert("requestTime".to_owned(), Value::String(s));
    }
    event
}

impl EventRow {
    /// The row of one event, ordinal 0 until [`number_twins`] runs over its window.
    pub fn new(event: &Value) -> EventRow {
        let text = |k: &str| event.get(k).and_then(Value::as_str).map(str::to_string);
        let target = |k: &str| {
            event
                .get("target")
                .and_then(|t| t.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let request_time = request_time_ms(event);
        EventRow {
            fingerprint: fingerprint_bytes(event),
            ordinal: 0,
            request_time,
            system_account: text("systemAccount"),
            activity_action: text("activityAction"),
            task_display_name: text("taskDisplayName"),
            task_id: text("taskId"),
            session_id: text("sessionId"),
            ip_address: text("ipAddress"),
            user_agent: text("userAgent"),
            device_type: text("deviceType"),
            target_id: target("id"),
            target_descriptor: target("descriptor"),
            target_href: target("href"),
            own_call: is_own_call(event),
            raw: event.to_string(),
            time_estimated: false,
            extra: extra_of(event, request_time),
        }
    }

    /// Gives an event without a (readable) requestTime the start of the window that returned it
    /// as its time, marked as estimated, so that time filters and the time order show it.
    pub fn place_untimed(&mut self, window_from_ms: i64) {
        if self.request_time.is_none() {
            self.request_time = Some(window_from_ms);
            self.time_estimated = true;
        }
    }
}

/// Numbers the twins of one window's whole answer (all its pages). Sorted by fingerprint, then
/// by the event's full text, so the numbering depends neither on page order nor on which twin
/// came first: any window that covers a requestTime answers all its twins, so a re-read numbers
/// them alike. (The same order as schema v2's hex keys, so a migrated store keeps matching.)
pub fn number_twins(rows: &mut [EventRow]) {
    rows.sort_unstable_by(|a, b| (&a.fingerprint, &a.raw).cmp(&(&b.fingerprint, &b.raw)));
    for i in 1..rows.len() {
        if rows[i].fingerprint == rows[i - 1].fingerprint {
            rows[i].ordinal = rows[i - 1].ordinal + 1;
        }
    }
}

/// Keys one window's whole answer: [`EventRow::new`] for each event, then [`number_twins`].
pub fn key_window(events: Vec<Value>) -> Vec<EventRow> {
    let mut rows: Vec<EventRow> = events.iter().map(EventRow::new).collect();
    number_twins(&mut rows);
    rows
}

/// HTTP methods a REST call's task name can carry.
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// True for an event that records a REST API call, which is how the tenant logs this
/// connector's own requests. The rule, anchored on the whole task name:
///
/// `{area}/{path} ({METHOD})`, optionally followed by ` (v{N} - {anything without parentheses})`,
/// where `area` starts with a lower-case ASCII letter (REST service names: `privacy`,
/// `staffing`, `common`), `area` and every path segment are non-empty and hold no space, and
/// there is at least one `/`. Real rows look like
/// `privacy/activityLogging/userActivity (GET) (v1 -  )`.
///
/// Why this cannot hide a person's task: person-facing task names are words separated by spaces
/// and start with a capital (`Find Workers (GET)`, `View Worker (Legacy)`); none is a slash path
/// without spaces.
///
/// The consenting account (`systemAccount`) is not part of the rule: the connector never learns
/// it (the token answer does not name it, and consent happens in the browser). So a REST call by
/// another integration also counts as an API call here; such rows are still stored and shown
/// with "own calls".
pub fn is_own_call(event: &Value) -> bool {
    event
        .get("taskDisplayName")
        .and_then(Value::as_str)
        .is_some_and(is_api_task_name)
}

fn is_api_task_name(task: &str) -> bool {
    // The optional version suffix: ` (v1 -  )`.
    let task = match task.strip_suffix(')').and_then(|t| t.rsplit_once(" (v")) {
        Some((head, version))
            if version.split_once(" -").is_some_and(|(n, rest)| {
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !rest.contains(['(', ')'])
            }) =>
        {
            head
        }
        _ => task,
    };
    let Some((path, method)) = task.strip_suffix(')').and_then(|t| t.rsplit_once(" (")) else {
        return false;
    };
    let mut segments = path.split('/');
    let area = segments.next().unwrap_or_default();
    METHODS.contains(&method)
        && path.contains('/')
        && area.starts_with(|c: char| c.is_ascii_lowercase())
        && path
            .split('/')
            .all(|s| !s.is_empty() && !s.contains(char::is_whitespace))
}

/// requestTime as ms since the epoch, when present and readable.
pub fn request_time_ms(event: &Value) -> Option<i64> {
    let s = event.get("requestTime")?.as_str()?;
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc).timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn twins_are_numbered_whatever_the_order() {
        let e = json!({"requestTime": "2026-04-17T08:02:58.655Z", "sessionId": "s"});
        let f = json!({"requestTime": "2026-04-17T08:02:59.000Z", "sessionId": "s"});
        let one = key_window(vec![e.clone(), f.clone(), e.clone()]);
        let two = key_window(vec![e.clone(), e.clone(), f.clone()]);
        assert_eq!(one, two);
        let text = e.to_string();
        let ordinals: Vec<u32> = one
            .iter()
            .filter(|k| k.raw == text)
            .map(|k| k.ordinal)
            .collect();
        assert_eq!(ordinals, vec![0, 1]);
    }

    #[test]
    fn own_calls_are_recognised() {
        let own = |t: &str| is_own_call(&json!({ "taskDisplayName": t }));
        // The shape a real tenant logs, and the same calls without the version suffix.
        assert!(own("privacy/activityLogging/userActivity (GET) (v1 -  )"));
        assert!(own("common/workers (GET) (v1 -  )"));
        assert!(own("staffing/workers (GET) (v6 - 2024R2)"));
        assert!(own("privacy/activityLogging/userActivity (GET)"));
        assert!(own("staffing/workers (GET)"));
        assert!(own("common/v1/workers (POST)"));
        assert!(own(
            "absenceManagement/workers/{id}/timeOff (PATCH) (v2 -  )"
        ));
        // People's tasks, whatever their brackets say.
        assert!(!own("Find Workers (GET)"));
        assert!(!own("Find Workers (GET) (v1 -  )"));
        assert!(!own("View Worker (Legacy)"));
        assert!(!own("Import/Export (GET)"));
        assert!(!own("Benefits / Pay (GET)"));
        assert!(!own("privacy/activityLogging (FETCH)"));
        assert!(!own("privacy (GET)"));
        assert!(!own("privacy//userActivity (GET)"));
        assert!(!own(
            "privacy/activityLogging/userActivity (GET) (v1 -  ) extra"
        ));
        assert!(!own("privacy/activityLogging/userActivity (GET) (x1 -  )"));
        assert!(!own(""));
        assert!(!is_own_call(&json!({})));
        assert!(!is_own_call(&json!({"taskDisplayName": 7})));
    }

    /// The row's columns and `extra` give back every event exactly, whatever its fields hold.
    #[test]
    fn columns_and_extra_give_the_event_back() {
        let events = [
            json!({"requestTime": "2026-04-17T08:02:58.655Z", "systemAccount": "ann",
                   "activityAction": "READ", "taskDisplayName": "Find Workers", "taskId": "t1",
                   "sessionId": "a1b2c3", "ipAddress": "10.0.0.1", "userAgent": "Mozilla/5.0",
                   "deviceType": "Desktop",
                   "target": {"id": "w1", "descriptor": "Logan McNeil", "href": "https://x/w1"}}),
            // Other spellings of the time, fields that are not text, unknown fields.
            json!({"requestTime": "2026-04-17T08:02:58Z", "systemAccount": null, "taskId": 7}),
            json!({"requestTime": "2026-04-17T10:02:58.655+02:00", "extra": {"a": [1, 2]}}),
            json!({"requestTime": "not a time", "target": {}}),
            json!({"target": {"id": "w1", "descriptor": 5, "more": true}}),
            json!({"target": {"href": "h"}, "ipAddress": ""}),
            json!({"target": "not an object"}),
            json!({}),
            json!(["not", "an", "object"]),
        ];
        for event in events {
            let mut row = EventRow::new(&event);
            row.place_untimed(1_000);
            let text = [
                row.system_account.clone(),
                row.activity_action.clone(),
                row.task_display_name.clone(),
                row.task_id.clone(),
                row.session_id.clone(),
                row.ip_address.clone(),
                row.user_agent.clone(),
                row.device_type.clone(),
            ];
            let target = [
                row.target_id.clone(),
                row.target_descriptor.clone(),
                row.target_href.clone(),
            ];
            let time = (!row.time_estimated).then_some(row.request_time).flatten();
            let back = rebuild(text, target, time, row.extra.as_deref());
            assert_eq!(back, event, "{event}");
            assert_eq!(back.to_string(), row.raw);
        }
        // A usual event is held by its columns alone.
        let usual = json!({"requestTime": "2026-04-17T08:02:58.655Z", "systemAccount": "ann",
                           "target": {"id": "w1"}});
        assert_eq!(EventRow::new(&usual).extra, None);
    }
}
