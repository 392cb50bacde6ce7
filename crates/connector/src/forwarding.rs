//! Forwarding a connection's stored events to its destinations: the destinations in the
//! connection's settings (their tokens in the OS credential store), a cursor per destination in
//! the connection's activity store, and delivery passes that send the events committed after the
//! cursor in batches, in commit order, moving the cursor only after the destination accepted a
//! batch (at least once; every record carries its event key). A destination that is down is
//! retried with backoff and `Retry-After`, reading the events again from the store each time;
//! one that refuses a batch or its settings stops with the problem recorded for `status`.
//!
//! Alerts (the detections engine's output, stored beside the events) go the same way once the
//! events are caught up: a second cursor per destination over the alerts in id order, each a
//! record flagged as an alert with the key `alert:EPISODE` ([`alert_record`]). An alert is sent
//! as it stands when it is first forwarded; events that later join its episode are forwarded as
//! events, not as a second copy of the alert.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use forward::{FailureKind, Format, Kind, Record, RecordKind, SendError, Target};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::activity::store::{ForwardCursor, PendingAlert, PendingEvent, Store};
use crate::connections::{Connector, ConnectorError};
use crate::problem::{Diagnose, Problem};
use crate::secrets::SecretKind;

/// One destination as kept in the connection's settings. The token is not here: it is in the
/// keyring entry of the connection's forwarding tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardDestination {
    pub name: String,
    /// The URL as given (`syslog+tls://host:6514`, ...); it holds no credentials.
    pub url: String,
    /// None: the kind's default (JSON; ECS for Elasticsearch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// A PEM file of the private CA that signed the receiver's certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Whether a token is stored for it.
    #[serde(default)]
    pub token: bool,
}

/// What to add.
#[derive(Debug, Clone)]
pub struct NewDestination {
    pub name: String,
    pub url: String,
    pub format: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub token: Option<SecretString>,
}

/// A destination with where its delivery stands: what `forward list` and `status` show.
#[derive(Debug, Clone, Serialize)]
pub struct ForwardStatus {
    pub connection: String,
    pub name: String,
    pub url: String,
    pub kind: Kind,
    pub format: Format,
    pub ca_file: Option<PathBuf>,
    pub token_stored: bool,
    /// Events committed to the store and not yet accepted by the destination.
    pub pending: u64,
    pub delivered: u64,
    pub delivered_id: i64,
    /// Alerts raised and not yet accepted, accepted in all, and the last one accepted.
    pub alerts_pending: u64,
    pub alerts_delivered: u64,
    pub alerts_delivered_id: i64,
    pub last_delivery: Option<DateTime<Utc>>,
    /// The last failure, until a batch is accepted again.
    pub last_error: Option<Problem>,
}

/// How a delivery pass behaves.
#[derive(Debug, Clone)]
pub struct PassOptions {
    /// The most events in one batch.
    pub batch_events: usize,
    /// The most bytes of stored events in one batch (the formatted batch is somewhat larger).
    pub batch_bytes: usize,
    /// How long a pass keeps retrying a destination that is down before it gives up (None:
    /// until stopped).
    pub give_up_after: Option<Duration>,
    /// The first wait after a retryable failure; it doubles up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// One request or connection attempt.
    pub timeout: Duration,
}

impl Default for PassOptions {
    fn default() -> Self {
        Self {
            batch_events: 500,
            batch_bytes: 900 * 1024,
            give_up_after: None,
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            timeout: forward::DEFAULT_TIMEOUT,
        }
    }
}

/// What a pass reports as it goes (for logs).
#[derive(Debug, Clone)]
pub enum PassEvent {
    /// A batch of events (or of alerts) accepted; the cursor of that kind moved to `cursor`.
    Delivered {
        events: usize,
        cursor: i64,
        kind: RecordKind,
    },
    Retrying {
        problem: Problem,
        wait: Duration,
    },
}

