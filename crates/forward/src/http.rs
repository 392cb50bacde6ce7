//! The HTTP destinations: Splunk HEC (`/services/collector/event`, `Authorization: Splunk`),
//! Elasticsearch `_bulk` (NDJSON, the event key as `_id`, per-item errors read from a 200
//! answer) and OTLP/HTTP logs (`/v1/logs`, JSON or, with `?encoding=protobuf`, the protobuf
//! encoding of the generated OpenTelemetry messages; partial success read). Each answer is sorted
//! into accepted, retryable (429, 5xx, down, timed out; `Retry-After` kept), refused (400, 413,
//! a per-item mapping error) or setup (401, 403, 404, a certificate). HEC with `?ack=true` sends
//! on a channel of its own (`X-Splunk-Request-Channel`) and counts a batch accepted only once
//! `/services/collector/ack` confirms its `ackId`; unconfirmed in time, it is sent again.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Client, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};

use crate::format::{self, Format};
use crate::target::{Kind, Target};
use crate::{Destination, Record, RecordKind, SendError, SendFuture};

/// The longest `Retry-After` honoured; a longer one is taken as this, so a typo in a proxy's
/// answer cannot park delivery for days.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(3600);

pub struct HttpSender {
    kind: Kind,
    target: Target,
    endpoint: Url,
    format: Format,
    client: Client,
    auth: Option<HeaderValue>,
    hostname: String,
    /// HEC indexer acknowledgement: the channel, and how long a batch may wait for its ack.
    ack: Option<Ack>,
}

struct Ack {
    channel: HeaderValue,
    endpoint: Url,
    wait: Duration,
}

/// How long a HEC batch may wait for its acknowledgement, as a multiple of the request timeout
/// (2 minutes by default): Splunk acknowledges once the indexers have written the events.
const ACK_WAIT_FACTOR: u32 = 4;

/// A random (version 4) UUID, the form Splunk wants for a channel.
fn channel_uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

