//! The identity of an activity event, which Workday does not give: a fingerprint of the fields
//! that tell events apart. Pure hashing; the ordinal that numbers identical twins is the row's
//! (see `row.rs`).

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
}
