//! The request log: what reached the website and services hosts, with secrets redacted.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Records kept; the oldest are forgotten first so a long-running sandbox stays small.
const LOG_CAPACITY: usize = 100_000;
/// Query parameters whose values are secrets or one-time credentials.
const REDACTED_PARAMS: &[&str] = &[
    "code",
    "code_verifier",
    "client_secret",
    "refresh_token",
    "access_token",
    "token",
];

/// Which listener a request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListenerKind {
    Website,
    Services,
}

/// How a token call authenticated the client (as presented, valid or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthKind {
    None,
    Basic,
    Body,
}

/// One request as the tenant saw it. Never holds a secret, token or code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// When the tenant began to handle it (its task ran).
    pub at: DateTime<Utc>,
    /// When it reached the tenant: its connection accepted (first request on a connection) or
    /// its first bytes read. What a tenant's rate limit counts; `at` lags it on a busy machine.
    pub arrived: DateTime<Utc>,
    pub listener: ListenerKind,
    pub method: String,
    pub path: String,
    /// The query string with secret values replaced by `REDACTED`.
    pub query: Option<String>,
    /// The answered status; 0 when the connection was dropped without an answer.
    pub status: u16,
    /// The request was dropped by the `drop_next` fault.
    pub dropped: bool,
    /// Token calls only: the client authentication presented.
    pub client_auth: Option<ClientAuthKind>,
    /// Token calls only: the client id presented, if any.
    pub client_id: Option<String>,
}

/// Redacts secret values in a raw query string, keeping everything else byte for byte.
pub fn redact_query(raw: &str) -> String {
    raw.split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            if REDACTED_PARAMS.contains(&name) {
                format!("{name}=REDACTED")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A bounded, thread-safe list of records.
#[derive(Debug, Default)]
pub struct RequestLog {
    records: Mutex<VecDeque<RequestRecord>>,
}

impl RequestLog {
    pub fn push(&self, r: RequestRecord) {
        let mut g = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if g.len() >= LOG_CAPACITY {
            g.pop_front();
        }
        g.push_back(r);
    }
    pub fn snapshot(&self) -> Vec<RequestRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }
    pub fn clear(&self) {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_codes_but_keeps_state() {
        assert_eq!(
            redact_query("code=abc&state=x%20y&code_challenge=q"),
            "code=REDACTED&state=x%20y&code_challenge=q"
        );
    }
}
