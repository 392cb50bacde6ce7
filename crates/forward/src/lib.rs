//! Forwarding to the engines companies already run: where a destination is (`target`), how a
//! record is written for it (`format`), and the senders that deliver one batch and say whether a
//! failure passes by itself (retry) or needs a person (refused, setup). The caller owns the
//! records, the cursor and the schedule; this crate knows nothing of Workday or the UI.

pub mod format;
mod http;
mod sentinel;
mod syslog;
pub mod target;
mod tls;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::Value;

pub use format::Format;
pub use target::{Kind, Target, TargetError};

pub(crate) use syslog::hostname as syslog_hostname;

/// What a record is: an event of the activity log, or an alert the detections raised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    #[default]
    Event,
    Alert,
}

impl RecordKind {
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Event => "event",
            RecordKind::Alert => "alert",
        }
    }
}

/// One record to forward: its place in the store, its stable key (a resend carries the same
/// one, so a receiver can drop duplicates), and the event itself. An alert is a record too:
/// `kind` says so, `event` is then the alert (`rule`, `severity`, `summary`, `user`, `ip`,
/// `country`, `event_keys`, ...) and its key is `alert:` and its episode key.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Event or alert.
    pub kind: RecordKind,
    /// The store's commit order (alerts: their own order); batches go out in this order.
    pub id: i64,
    /// Stable across resends: the store's fingerprint and ordinal.
    pub key: String,
    /// The connection (tenant) the event came from.
    pub connection: String,
    /// The event records this app's own API call (the tenant logs those too).
    pub own_call: bool,
    /// When it happened, when the source said.
    pub time: Option<DateTime<Utc>>,
    /// The event as the source sent it.
    pub event: Value,
}

/// What kind of failure a send met, which decides what the caller does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Down, overloaded, throttling, timed out: send the same batch again later.
    Retryable,
    /// The destination refused the batch itself (malformed, too large): report it; sending the
    /// same bytes again gets the same answer.
    Refused,
    /// The settings are wrong (credentials, certificate, address): a person must change them.
    Setup,
}

/// A failed send: its kind, a stable code, one line for a person, what to change, and how long
/// the destination asked to wait. Never holds a token or a raw body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub kind: FailureKind,
    pub code: &'static str,
    pub message: String,
    pub fix: String,
    pub retry_after: Option<Duration>,
}

impl SendError {
    pub fn retryable(
        code: &'static str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(FailureKind::Retryable, code, message, fix)
    }

    pub fn refused(code: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(FailureKind::Refused, code, message, fix)
    }

    pub fn setup(code: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(FailureKind::Setup, code, message, fix)
    }

    fn new(
        kind: FailureKind,
        code: &'static str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            code,
            message: one_line(&message.into()),
            fix: fix.into(),
            retry_after: None,
        }
    }

    pub fn after(mut self, wait: Option<Duration>) -> Self {
        self.retry_after = wait;
        self
    }
}

/// A message must stay one line, whatever a peer or a library put in it.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A boxed future of a send: the trait stays object-safe, so a caller can hold any destination.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

/// Where batches go. `send` returns only when the destination has accepted the whole batch (an
/// HTTP 2xx without per-item errors; for syslog streams, every byte written and flushed), so the
/// caller may then move its cursor past it.
pub trait Destination: Send + std::fmt::Debug {
    fn send<'a>(&'a mut self, batch: &'a [Record]) -> SendFuture<'a>;
}

/// How a destination is reached and writes, besides its address.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The payload format; None: the kind's own default ([`Kind::default_format`]).
    pub format: Option<Format>,
    /// A PEM file of CA certificates trusted besides the platform's (a private CA).
    pub ca_file: Option<PathBuf>,
    /// The token, API key or `user:password` the kind uses, from the credential store.
    pub secret: Option<SecretString>,
    /// How long one connection attempt or request may take.
    pub timeout: Option<Duration>,
}

/// The default time one request or connection attempt may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the sender of `target`. Fails only on settings that cannot work (an unreadable CA
/// file, a missing token); a destination that is down fails later, at `send`.
pub fn open(target: &Target, options: Options) -> Result<Box<dyn Destination>, SendError> {
    let format = options.format.unwrap_or(target.kind.default_format());
    let timeout = options.timeout.unwrap_or(DEFAULT_TIMEOUT);
    match target.kind {
        Kind::SyslogTls | Kind::SyslogTcp | Kind::SyslogUdp => Ok(Box::new(syslog::Syslog::new(
            target,
            format,
            options.ca_file.as_deref(),
            timeout,
        )?)),
        Kind::Hec | Kind::Elastic | Kind::Otlp => Ok(Box::new(http::HttpSender::new(
            target,
            format,
            options.ca_file.as_deref(),
            options.secret,
            timeout,
        )?)),
        Kind::Sentinel => Ok(Box::new(sentinel::SentinelSender::new(
            target,
            options.ca_file.as_deref(),
            options.secret,
            timeout,
        )?)),
    }
}

/// Whether `path` is a readable PEM file holding at least one certificate.
pub fn check_ca_file(path: &std::path::Path) -> Result<(), SendError> {
    tls::read_ca_file(path).map(|_| ())
}

/// The record `forward test` sends: marked as a test in every format, with a key of its own.
pub fn test_record(connection: &str, now: DateTime<Utc>) -> Record {
    Record {
        kind: RecordKind::Event,
        id: 0,
        key: format!("test-{}", now.timestamp_millis()),
        connection: connection.to_string(),
        own_call: false,
        time: Some(now),
        event: serde_json::json!({
            "requestTime": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "systemAccount": "wdconnect-test",
            "taskDisplayName": "Workday Connector test event",
            "activityAction": "OTHER",
            "test": true,
        }),
    }
}