impl std::fmt::Debug for HttpSender {
    // The auth header holds the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSender")
            .field("kind", &self.kind)
            .field("endpoint", &self.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

impl HttpSender {
    pub fn new(
        target: &Target,
        format: Format,
        ca_file: Option<&Path>,
        secret: Option<SecretString>,
        timeout: Duration,
    ) -> Result<HttpSender, SendError> {
        let base = target.base.clone().ok_or_else(|| {
            SendError::setup(
                "forward.bad_url",
                format!("{} has no HTTP address.", target.spec),
                "Add the destination again with an https URL.",
            )
        })?;
        let path = match target.kind {
            Kind::Hec => "services/collector/event",
            Kind::Elastic => "_bulk",
            _ => "v1/logs",
        };
        let endpoint = base.join(path).map_err(|e| {
            SendError::setup(
                "forward.bad_url",
                format!("{} cannot take the path {path}: {e}.", target.spec),
                "Add the destination again with a plain https://HOST:PORT URL.",
            )
        })?;
        let client = client(ca_file, timeout)?;
        let auth = match (&secret, target.kind) {
            (None, k) if k.needs_secret() => {
                return Err(SendError::setup(
                    "forward.token_missing",
                    format!("{} needs a token and none is stored.", target.spec),
                    "Remove the destination and add it again with --token-stdin, piping the \
                     token in.",
                ));
            }
            (None, _) => None,
            (Some(s), kind) => Some(auth_header(kind, s)?),
        };
        let ack = if target.kind == Kind::Hec && target.hec_ack {
            Some(Ack {
                channel: HeaderValue::from_str(&channel_uuid()).expect("a UUID is a header value"),
                endpoint: base.join("services/collector/ack").map_err(|e| {
                    SendError::setup(
                        "forward.bad_url",
                        format!("{} cannot take the ack path: {e}.", target.spec),
                        "Add the destination again with a plain https://HOST:PORT URL.",
                    )
                })?,
                wait: timeout * ACK_WAIT_FACTOR,
            })
        } else {
            None
        };
        Ok(HttpSender {
            kind: target.kind,
            target: target.clone(),
            endpoint,
            format,
            client,
            auth,
            hostname: crate::syslog_hostname(),
            ack,
        })
    }

    fn body(&self, batch: &[Record]) -> (Vec<u8>, &'static str) {
        let mut out = Vec::with_capacity(batch.len() * 600);
        match self.kind {
            Kind::Hec => {
                for r in batch {
                    let mut env = json!({
                        "time": r.time.map(|t| t.timestamp_millis() as f64 / 1000.0),
                        "host": self.hostname,
                        "source": self.target.hec_source.as_deref().unwrap_or("wdconnect"),
                        "sourcetype": self.target.hec_sourcetype.as_deref().unwrap_or(match r.kind {
                            RecordKind::Event => "workday:activity",
                            RecordKind::Alert => "workday:alert",
                        }),
                        "event": format::value(r, self.format),
                        "fields": {
                            "event_key": r.key,
                            "record_type": r.kind.name(),
                            "connection": r.connection,
                            "own_call": r.own_call.to_string(),
                        },
                    });
                    if r.time.is_none() {
                        env.as_object_mut().map(|o| o.remove("time"));
                    }
                    if let Some(i) = &self.target.hec_index {
                        env["index"] = json!(i);
                    }
                    serde_json::to_writer(&mut out, &env).expect("JSON to memory");
                    out.push(b'\n');
                }
                (out, "application/json")
            }
            Kind::Elastic => {
                let index = self.target.index.as_deref().unwrap_or_default();
                for r in batch {
                    let action = json!({"index": {"_index": index, "_id": r.key}});
                    serde_json::to_writer(&mut out, &action).expect("JSON to memory");
                    out.push(b'\n');
                    let doc = match self.format {
                        Format::Cef => json!({"message": format::cef(r), "event": {"id": r.key}}),
                        f => format::value(r, f),
                    };
                    serde_json::to_writer(&mut out, &doc).expect("JSON to memory");
                    out.push(b'\n');
                }
                (out, "application/x-ndjson")
            }
            _ if self.target.otlp_protobuf => (
                otlp_protobuf(batch, self.format, &self.hostname),
                "application/x-protobuf",
            ),
            _ => {
                let records: Vec<Value> =
                    batch.iter().map(|r| otlp_record(r, self.format)).collect();
                let body = json!({"resourceLogs": [{
                    "resource": {"attributes": [
                        attr("service.name", "wdconnect"),
                        attr("host.name", &self.hostname),
                    ]},
                    "scopeLogs": [{
                        "scope": {"name": "workday-connector", "version": env!("CARGO_PKG_VERSION")},
                        "logRecords": records,
                    }],
                }]});
                serde_json::to_writer(&mut out, &body).expect("JSON to memory");
                (out, "application/json")
            }
        }
    }

    async fn post(&self, batch: &[Record]) -> Result<(), SendError> {
        let (body, content_type) = self.body(batch);
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(a) = &self.auth {
            headers.insert(AUTHORIZATION, a.clone());
        }
        if let Some(ack) = &self.ack {
            headers.insert(CHANNEL, ack.channel.clone());
        }
        let answer = self
            .client
            .post(self.endpoint.clone())
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = answer.status();
        let retry_after = retry_after(answer.headers());
        // Bodies are read only to classify; never shown raw (they may echo the request).
        let bytes = answer.bytes().await.unwrap_or_default();
        if status.is_success() && self.target.otlp_protobuf {
            return self.check_otlp_protobuf(&bytes);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if status.is_success() {
            self.check_accepted(&text)?;
            if let Some(ack) = &self.ack {
                let id = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v["ackId"].as_u64())
                    .ok_or_else(|| self.ack_disabled())?;
                return self.wait_for_ack(ack, id).await;
            }
            return Ok(());
        }
        if self.ack.is_some() && hec_code(&text) == Some(14) {
            return Err(self.ack_disabled());
        }
        Err(self.status_error(status, &text).after(retry_after))
    }

    /// An OTLP protobuf answer: an `ExportLogsServiceResponse`, whose partial success says how
    /// many records the collector rejected (an empty body is a full success).
    fn check_otlp_protobuf(&self, bytes: &[u8]) -> Result<(), SendError> {
        use prost::Message;
        let answer = ExportLogsServiceResponse::decode(bytes).map_err(|_| {
            SendError::refused(
                "forward.bad_answer",
                format!("{} answered 2xx with something other than an OTLP response.", self.where_()),
                "Check that --to points at an OTLP/HTTP receiver (port 4318, /v1/logs) that takes protobuf.",
            )
        })?;
        let rejected = answer.partial_success.map_or(0, |p| p.rejected_log_records);
        if rejected > 0 {
            return Err(SendError::refused(
                "forward.items_refused",
                format!(
                    "{} rejected {rejected} of the batch's log records.",
                    self.where_()
                ),
                "Check the collector's logs and limits; delivery of this destination stops at this batch until then.",
            ));
        }
        Ok(())
    }

    fn ack_disabled(&self) -> SendError {
        SendError::setup(
            "forward.hec_ack_disabled",
            format!(
                "{} does not acknowledge batches: indexer acknowledgement is off for this token.",
                self.where_()
            ),
            "Enable it in Splunk (Settings > Data inputs > HTTP Event Collector > the token > \
             Enable indexer acknowledgement), or remove the destination and add it again \
             without ?ack=true.",
        )
    }

    /// Polls `/services/collector/ack` for `id` with a growing wait (250 ms to 5 s) until it is
    /// confirmed, or `ack.wait` has passed: then the batch is retryable, sent again whole.
    async fn wait_for_ack(&self, ack: &Ack, id: u64) -> Result<(), SendError> {
        let deadline = tokio::time::Instant::now() + ack.wait;
        let mut pause = Duration::from_millis(250);
        loop {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(CHANNEL, ack.channel.clone());
            if let Some(a) = &self.auth {
                headers.insert(AUTHORIZATION, a.clone());
            }
            let answer = self
                .client
                .post(ack.endpoint.clone())
                .headers(headers)
                .body(json!({ "acks": [id] }).to_string())
                .send()
                .await;
            if let Ok(answer) = answer {
                let status = answer.status();
                let text = answer.text().await.unwrap_or_default();
                if status.is_success() {
                    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    if v["acks"][id.to_string()].as_bool() == Some(true) {
                        return Ok(());
                    }
                } else if hec_code(&text) == Some(14) {
                    return Err(self.ack_disabled());
                } else if matches!(status.as_u16(), 401 | 403) {
                    return Err(self.status_error(status, &text));
                }
                // Anything else (busy, not yet indexed, down a moment): ask again until the
                // deadline; the batch is resent whole if it passes.
            }
            if tokio::time::Instant::now() + pause > deadline {
                return Err(SendError::retryable(
                    "forward.ack_timeout",
                    format!(
                        "{} did not confirm that a batch was indexed within {}s.",
                        self.where_(),
                        ack.wait.as_secs()
                    ),
                    "Nothing to change if it passes: the batch is sent again (each event keeps \
                     its key, so a search can drop the repeats); if it persists, check the \
                     indexers' health in Splunk.",
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }

    fn where_(&self) -> String {
        format!("{} ({})", self.target.spec, self.kind.label())
    }

    fn transport_error(&self, e: &reqwest::Error) -> SendError {
        transport_error(&self.target.host, self.target.port, &self.where_(), e)
    }

    fn status_error(&self, status: StatusCode, text: &str) -> SendError {
        let code = status.as_u16();
        let detail = short_reason(self.kind, text);
        match code {
            429 | 500..=599 => SendError::retryable(
                if code == 429 {
                    "forward.throttled"
                } else {
                    "forward.server_error"
                },
                format!("{} answered HTTP {code}{detail}.", self.where_()),
                "Nothing to change if it passes: delivery resumes by itself, after the wait \
                 the receiver asked for.",
            ),
            401 | 403 => SendError::setup(
                "forward.token_rejected",
                format!("{} refused the token (HTTP {code}){detail}.", self.where_()),
                match self.kind {
                    Kind::Hec => {
                        "Check the HEC token in Splunk (Settings > Data inputs > HTTP Event Collector: enabled, allowed index), then remove and add the destination again with --token-stdin."
                    }
                    Kind::Elastic => {
                        "Check the API key (or user:password) and its privileges on the index (create_doc, index), then remove and add the destination again with --token-stdin."
                    }
                    _ => {
                        "Check the token the collector expects, then remove and add the destination again with --token-stdin."
                    }
                },
            ),
            404 => SendError::setup(
                "forward.not_found",
                format!(
                    "{} has no {} (HTTP 404){detail}.",
                    self.where_(),
                    self.endpoint.path()
                ),
                match self.kind {
                    Kind::Hec => {
                        "Check the host and port of the HTTP Event Collector (8088 by default) and that HEC is enabled."
                    }
                    _ => "Check the host, port and path in --to.",
                },
            ),
            413 => SendError::refused(
                "forward.too_large",
                format!("{} refused a batch of this size (HTTP 413).", self.where_()),
                "Raise the receiver's request size limit (Elasticsearch http.max_content_length, Splunk max_content_length).",
            ),
            _ => SendError::refused(
                "forward.refused",
                format!("{} refused the batch (HTTP {code}){detail}.", self.where_()),
                "Check the destination's settings (index, sourcetype, mapping); delivery of this \
                 destination stops at this batch until the cause is fixed.",
            ),
        }
    }

    /// A 2xx can still hold refusals: `_bulk` per-item errors, OTLP partial success, HEC codes.
    fn check_accepted(&self, text: &str) -> Result<(), SendError> {
        let answer: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        match self.kind {
            Kind::Elastic => {
                if answer.get("errors").and_then(Value::as_bool) != Some(true) {
                    if answer.get("items").is_none() {
                        return Err(SendError::refused(
                            "forward.bad_answer",
                            format!("{} answered 2xx without a _bulk result.", self.where_()),
                            "Check that --to points at Elasticsearch or OpenSearch itself, not a proxy page.",
                        ));
                    }
                    return Ok(());
                }
                let items = answer["items"].as_array().cloned().unwrap_or_default();
                let failed: Vec<&Value> = items
                    .iter()
                    .filter_map(|i| i.as_object().and_then(|o| o.values().next()))
                    .filter(|r| r.get("error").is_some())
                    .collect();
                let retryable = failed
                    .iter()
                    .any(|r| r["status"].as_u64().is_some_and(|s| s == 429 || s >= 500));
                let first = failed.first().map(|r| {
                    format!(
                        "{}: {}",
                        r["error"]["type"].as_str().unwrap_or("error"),
                        r["error"]["reason"].as_str().unwrap_or("no reason given")
                    )
                });
                let first: String = first.unwrap_or_default().chars().take(200).collect();
                if retryable {
                    Err(SendError::retryable(
                        "forward.items_throttled",
                        format!(
                            "{} could not take {} of the batch's events now ({first}).",
                            self.where_(),
                            failed.len()
                        ),
                        "Nothing to change if it passes: the batch is sent again, and the event key as _id keeps it from duplicating.",
                    ))
                } else {
                    Err(SendError::refused(
                        "forward.items_refused",
                        format!(
                            "{} refused {} of the batch's events ({first}).",
                            self.where_(),
                            failed.len()
                        ),
                        "Fix the index mapping (or use --format ecs); delivery of this destination stops at this batch until then.",
                    ))
                }
            }
            Kind::Hec => match answer.get("code").and_then(Value::as_i64) {
                Some(0) | None => Ok(()),
                Some(c) => Err(SendError::refused(
                    "forward.refused",
                    format!("{} answered HEC code {c}.", self.where_()),
                    "Check the HEC token's settings in Splunk (allowed indexes, sourcetype).",
                )),
            },
            _ => {
                let rejected = answer["partialSuccess"]["rejectedLogRecords"]
                    .as_str()
                    .and_then(|s| s.parse::<u64>().ok())
                    .or_else(|| answer["partialSuccess"]["rejectedLogRecords"].as_u64())
                    .unwrap_or(0);
                if rejected == 0 {
                    Ok(())
                } else {
                    Err(SendError::refused(
                        "forward.items_refused",
                        format!(
                            "{} rejected {rejected} of the batch's log records.",
                            self.where_()
                        ),
                        "Check the collector's logs and limits; delivery of this destination stops at this batch until then.",
                    ))
                }
            }
        }
    }
}

/// The HTTP client of a destination: the platform's roots plus `ca_file`, no redirects.
pub(crate) fn client(ca_file: Option<&Path>, timeout: Duration) -> Result<Client, SendError> {
    let mut builder = Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        // A redirect would carry the token to another place.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("wdconnect/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = ca_file {
        for cert in crate::tls::read_ca_file(path)? {
            let cert = reqwest::Certificate::from_der(&cert).map_err(|e| {
                SendError::setup(
                    "forward.ca_invalid",
                    format!("A certificate in {} cannot be used: {e}.", path.display()),
                    "Give --ca the CA certificate that signed the receiver's certificate.",
                )
            })?;
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(|e| {
        SendError::setup(
            "forward.http_setup",
            format!("The HTTP client could not be set up: {e}."),
            "Check the CA file given with --ca.",
        )
    })
}

/// A request that got no answer: a certificate problem (settings) or a peer that is down, slow
/// or unreachable (retry). `where_` names the destination for the message.
pub(crate) fn transport_error(
    host: &str,
    port: u16,
    where_: &str,
    e: &reqwest::Error,
) -> SendError {
    if let Some(tls) = find_tls_error(e) {
        let io = std::io::Error::other(tls.clone());
        return crate::tls::handshake_error(host, port, &io);
    }
    if e.is_timeout() {
        return SendError::retryable(
            "forward.timeout",
            format!("{where_} did not answer in time."),
            "Check that the receiver runs and is not overloaded; delivery resumes by itself.",
        );
    }
    SendError::retryable(
        "forward.unreachable",
        format!("{where_} could not be reached: {}.", error_chain(e)),
        "Check that the receiver runs and listens on this host and port, and that no \
         firewall is in the way; delivery resumes by itself when it answers.",
    )
}

impl Destination for HttpSender {
    fn send<'a>(&'a mut self, batch: &'a [Record]) -> SendFuture<'a> {
        Box::pin(async move {
            if batch.is_empty() {
                return Ok(());
            }
            self.post(batch).await
        })
    }
}

fn auth_header(kind: Kind, secret: &SecretString) -> Result<HeaderValue, SendError> {
    let s = secret.expose_secret();
    let value = match kind {
        Kind::Hec => format!("Splunk {s}"),
        // An encoded API key is base64 (no ':'); `user:password` is basic auth.
        Kind::Elastic if s.contains(':') => format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
        ),
        Kind::Elastic => format!("ApiKey {s}"),
        _ => format!("Bearer {s}"),
    };
    let mut v = HeaderValue::from_str(&value).map_err(|_| {
        SendError::setup(
            "forward.bad_token",
            "The stored token holds characters an HTTP header cannot carry.",
            "Remove the destination and add it again, piping the token in exactly (no line \
             breaks) with --token-stdin.",
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}

fn attr(key: &str, value: &str) -> Value {
    json!({"key": key, "value": {"stringValue": value}})
}

fn otlp_record(r: &Record, f: Format) -> Value {
    let nanos =
        |t: chrono::DateTime<chrono::Utc>| t.timestamp_nanos_opt().unwrap_or_default().to_string();
    let severity = otlp_severity(r);
    let mut rec = json!({
        "observedTimeUnixNano": nanos(chrono::Utc::now()),
        "severityNumber": severity.0,
        "severityText": severity.1,
        "body": {"stringValue": format::line(r, f)},
        "attributes": [
            attr("event.key", &r.key),
            attr("workday.record_type", r.kind.name()),
            attr("workday.connection", &r.connection),
            json!({"key": "workday.own_call", "value": {"boolValue": r.own_call}}),
        ],
    });
    if let Some(t) = r.time {
        rec["timeUnixNano"] = json!(nanos(t));
    }
    rec
}

/// The batch as an OTLP `ExportLogsServiceRequest` in protobuf: the same resource, scope,
/// severities and attributes as the JSON encoding.
fn otlp_protobuf(batch: &[Record], f: Format, hostname: &str) -> Vec<u8> {
    use opentelemetry_proto::tonic::common::v1::{
        AnyValue, InstrumentationScope, KeyValue, any_value,
    };
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use prost::Message;
    let kv = |key: &str, value: any_value::Value| KeyValue {
        key: key.to_string(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    };
    let text = |key: &str, v: &str| kv(key, any_value::Value::StringValue(v.to_string()));
    let nanos = |t: chrono::DateTime<chrono::Utc>| {
        t.timestamp_nanos_opt().unwrap_or_default().max(0) as u64
    };
    let observed = nanos(chrono::Utc::now());
    let records = batch
        .iter()
        .map(|r| {
            let (number, severity) = otlp_severity(r);
            LogRecord {
                time_unix_nano: r.time.map_or(0, nanos),
                observed_time_unix_nano: observed,
                severity_number: number,
                severity_text: severity.to_string(),
                body: Some(AnyValue {
                    value: Some(any_value::Value::StringValue(format::line(r, f))),
                }),
                attributes: vec![
                    text("event.key", &r.key),
                    text("workday.record_type", r.kind.name()),
                    text("workday.connection", &r.connection),
                    kv("workday.own_call", any_value::Value::BoolValue(r.own_call)),
                ],
                ..Default::default()
            }
        })
        .collect();
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![
                    text("service.name", "wdconnect"),
                    text("host.name", hostname),
                ],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "workday-connector".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    ..Default::default()
                }),
                log_records: records,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

/// Events at INFO; an alert at WARN, WARN2 or ERROR by its severity.
fn otlp_severity(r: &Record) -> (i32, &'static str) {
    match r.kind {
        RecordKind::Event => (9, "INFO"),
        RecordKind::Alert => [(13, "WARN"), (14, "WARN2"), (17, "ERROR")][format::alert_rank(r)],
    }
}

/// Splunk's header naming the channel of a request with indexer acknowledgement.
const CHANNEL: &str = "x-splunk-request-channel";

/// HEC's own answer code (`{"text": ..., "code": N}`).
fn hec_code(text: &str) -> Option<i64> {
    serde_json::from_str::<Value>(text).ok()?["code"].as_i64()
}

/// `Retry-After` in seconds (the form HEC, Elasticsearch and proxies send), capped.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs).min(RETRY_AFTER_MAX))
}

/// The receiver's own short reason, when its answer has one in a known field; never the body.
fn short_reason(kind: Kind, text: &str) -> String {
    let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let reason = match kind {
        Kind::Hec => v["text"].as_str().map(str::to_owned),
        Kind::Elastic => v["error"]["type"].as_str().map(str::to_owned),
        _ => v["message"].as_str().map(str::to_owned),
    };
    match reason {
        Some(r) => format!(
            ": {}",
            r.chars()
                .take(120)
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        ),
        None => String::new(),
    }
}

fn find_tls_error(e: &reqwest::Error) -> Option<&tokio_rustls::rustls::Error> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(t) = s.downcast_ref::<tokio_rustls::rustls::Error>() {
            return Some(t);
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && let Some(t) = io
                .get_ref()
                .and_then(|i| i.downcast_ref::<tokio_rustls::rustls::Error>())
        {
            return Some(t);
        }
        source = s.source();
    }
    None
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut s = e.source();
    while let Some(x) = s {
        let t = x.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        s = x.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FailureKind;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// Answers every request on a listener bound here with `status`, `headers` and `body`,
    /// after reading the whole request; returns the URL's host:port.
    async fn answering(status: u16, headers: &'static str, body: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (mut sock, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    loop {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf);
                        if let Some(end) = text.find("\r\n\r\n") {
                            let len: usize = text[..end]
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase()
                                        .strip_prefix("content-length:")
                                        .map(|v| v.trim().parse().unwrap_or(0))
                                })
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + len {
                                break;
                            }
                        }
                    }
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(reply.as_bytes()).await;
                });
            }
        });
        addr.to_string()
    }

