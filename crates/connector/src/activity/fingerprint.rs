//! The identity of an activity event, which Workday does not give: a fingerprint of the fields
//! that tell events apart, and an ordinal that numbers identical twins within one window's answer
//! (for events without a time, the store numbers them instead: see `Store::commit_window_with`);
//! and the compact row an event becomes as soon as its page arrives.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::store::{is_own_call, request_time_ms};

/// The fields hashed, in this order. `target.id` stands for the target.
const FIELDS: &[&str] = &[
    "requestTime",
    "sessionId",
    "taskId",
    "systemAccount",
    "activityAction",
    "ipAddress",
];

/// The first 16 bytes of SHA-256 over the identifying fields. Each field is written as a tag
/// byte plus its length-prefixed JSON text, so an absent field, an empty string and a null all
/// hash differently and no two fields can run into each other.
pub fn fingerprint_bytes(event: &Value) -> [u8; 16] {
    let mut h = Sha256::new();
    let target_id = event.get("target").and_then(|t| t.get("id"));
    // One buffer for every field's JSON text: this runs once per event read.
    let mut text = Vec::with_capacity(64);
    for v in FIELDS
        .iter()
        .map(|f| event.get(*f))
        .chain(std::iter::once(target_id))
    {
        match v {
            None => h.update([0u8]),
            Some(v) => {
                text.clear();
                // Writing JSON into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut text, v);
                h.update([1u8]);
                h.update((text.len() as u64).to_le_bytes());
                h.update(&text);
            }
        }
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize()[..16]);
    out
}

/// The fingerprint as 32 hex digits (what exports and the viewer show).
pub fn fingerprint(event: &Value) -> String {
    hex(&fingerprint_bytes(event))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// An event as the store writes it: its key, Workday's fields as columns and the raw JSON text.
/// Built once per event when its page arrives, so a window in flight holds no JSON trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyed {
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
    /// (Workday sent none): see [`Keyed::place_untimed`].
    pub time_estimated: bool,
}

impl Keyed {
    /// The row of one event, ordinal 0 until [`number_twins`] runs over its window.
    pub fn new(event: &Value) -> Keyed {
        let text = |k: &str| event.get(k).and_then(Value::as_str).map(str::to_string);
        let target = |k: &str| {
            event
                .get("target")
                .and_then(|t| t.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        Keyed {
            fingerprint: fingerprint_bytes(event),
            ordinal: 0,
            request_time: request_time_ms(event),
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
pub fn number_twins(rows: &mut [Keyed]) {
    rows.sort_unstable_by(|a, b| (&a.fingerprint, &a.raw).cmp(&(&b.fingerprint, &b.raw)));
    for i in 1..rows.len() {
        if rows[i].fingerprint == rows[i - 1].fingerprint {
            rows[i].ordinal = rows[i - 1].ordinal + 1;
        }
    }
}

/// Keys one window's whole answer: [`Keyed::new`] for each event, then [`number_twins`].
pub fn key_window(events: Vec<Value>) -> Vec<Keyed> {
    let mut rows: Vec<Keyed> = events.iter().map(Keyed::new).collect();
    number_twins(&mut rows);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_empty_and_null_differ() {
        let a = fingerprint(&json!({"sessionId": "s"}));
        let b = fingerprint(&json!({"sessionId": "s", "taskId": ""}));
        let c = fingerprint(&json!({"sessionId": "s", "taskId": null}));
        assert_ne!(a, b);
        assert_ne!(b, c);
        assert_ne!(a, c);
        // Moving a value to another field changes the fingerprint.
        assert_ne!(
            fingerprint(&json!({"sessionId": "x"})),
            fingerprint(&json!({"taskId": "x"}))
        );
    }

    #[test]
    fn only_identifying_fields_count() {
        let a = json!({"requestTime": "2026-04-17T08:02:58.655Z", "target": {"id": "t", "descriptor": "A"}, "userAgent": "x"});
        let b = json!({"requestTime": "2026-04-17T08:02:58.655Z", "target": {"id": "t", "descriptor": "B"}});
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&a).len(), 32);
    }

    #[test]
    fn the_key_is_the_one_schema_v2_stored() {
        // Pinned: stores written before schema v3 hold this hex text, and a re-read after the
        // migration must produce the same key or the overlap would be stored twice.
        let e = json!({"requestTime": "2026-04-17T08:02:58.655Z", "sessionId": "s\u{e9}\"", "target": {"id": "t"}});
        let mut h = Sha256::new();
        for f in FIELDS
            .iter()
            .map(|f| e.get(*f))
            .chain([e.pointer("/target/id")])
        {
            match f {
                None => h.update([0u8]),
                Some(v) => {
                    let t = v.to_string();
                    h.update([1u8]);
                    h.update((t.len() as u64).to_le_bytes());
                    h.update(t.as_bytes());
                }
            }
        }
        let v2: String = h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(fingerprint(&e), v2);
    }

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
}
