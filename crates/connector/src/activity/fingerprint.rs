//! The identity of an activity event, which Workday does not give: a fingerprint of the fields
//! that tell events apart, and an ordinal that numbers identical twins within one window's answer.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The fields hashed, in this order. `target.id` stands for the target.
const FIELDS: &[&str] = &[
    "requestTime",
    "sessionId",
    "taskId",
    "systemAccount",
    "activityAction",
    "ipAddress",
];

/// 32 hex digits (the first 16 bytes of SHA-256) over the identifying fields. Each field is
/// written as a tag byte plus its length-prefixed JSON text, so an absent field, an empty string
/// and a null all hash differently and no two fields can run into each other.
pub fn fingerprint(event: &Value) -> String {
    let mut h = Sha256::new();
    let target_id = event.get("target").and_then(|t| t.get("id"));
    for v in FIELDS
        .iter()
        .map(|f| event.get(*f))
        .chain(std::iter::once(target_id))
    {
        match v {
            None => h.update([0u8]),
            Some(v) => {
                let text = v.to_string();
                h.update([1u8]);
                h.update((text.len() as u64).to_le_bytes());
                h.update(text.as_bytes());
            }
        }
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An event with its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed {
    pub fingerprint: String,
    pub ordinal: u32,
    pub event: Value,
}

/// Keys one window's whole answer (all its pages). Sorted by fingerprint, then by the event's
/// full text, so the numbering depends neither on page order nor on which twin came first: any
/// window that covers a requestTime answers all its twins, so a re-read numbers them alike.
pub fn key_window(events: Vec<Value>) -> Vec<Keyed> {
    let mut keyed: Vec<(String, String, Value)> = events
        .into_iter()
        .map(|e| (fingerprint(&e), e.to_string(), e))
        .collect();
    keyed.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let mut out: Vec<Keyed> = Vec::with_capacity(keyed.len());
    for (fp, _, event) in keyed {
        let ordinal = match out.last() {
            Some(prev) if prev.fingerprint == fp => prev.ordinal + 1,
            _ => 0,
        };
        out.push(Keyed {
            fingerprint: fp,
            ordinal,
            event,
        });
    }
    out
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
    fn twins_are_numbered_whatever_the_order() {
        let e = json!({"requestTime": "2026-04-17T08:02:58.655Z", "sessionId": "s"});
        let f = json!({"requestTime": "2026-04-17T08:02:59.000Z", "sessionId": "s"});
        let one = key_window(vec![e.clone(), f.clone(), e.clone()]);
        let two = key_window(vec![e.clone(), e.clone(), f.clone()]);
        assert_eq!(one, two);
        let ordinals: Vec<u32> = one
            .iter()
            .filter(|k| k.event == e)
            .map(|k| k.ordinal)
            .collect();
        assert_eq!(ordinals, vec![0, 1]);
    }
}