    fn batch() -> Vec<Record> {
        vec![Record {
            kind: crate::RecordKind::Event,
            id: 1,
            key: "k1".into(),
            connection: "acme".into(),
            own_call: false,
            time: None,
            event: json!({"systemAccount": "ann"}),
        }]
    }

    async fn send(url: String, secret: Option<&str>) -> Result<(), SendError> {
        let target = Target::parse(&url).unwrap();
        let mut s = HttpSender::new(
            &target,
            target.kind.default_format(),
            None,
            secret.map(|s| SecretString::from(s.to_string())),
            Duration::from_secs(5),
        )
        .unwrap();
        s.send(&batch()).await
    }

    #[tokio::test]
    async fn answers_are_sorted_into_retry_refused_and_setup() {
        let hec = |addr: String| format!("hec+http://{addr}");
        let e = send(
            hec(answering(429, "retry-after: 7\r\n", "{}").await),
            Some("t"),
        )
        .await
        .unwrap_err();
        assert_eq!(
            (e.kind, e.code, e.retry_after),
            (
                FailureKind::Retryable,
                "forward.throttled",
                Some(Duration::from_secs(7))
            )
        );
        let e = send(hec(answering(503, "", "{}").await), Some("t"))
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.retry_after), (FailureKind::Retryable, None));
        let e = send(
            hec(answering(403, "", r#"{"text":"Invalid token","code":4}"#).await),
            Some("t"),
        )
        .await
        .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (FailureKind::Setup, "forward.token_rejected")
        );
        assert!(e.message.contains("Invalid token"), "{}", e.message);
        let e = send(hec(answering(413, "", "{}").await), Some("t"))
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (FailureKind::Refused, "forward.too_large")
        );
        let e = send(
            hec(answering(400, "", r#"{"text":"Invalid data format","code":6}"#).await),
            Some("t"),
        )
        .await
        .unwrap_err();
        assert_eq!((e.kind, e.code), (FailureKind::Refused, "forward.refused"));
        send(
            hec(answering(200, "", r#"{"text":"Success","code":0}"#).await),
            Some("t"),
        )
        .await
        .unwrap();
    }

    async fn send_with_timeout(url: String, timeout: Duration) -> Result<(), SendError> {
        let target = Target::parse(&url).unwrap();
        let mut s = HttpSender::new(
            &target,
            target.kind.default_format(),
            None,
            Some(SecretString::from("t".to_string())),
            timeout,
        )
        .unwrap();
        s.send(&batch()).await
    }

    #[tokio::test]
    async fn hec_with_ack_waits_for_the_confirmation_and_gives_up_to_resend() {
        // One answer serves both calls: the event's ackId and the ack poll's verdict.
        let hec = |addr: String| format!("hec+http://{addr}?ack=true");
        let confirmed = r#"{"text":"Success","code":0,"ackId":7,"acks":{"7":true}}"#;
        send_with_timeout(
            hec(answering(200, "", confirmed).await),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        let never = r#"{"text":"Success","code":0,"ackId":7,"acks":{"7":false}}"#;
        let e = send_with_timeout(
            hec(answering(200, "", never).await),
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (FailureKind::Retryable, "forward.ack_timeout")
        );
        let off = r#"{"text":"Success","code":0}"#;
        let e = send_with_timeout(hec(answering(200, "", off).await), Duration::from_secs(5))
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (FailureKind::Setup, "forward.hec_ack_disabled")
        );
        let u = channel_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }

    /// Keeps every request's head and body, answering each 200 with `body` (protobuf bytes).
    async fn capturing(body: Vec<u8>) -> (String, Arc<Mutex<Vec<(String, Vec<u8>)>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let keep = seen.clone();
        tokio::spawn(async move {
            loop {
                let (mut sock, _) = listener.accept().await.unwrap();
                let keep = keep.clone();
                let body = body.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    let (head, len) = loop {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                            let len: usize = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .map(|v| v.trim().parse().unwrap_or(0))
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + len {
                                break (head, end + 4);
                            }
                        }
                    };
                    keep.lock().unwrap().push((head, buf[len..].to_vec()));
                    let mut reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    reply.extend_from_slice(&body);
                    let _ = sock.write_all(&reply).await;
                });
            }
        });
        (addr.to_string(), seen)
    }

    #[tokio::test]
    async fn otlp_protobuf_is_the_generated_messages_and_its_partial_success_is_read() {
        use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsPartialSuccess;
        use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
        use prost::Message;
        let (addr, seen) = capturing(Vec::new()).await;
        let mut records = batch();
        records[0].time = "2026-04-17T08:00:00Z".parse().ok();
        let target = Target::parse(&format!("otlp+http://{addr}?encoding=protobuf")).unwrap();
        let mut s =
            HttpSender::new(&target, Format::Json, None, None, Duration::from_secs(5)).unwrap();
        s.send(&records).await.unwrap();
        let (head, body) = seen.lock().unwrap()[0].clone();
        assert!(head.starts_with("post /v1/logs "), "{head}");
        assert!(
            head.contains("content-type: application/x-protobuf"),
            "{head}"
        );
        let req = ExportLogsServiceRequest::decode(body.as_slice()).unwrap();
        let rl = &req.resource_logs[0];
        let resource = rl.resource.as_ref().unwrap();
        assert_eq!(resource.attributes[0].key, "service.name");
        let log = &rl.scope_logs[0].log_records[0];
        assert_eq!(log.time_unix_nano, 1_776_412_800_000_000_000);
        assert_eq!(
            (log.severity_number, log.severity_text.as_str()),
            (9, "INFO")
        );
        let Some(V::StringValue(text)) = log.body.as_ref().and_then(|b| b.value.clone()) else {
            panic!("a string body: {log:?}");
        };
        let payload: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(payload["event_key"], "k1");
        assert_eq!(payload["workday"]["systemAccount"], "ann");
        let attr = |k: &str| {
            log.attributes
                .iter()
                .find(|a| a.key == k)
                .and_then(|a| a.value.clone())
                .and_then(|v| v.value)
        };
        assert_eq!(attr("event.key"), Some(V::StringValue("k1".into())));
        assert_eq!(attr("workday.own_call"), Some(V::BoolValue(false)));
        let partial = ExportLogsServiceResponse {
            partial_success: Some(ExportLogsPartialSuccess {
                rejected_log_records: 1,
                error_message: "too old".into(),
            }),
        }
        .encode_to_vec();
        let (addr, _) = capturing(partial).await;
        let target = Target::parse(&format!("otlp+http://{addr}?encoding=protobuf")).unwrap();
        let mut s =
            HttpSender::new(&target, Format::Json, None, None, Duration::from_secs(5)).unwrap();
        let e = s.send(&records).await.unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (FailureKind::Refused, "forward.items_refused")
        );
    }

    #[tokio::test]
    async fn bulk_item_errors_in_a_200_are_read() {
        let es = |addr: String| format!("elastic+http://{addr}/wd");
        let refused = r#"{"errors":true,"items":[{"index":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse"}}}]}"#;
        let e = send(es(answering(200, "", refused).await), Some("key"))
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (FailureKind::Refused, "forward.items_refused")
        );
        assert!(
            e.message.contains("mapper_parsing_exception"),
            "{}",
            e.message
        );
        let busy = r#"{"errors":true,"items":[{"index":{"status":201}},{"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}]}"#;
        let e = send(es(answering(200, "", busy).await), Some("key"))
            .await
            .unwrap_err();
        assert_eq!(e.kind, FailureKind::Retryable);
        send(
            es(answering(
                200,
                "",
                r#"{"errors":false,"items":[{"index":{"status":201}}]}"#,
            )
            .await),
            Some("key"),
        )
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn otlp_partial_success_is_a_refusal() {
        let otlp = |addr: String| format!("otlp+http://{addr}");
        let partial = r#"{"partialSuccess":{"rejectedLogRecords":"1","errorMessage":"too old"}}"#;
        let e = send(otlp(answering(200, "", partial).await), None)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (FailureKind::Refused, "forward.items_refused")
        );
        send(otlp(answering(200, "", "{}").await), None)
            .await
            .unwrap();
    }

    #[test]
    fn tokens_become_the_kinds_auth_header() {
        let s = SecretString::from("abc".to_string());
        assert_eq!(auth_header(Kind::Hec, &s).unwrap(), "Splunk abc");
        assert_eq!(auth_header(Kind::Elastic, &s).unwrap(), "ApiKey abc");
        let basic = SecretString::from("elastic:pw".to_string());
        assert_eq!(
            auth_header(Kind::Elastic, &basic).unwrap(),
            "Basic ZWxhc3RpYzpwdw=="
        );
        assert!(auth_header(Kind::Hec, &s).unwrap().is_sensitive());
        assert!(format!("{:?}", auth_header(Kind::Hec, &s).unwrap()).contains("Sensitive"));
    }
}