/// What one pass did.
#[derive(Debug, Clone, Serialize)]
pub struct PassReport {
    pub connection: String,
    pub destination: String,
    pub delivered: u64,
    pub alerts_delivered: u64,
    pub batches: u64,
    pub cursor: i64,
    pub alerts_cursor: i64,
    /// Stopped (Ctrl-C, SIGTERM) before it caught up.
    pub stopped: bool,
}

/// A pass that ended without catching up: refused (a batch or the settings; a person must act)
/// or given up on a destination that stayed down.
#[derive(Debug, Clone)]
pub struct PassFailure {
    pub problem: Problem,
    pub kind: FailureKind,
    pub report: PassReport,
}

fn invalid(code: &str, message: impl Into<String>, fix: impl Into<String>) -> ConnectorError {
    ConnectorError::Invalid(vec![Problem::new(code, message, fix)])
}

fn send_problem(e: &SendError) -> Problem {
    Problem::new(e.code, e.message.clone(), e.fix.clone())
}

/// Destination names: short, and safe in a file, a log line and a keyring map.
fn check_name(name: &str) -> Result<(), ConnectorError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "forward.bad_name",
            format!("\"{name}\" is not a usable destination name."),
            "Use 1 to 64 letters, digits, '-', '_' or '.', e.g. splunk-prod.",
        ))
    }
}

fn store_failed(e: crate::activity::StoreError) -> ConnectorError {
    ConnectorError::Failed(e.problem())
}

impl Connector {
    fn destinations(
        &self,
        connection: &str,
    ) -> Result<(String, Vec<ForwardDestination>), ConnectorError> {
        let view = self.get(connection)?;
        Ok((view.profile.name, view.profile.forward))
    }

    async fn forward_tokens(
        &self,
        connection: &str,
    ) -> Result<BTreeMap<String, String>, ConnectorError> {
        let stored = self
            .secrets
            .get(connection, SecretKind::ForwardTokens)
            .await
            .map_err(|e| ConnectorError::Failed(e.problem()))?;
        Ok(stored
            .and_then(|s| serde_json::from_str(s.expose_secret()).ok())
            .unwrap_or_default())
    }

    async fn save_forward_tokens(
        &self,
        connection: &str,
        tokens: &BTreeMap<String, String>,
    ) -> Result<(), ConnectorError> {
        let result = if tokens.is_empty() {
            self.secrets
                .delete(connection, SecretKind::ForwardTokens)
                .await
        } else {
            let text = SecretString::from(serde_json::to_string(tokens).unwrap_or_default());
            self.secrets
                .set(connection, SecretKind::ForwardTokens, &text)
                .await
        };
        result.map_err(|e| ConnectorError::Failed(e.problem()))
    }

    /// Adds a destination to `connection` after checking everything that can be checked without
    /// sending (the URL, the format, the CA file, that a token is there when the kind needs one).
    /// Nothing is changed when a check fails.
    pub async fn forward_add(
        &self,
        connection: &str,
        new: NewDestination,
    ) -> Result<ForwardStatus, ConnectorError> {
        let (connection, existing) = self.destinations(connection)?;
        check_name(&new.name)?;
        if let Some(d) = existing
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(&new.name))
        {
            return Err(invalid(
                "forward.duplicate_name",
                format!(
                    "\"{connection}\" already forwards to a destination named \"{}\".",
                    d.name
                ),
                format!(
                    "Pick another name, or remove it first: wdconnect forward remove \"{connection}\" {}",
                    d.name
                ),
            ));
        }
        let target = Target::parse(&new.url).map_err(|e| invalid(e.code, e.message, e.fix))?;
        let format = match &new.format {
            None => None,
            Some(f) => Some(Format::parse(f).ok_or_else(|| {
                invalid(
                    "forward.bad_format",
                    format!("\"{f}\" is not a forwarding format."),
                    "Use --format json, cef or ecs.",
                )
            })?),
        };
        if format.is_some() && !target.kind.takes_format() {
            return Err(invalid(
                "forward.format_unused",
                format!(
                    "A {} destination takes no --format: its records have fixed columns.",
                    target.kind.label()
                ),
                "Drop --format; the README lists the columns to declare in the rule's stream.",
            ));
        }
        let ca_file = match &new.ca_file {
            None => None,
            Some(path) => {
                if target.kind == Kind::SyslogTcp || target.kind == Kind::SyslogUdp {
                    return Err(invalid(
                        "forward.ca_without_tls",
                        format!("--ca is for TLS, and {} is not encrypted.", target.spec),
                        "Use syslog+tls:// with --ca, or drop --ca.",
                    ));
                }
                forward::check_ca_file(path).map_err(|e| invalid(e.code, e.message, e.fix))?;
                Some(std::path::absolute(path).unwrap_or_else(|_| path.clone()))
            }
        };
        let token = new.token.filter(|t| !t.expose_secret().trim().is_empty());
        match (&token, target.kind) {
            (None, k) if k.needs_secret() => {
                return Err(invalid(
                    "forward.token_missing",
                    format!("A {} destination needs a token.", k.label()),
                    match k {
                        Kind::Sentinel => {
                            "Pipe the Entra app's client secret in with --token-stdin, e.g. `printf %s \"$CLIENT_SECRET\" | wdconnect forward add ... --token-stdin` (Azure portal > Microsoft Entra ID > App registrations > your app > Certificates & secrets: the secret's Value)."
                        }
                        Kind::Elastic => {
                            "Pipe the API key (or user:password) in with --token-stdin, e.g. `printf %s \"$ES_API_KEY\" | wdconnect forward add ... --token-stdin`."
                        }
                        _ => {
                            "Pipe the token in with --token-stdin, e.g. `printf %s \"$HEC_TOKEN\" | wdconnect forward add ... --token-stdin`."
                        }
                    },
                ));
            }
            (Some(_), k) if !k.takes_secret() => {
                return Err(invalid(
                    "forward.token_unused",
                    format!("A {} destination takes no token.", k.label()),
                    "Drop --token-stdin (syslog over TLS authenticates the receiver with --ca).",
                ));
            }
            _ => {}
        }
        let destination = ForwardDestination {
            name: new.name.clone(),
            url: target.spec.clone(),
            format,
            ca_file,
            token: token.is_some(),
        };
        // The token first: a failure after it leaves an unused entry, never a destination whose
        // token is missing.
        if let Some(t) = &token {
            let mut tokens = self.forward_tokens(&connection).await?;
            tokens.insert(new.name.clone(), t.expose_secret().to_string());
            self.save_forward_tokens(&connection, &tokens).await?;
        }
        let stored = destination.clone();
        self.profiles
            .update(&connection, move |p| p.forward.push(stored))
            .map_err(|e| ConnectorError::Failed(e.problem()))?;
        // A destination added again under an old name starts from the first event.
        let path = self.activity_store_path(&connection);
        if path.exists()
            && let Ok(store) = Store::open(&path)
        {
            let _ = store.delete_forward_cursor(&destination.name);
        }
        self.forward_status(&connection, &destination)
    }

    /// Removes a destination, its token and its cursor.
    pub async fn forward_remove(
        &self,
        connection: &str,
        name: &str,
    ) -> Result<String, ConnectorError> {
        let (connection, existing) = self.destinations(connection)?;
        let Some(dest) = existing
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
            .cloned()
        else {
            return Err(unknown_destination(&connection, name, &existing));
        };
        let removed = dest.name.clone();
        self.profiles
            .update(&connection, |p| p.forward.retain(|d| d.name != removed))
            .map_err(|e| ConnectorError::Failed(e.problem()))?;
        if dest.token {
            let mut tokens = self.forward_tokens(&connection).await?;
            tokens.remove(&dest.name);
            self.save_forward_tokens(&connection, &tokens).await?;
        }
        let path = self.activity_store_path(&connection);
        if path.exists() {
            Store::open(&path)
                .and_then(|s| s.delete_forward_cursor(&dest.name))
                .map_err(store_failed)?;
        }
        Ok(dest.name)
    }

    /// Every destination of `connection` (or of every connection) with where it stands.
    pub fn forward_list(
        &self,
        connection: Option<&str>,
    ) -> Result<Vec<ForwardStatus>, ConnectorError> {
        let profiles = match connection {
            Some(c) => vec![self.get(c)?.profile],
            None => self.list()?.into_iter().map(|c| c.profile).collect(),
        };
        let mut out = Vec::new();
        for p in profiles {
            for d in &p.forward {
                out.push(self.forward_status(&p.name, d)?);
            }
        }
        Ok(out)
    }

    fn forward_status(
        &self,
        connection: &str,
        d: &ForwardDestination,
    ) -> Result<ForwardStatus, ConnectorError> {
        let target = Target::parse(&d.url).ok();
        let kind = target.as_ref().map_or(Kind::SyslogTcp, |t| t.kind);
        let path = self.activity_store_path(connection);
        let (cursor, pending, alerts_pending) = if path.exists() {
            let store = Store::open(&path).map_err(store_failed)?;
            let cursor = store.forward_cursor(&d.name).map_err(store_failed)?;
            let pending = store
                .count_after(cursor.delivered_id)
                .map_err(store_failed)?;
            let alerts = store
                .count_alerts_after(cursor.alerts_delivered_id)
                .map_err(store_failed)?;
            (cursor, pending, alerts)
        } else {
            (ForwardCursor::default(), 0, 0)
        };
        Ok(ForwardStatus {
            connection: connection.to_string(),
            name: d.name.clone(),
            url: d.url.clone(),
            kind,
            format: d.format.unwrap_or(kind.default_format()),
            ca_file: d.ca_file.clone(),
            token_stored: d.token,
            pending,
            delivered: cursor.delivered,
            delivered_id: cursor.delivered_id,
            alerts_pending,
            alerts_delivered: cursor.alerts_delivered,
            alerts_delivered_id: cursor.alerts_delivered_id,
            last_delivery: cursor.delivered_at,
            last_error: cursor.last_error,
        })
    }

    /// The sender of a destination, with its token from the keyring.
    async fn open_destination(
        &self,
        connection: &str,
        d: &ForwardDestination,
        timeout: Duration,
    ) -> Result<Box<dyn forward::Destination>, Problem> {
        let target = Target::parse(&d.url).map_err(|e| Problem::new(e.code, e.message, e.fix))?;
        let secret = if d.token {
            let tokens = self.forward_tokens(connection).await.map_err(|e| {
                e.problems().into_iter().next().unwrap_or_else(|| {
                    Problem::new(
                        "keyring.error",
                        "The credential store failed.",
                        "Try again.",
                    )
                })
            })?;
            tokens.get(&d.name).map(|t| SecretString::from(t.clone()))
        } else {
            None
        };
        forward::open(
            &target,
            forward::Options {
                format: d.format,
                ca_file: d.ca_file.clone(),
                secret,
                timeout: Some(timeout),
            },
        )
        .map_err(|e| send_problem(&e))
    }

    fn find_destination(
        &self,
        connection: &str,
        name: &str,
    ) -> Result<(String, ForwardDestination), ConnectorError> {
        let (connection, existing) = self.destinations(connection)?;
        match existing.iter().find(|d| d.name.eq_ignore_ascii_case(name)) {
            Some(d) => Ok((connection, d.clone())),
            None => Err(unknown_destination(&connection, name, &existing)),
        }
    }

    /// Sends one test event (marked as a test, with a key of its own) and says what to fix when
    /// it is not accepted. The cursor is not touched.
    pub async fn forward_test(
        &self,
        connection: &str,
        name: &str,
    ) -> Result<ForwardStatus, ConnectorError> {
        let (connection, d) = self.find_destination(connection, name)?;
        let mut sender = self
            .open_destination(&connection, &d, Duration::from_secs(15))
            .await
            .map_err(ConnectorError::Failed)?;
        let record = forward::test_record(&connection, Utc::now());
        sender
            .send(std::slice::from_ref(&record))
            .await
            .map_err(|e| ConnectorError::Failed(send_problem(&e)))?;
        self.forward_status(&connection, &d)
    }

    /// One delivery pass of one destination: batches of the events committed after its cursor,
    /// in commit order, until none is left (events committed meanwhile included) or `stop` is
    /// cancelled (the batch in flight is finished first). Retryable failures wait and send the
    /// batch again, read anew from the store; a refusal or a settings problem ends the pass,
    /// recorded as the destination's last error.
    pub async fn forward_pass(
        &self,
        connection: &str,
        name: &str,
        options: &PassOptions,
        stop: &CancellationToken,
        mut on_event: impl FnMut(&PassEvent) + Send,
    ) -> Result<PassReport, PassFailure> {
        let (connection, d) = self
            .find_destination(connection, name)
            .map_err(|e| self.pass_failure(e, name))?;
        let mut report = PassReport {
            connection: connection.clone(),
            destination: d.name.clone(),
            delivered: 0,
            alerts_delivered: 0,
            batches: 0,
            cursor: 0,
            alerts_cursor: 0,
            stopped: false,
        };
        let fail = |problem: Problem, kind: FailureKind, report: &PassReport| PassFailure {
            problem,
            kind,
            report: report.clone(),
        };
        let path = self.activity_store_path(&connection);
        if !path.exists() {
            // Never synced: nothing to forward yet.
            return Ok(report);
        }
        let store =
            Store::open(&path).map_err(|e| fail(e.problem(), FailureKind::Retryable, &report))?;
        let mut sender = match self
            .open_destination(&connection, &d, options.timeout)
            .await
        {
            Ok(s) => s,
            Err(p) => {
                let _ = store.set_forward_error(&d.name, Some(&p));
                return Err(fail(p, FailureKind::Setup, &report));
            }
        };
        let mut backoff = options.backoff_min;
        let mut down_since: Option<Instant> = None;
        // The events first, then the alerts (which refer to events already sent).
        let mut kind = RecordKind::Event;
        loop {
            if stop.is_cancelled() {
                report.stopped = true;
                return Ok(report);
            }
            let cursor = store
                .forward_cursor(&d.name)
                .map_err(|e| fail(e.problem(), FailureKind::Retryable, &report))?;
            report.cursor = cursor.delivered_id;
            report.alerts_cursor = cursor.alerts_delivered_id;
            let batch: Vec<Record> = match kind {
                RecordKind::Event => store
                    .events_after(
                        cursor.delivered_id,
                        options.batch_events,
                        options.batch_bytes,
                    )
                    .map(|p| p.into_iter().map(|e| record(&connection, e)).collect()),
                RecordKind::Alert => store
                    .alerts_after(cursor.alerts_delivered_id, options.batch_events)
                    .map(|p| {
                        p.into_iter()
                            .map(|a| alert_record(&connection, a))
                            .collect()
                    }),
            }
            .map_err(|e| fail(e.problem(), FailureKind::Retryable, &report))?;
            let Some(last) = batch.last().map(|r| r.id) else {
                if kind == RecordKind::Event {
                    kind = RecordKind::Alert;
                    continue;
                }
                return Ok(report);
            };
            match sender.send(&batch).await {
                Ok(()) => {
                    let n = batch.len() as u64;
                    match kind {
                        RecordKind::Event => store.advance_forward_cursor(&d.name, last, n),
                        RecordKind::Alert => store.advance_forward_alert_cursor(&d.name, last, n),
                    }
                    .map_err(|e| fail(e.problem(), FailureKind::Retryable, &report))?;
                    match kind {
                        RecordKind::Event => {
                            report.delivered += n;
                            report.cursor = last;
                        }
                        RecordKind::Alert => {
                            report.alerts_delivered += n;
                            report.alerts_cursor = last;
                        }
                    }
                    report.batches += 1;
                    backoff = options.backoff_min;
                    down_since = None;
                    on_event(&PassEvent::Delivered {
                        events: batch.len(),
                        cursor: last,
                        kind,
                    });
                }
                Err(e) => {
                    let problem = send_problem(&e);
                    let _ = store.set_forward_error(&d.name, Some(&problem));
                    if e.kind != FailureKind::Retryable {
                        return Err(fail(problem, e.kind, &report));
                    }
                    let since = *down_since.get_or_insert_with(Instant::now);
                    if options
                        .give_up_after
                        .is_some_and(|limit| since.elapsed() >= limit)
                    {
                        return Err(fail(problem, e.kind, &report));
                    }
                    let wait = e.retry_after.map_or(backoff, |w| w.max(backoff));
                    on_event(&PassEvent::Retrying { problem, wait });
                    backoff = (backoff * 2).min(options.backoff_max);
                    drop(batch);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.cancelled() => {
                            report.stopped = true;
                            return Ok(report);
                        }
                    }
                }
            }
        }
    }

    fn pass_failure(&self, e: ConnectorError, name: &str) -> PassFailure {
        PassFailure {
            problem: e.problems().into_iter().next().unwrap_or_else(|| {
                Problem::new("forward.failed", "Forwarding failed.", "Try again.")
            }),
            kind: FailureKind::Setup,
            report: PassReport {
                connection: String::new(),
                destination: name.to_string(),
                delivered: 0,
                alerts_delivered: 0,
                batches: 0,
                cursor: 0,
                alerts_cursor: 0,
                stopped: false,
            },
        }
    }
}

fn unknown_destination(
    connection: &str,
    name: &str,
    existing: &[ForwardDestination],
) -> ConnectorError {
    let names: Vec<&str> = existing.iter().map(|d| d.name.as_str()).collect();
    invalid(
        "forward.unknown_destination",
        format!("\"{connection}\" has no destination named \"{name}\"."),
        if names.is_empty() {
            format!("Add one first: wdconnect forward add \"{connection}\" --name NAME --to URL")
        } else {
            format!("Use one of: {}", names.join(", "))
        },
    )
}

/// A stored alert as the forwarding crate takes it: flagged as an alert, keyed by its episode
/// (stable across resends and across a store rebuilt from the same events).
fn alert_record(connection: &str, a: PendingAlert) -> Record {
    let ms = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let key = format!("alert:{}", a.episode);
    Record {
        kind: RecordKind::Alert,
        id: a.id,
        key,
        connection: connection.to_string(),
        own_call: false,
        time: Some(a.time),
        event: serde_json::json!({
            "id": a.id,
            "episode": a.episode,
            "rule": a.rule,
            "severity": a.severity,
            "status": a.status,
            "user": a.user,
            "time": ms(a.time),
            "last_time": ms(a.last_time),
            "summary": a.summary,
            "country": a.country,
            "ip": a.ip,
            "raised_at": ms(a.raised_at),
            "event_keys": a.event_keys,
        }),
    }
}

/// A stored event as the forwarding crate takes it.
fn record(connection: &str, e: PendingEvent) -> Record {
    let event = serde_json::from_str(&e.raw).unwrap_or(serde_json::Value::String(e.raw));
    Record {
        kind: RecordKind::Event,
        id: e.id,
        key: e.key,
        connection: connection.to_string(),
        own_call: e.own_call,
        time: e.request_time,
        event,
    }
}
