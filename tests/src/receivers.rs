//! Receivers for the forwarding tests: strict fakes of Splunk HEC, Elasticsearch `_bulk` and
//! the Azure Monitor Logs Ingestion API with its Entra ID token endpoint (every header, the auth
//! and the body format checked; told on command to accept, answer a
//! status, take a batch and hang up without answering, or drop connections unread), and a real
//! rsyslog with TLS on a port it chose itself, writing what it receives to a file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// What the fake does with the next requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// Check and accept.
    Accept,
    /// Answer this status (with `Retry-After: secs` when given), keeping nothing.
    Status(u16, Option<u64>),
    /// Read and keep the batch, then hang up without an answer (a receiver that crashed after
    /// taking it): the sender cannot know it arrived.
    TakeAndHangUp,
    /// Close each connection as soon as it is accepted, reading nothing.
    DropConnections,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FakeKind {
    Hec,
    Elastic,
    Sentinel,
    Otlp,
}

/// The Logs Ingestion settings the Sentinel fake expects, as the Azure portal shows them.
pub const SENTINEL_DCR: &str = "dcr-0a1b2c3d4e5f60718293a4b5c6d7e8f9";
pub const SENTINEL_STREAM: &str = "Custom-WorkdayActivity";
pub const SENTINEL_TENANT: &str = "5b8e1c2a-3d4f-4a6b-9c7d-0e1f2a3b4c5d";
pub const SENTINEL_CLIENT: &str = "c0ffee00-1234-4abc-8def-0123456789ab";
/// The scope a Logs Ingestion token is asked for (Azure's global cloud).
pub const SENTINEL_SCOPE: &str = "https://monitor.azure.com//.default";
/// The Logs Ingestion API's limit per call.
pub const SENTINEL_MAX_BODY: usize = 1024 * 1024;

/// One record the fake kept: its event key, the payload it carried, and whether it was kept
/// during a `TakeAndHangUp` request.
#[derive(Debug, Clone)]
pub struct Received {
    pub key: String,
    pub payload: Value,
    pub unacknowledged: bool,
}

#[derive(Debug, Default)]
struct State {
    behaviour: Option<Behaviour>,
    received: Vec<Received>,
    /// Contract violations seen (each answered 400 or 401).
    violations: Vec<String>,
    requests: usize,
    /// Authorization headers seen, to prove the token travelled only there.
    auth_seen: HashSet<String>,
    /// Sentinel: the access tokens issued and still valid, every one issued, the token
    /// requests, and the largest ingestion body.
    valid_tokens: HashSet<String>,
    issued: Vec<String>,
    token_requests: usize,
    max_body: usize,
    /// Sentinel: revoke every token when the ingestion request of this number arrives.
    revoke_at: Option<usize>,
    /// HEC indexer acknowledgement: on, the channels seen, the ack ids issued (with the range
    /// of `received` they cover and how many polls each has had), and the polls in all.
    ack_mode: bool,
    channels: HashSet<String>,
    acks: std::collections::HashMap<u64, (std::ops::Range<usize>, usize)>,
    next_ack: u64,
    ack_polls: usize,
    /// An ack id is confirmed at its this-many-th poll (0: never).
    ack_at_poll: usize,
}

/// A strict fake on 127.0.0.1, bound before it is handed out.
#[derive(Debug, Clone)]
pub struct HttpFake {
    pub port: u16,
    kind: FakeKind,
    secret: String,
    index: String,
    state: Arc<Mutex<State>>,
}

impl HttpFake {
    /// A HEC fake that accepts `Authorization: Splunk {token}`.
    pub async fn hec(token: &str) -> HttpFake {
        Self::start(FakeKind::Hec, token, "").await
    }

    /// An OTLP/HTTP logs receiver (`POST /v1/logs`, JSON or protobuf) that accepts
    /// `Authorization: Bearer {token}`; each log record's `event.key` attribute is its key and
    /// its body (the formatted record) its payload.
    pub async fn otlp(token: &str) -> HttpFake {
        Self::start(FakeKind::Otlp, token, "").await
    }

    /// An `_bulk` fake that accepts `Authorization: ApiKey {key}` and writes to `index`.
    pub async fn elastic(api_key: &str, index: &str) -> HttpFake {
        Self::start(FakeKind::Elastic, api_key, index).await
    }

    /// A HEC fake with indexer acknowledgement on: every event request needs a channel (a UUID)
    /// and gets an `ackId`, confirmed by `/services/collector/ack` at its second poll. Records
    /// stay `unacknowledged` until their ack is confirmed.
    pub async fn hec_ack(token: &str) -> HttpFake {
        let fake = Self::start(FakeKind::Hec, token, "").await;
        {
            let mut s = fake.lock();
            s.ack_mode = true;
            s.ack_at_poll = 2;
        }
        fake
    }

    /// HEC ack mode: confirm each ack id at its `n`th poll (0: never confirm).
    pub fn ack_at_poll(&self, n: usize) {
        self.lock().ack_at_poll = n;
    }

    /// HEC ack mode: the channels seen, and the ack polls received.
    pub fn channels(&self) -> HashSet<String> {
        self.lock().channels.clone()
    }

    pub fn ack_polls(&self) -> usize {
        self.lock().ack_polls
    }

    /// A fake of Entra ID's token endpoint and the Logs Ingestion API on one port, accepting the
    /// client credentials of [`SENTINEL_CLIENT`] with `client_secret`.
    pub async fn sentinel(client_secret: &str) -> HttpFake {
        Self::start(FakeKind::Sentinel, client_secret, "").await
    }

    async fn start(kind: FakeKind, secret: &str, index: &str) -> HttpFake {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake binds");
        let fake = HttpFake {
            port: listener.local_addr().expect("an address").port(),
            kind,
            secret: secret.to_string(),
            index: index.to_string(),
            state: Arc::new(Mutex::new(State {
                behaviour: Some(Behaviour::Accept),
                ..State::default()
            })),
        };
        let serving = fake.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                if serving.behaviour() == Behaviour::DropConnections {
                    drop(stream);
                    continue;
                }
                let fake = serving.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let fake = fake.clone();
                        async move { fake.handle(req).await }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        fake
    }

    pub fn set(&self, b: Behaviour) {
        self.lock().behaviour = Some(b);
    }

    pub fn behaviour(&self) -> Behaviour {
        self.lock().behaviour.clone().unwrap_or(Behaviour::Accept)
    }

    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// The event records kept, without the alerts (whose keys start with `alert:`).
    pub fn received_events(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| !r.key.starts_with("alert:"))
            .collect()
    }

    pub fn violations(&self) -> Vec<String> {
        self.lock().violations.clone()
    }

    pub fn requests(&self) -> usize {
        self.lock().requests
    }

    pub fn auth_headers(&self) -> HashSet<String> {
        self.lock().auth_seen.clone()
    }

    /// Sentinel: every issued token stops being valid (as when one is revoked or expires early).
    pub fn revoke_tokens(&self) {
        self.lock().valid_tokens.clear();
    }

    /// Sentinel: revoke every token as the `n`th ingestion request (1-based) arrives, so that
    /// request meets a 401 with a token the sender had cached.
    pub fn revoke_tokens_at(&self, n: usize) {
        self.lock().revoke_at = Some(n);
    }

    /// Sentinel: how many token requests arrived (refused ones included).
    pub fn token_requests(&self) -> usize {
        self.lock().token_requests
    }

    /// Sentinel: every access token handed out.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.lock().issued.clone()
    }

    /// Sentinel: the largest ingestion body received.
    pub fn max_body(&self) -> usize {
        self.lock().max_body
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `hec+http://127.0.0.1:PORT` or `elastic+http://127.0.0.1:PORT/INDEX`.
    pub fn url(&self) -> String {
        match self.kind {
            FakeKind::Hec => format!("hec+http://127.0.0.1:{}", self.port),
            FakeKind::Elastic => format!("elastic+http://127.0.0.1:{}/{}", self.port, self.index),
            FakeKind::Otlp => format!("otlp+http://127.0.0.1:{}", self.port),
            FakeKind::Sentinel => format!(
                "sentinel+http://127.0.0.1:{p}?dcr={SENTINEL_DCR}&stream={SENTINEL_STREAM}&tenant={SENTINEL_TENANT}&client={SENTINEL_CLIENT}&authority=http://127.0.0.1:{p}",
                p = self.port
            ),
        }
    }

    /// Entra ID's client-credentials grant: a form of exactly client_id, client_secret,
    /// grant_type and scope; a wrong secret is answered as Entra does (401 invalid_client).
    fn token(&self, parts: &hyper::http::request::Parts, body: &[u8]) -> Response<Full<Bytes>> {
        self.lock().token_requests += 1;
        let violation = |v: String| {
            self.lock().violations.push(v);
            reply(
                400,
                json!({"error": "invalid_request", "error_description": "AADSTS900144: malformed request"}),
            )
        };
        if parts.method != hyper::Method::POST {
            return violation(format!("token request by {}", parts.method));
        }
        let ct = parts
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if ct != "application/x-www-form-urlencoded" {
            return violation(format!("token request content-type {ct}"));
        }
        if parts.headers.get("authorization").is_some() {
            return violation("token request with an Authorization header".into());
        }
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        if names != ["client_id", "client_secret", "grant_type", "scope"] {
            return violation(format!("token form fields {names:?}"));
        }
        let get = |k: &str| {
            form.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        if get("grant_type") != "client_credentials" || get("scope") != SENTINEL_SCOPE {
            return violation(format!(
                "grant_type {} scope {}",
                get("grant_type"),
                get("scope")
            ));
        }
        if get("client_id") != SENTINEL_CLIENT {
            return reply(
                400,
                json!({"error": "unauthorized_client", "error_description": "AADSTS700016: Application not found in the directory."}),
            );
        }
        if get("client_secret") != self.secret {
            return reply(
                401,
                json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}),
            );
        }
        let mut s = self.lock();
        let token = format!(
            "eyJfake.entra-access-{}-{}.sig",
            std::process::id(),
            s.issued.len() + 1
        );
        s.issued.push(token.clone());
        s.valid_tokens.insert(token.clone());
        reply(
            200,
            json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}),
        )
    }

    async fn handle(
        &self,
        req: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, std::io::Error> {
        let behaviour = self.behaviour();
        let (parts, body) = req.into_parts();
        let body = body
            .collect()
            .await
            .map_err(std::io::Error::other)?
            .to_bytes();
        if self.kind == FakeKind::Sentinel
            && parts.uri.path() == format!("/{SENTINEL_TENANT}/oauth2/v2.0/token")
        {
            return Ok(self.token(&parts, &body));
        }
        if self.kind == FakeKind::Hec && parts.uri.path() == "/services/collector/ack" {
            return Ok(self.ack(&parts, &body));
        }
        self.lock().requests += 1;
        if let Behaviour::Status(code, retry_after) = behaviour {
            let mut r = Response::builder().status(code);
            if let Some(s) = retry_after {
                r = r.header("Retry-After", s.to_string());
            }
            return Ok(r
                .body(Full::new(Bytes::from_static(
                    b"{\"text\":\"Server is busy\",\"code\":9}",
                )))
                .expect("a response"));
        }
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let auth = header("authorization");
        self.lock().auth_seen.insert(auth.clone());
        if self.kind == FakeKind::Sentinel {
            return self.ingest(&parts, &auth, &body, behaviour);
        }
        let protobuf = header("content-type") == "application/x-protobuf";
        let (path, content_type, expected_auth) = match self.kind {
            FakeKind::Hec => (
                "/services/collector/event",
                "application/json",
                format!("Splunk {}", self.secret),
            ),
            FakeKind::Otlp => (
                "/v1/logs",
                if protobuf {
                    "application/x-protobuf"
                } else {
                    "application/json"
                },
                format!("Bearer {}", self.secret),
            ),
            _ => (
                "/_bulk",
                "application/x-ndjson",
                format!("ApiKey {}", self.secret),
            ),
        };
        if auth != expected_auth {
            self.lock()
                .violations
                .push("wrong or missing Authorization".into());
            return Ok(reply(401, json!({"text": "Invalid token", "code": 4})));
        }
        if parts.method != hyper::Method::POST || parts.uri.path() != path {
            let v = format!("{} {}", parts.method, parts.uri.path());
            self.lock()
                .violations
                .push(format!("unexpected request {v}"));
            return Ok(reply(404, json!({"text": "not found"})));
        }
        if header("content-type") != content_type {
            self.lock()
                .violations
                .push(format!("content-type {}", header("content-type")));
            return Ok(reply(400, json!({"text": "bad content type", "code": 6})));
        }
        let channel = header("x-splunk-request-channel");
        if self.kind == FakeKind::Hec && self.lock().ack_mode {
            if !is_uuid(&channel) {
                self.lock()
                    .violations
                    .push(format!("event request on channel {channel:?}"));
                return Ok(reply(
                    400,
                    json!({"text": "Data channel is missing", "code": 10}),
                ));
            }
            self.lock().channels.insert(channel.clone());
        }
        let parsed = match self.kind {
            FakeKind::Hec => parse_hec(&body),
            FakeKind::Otlp if protobuf => parse_otlp_protobuf(&body),
            FakeKind::Otlp => parse_otlp_json(&body),
            _ => parse_bulk(&body, &self.index),
        };
        let records = match parsed {
            Ok(r) => r,
            Err(v) => {
                self.lock().violations.push(v.clone());
                return Ok(reply(
                    400,
                    json!({"text": "Invalid data format", "code": 6}),
                ));
            }
        };
        let n = records.len();
        let hang_up = behaviour == Behaviour::TakeAndHangUp;
        let ack_id = {
            let mut s = self.lock();
            let ack_mode = s.ack_mode;
            let start = s.received.len();
            s.received
                .extend(records.into_iter().map(|(key, payload)| Received {
                    key,
                    payload,
                    unacknowledged: hang_up || ack_mode,
                }));
            ack_mode.then(|| {
                let id = s.next_ack;
                s.next_ack += 1;
                s.acks.insert(id, (start..start + n, 0));
                id
            })
        };
        if hang_up {
            return Err(std::io::Error::other("hung up after taking the batch"));
        }
        if let Some(id) = ack_id {
            return Ok(reply(
                200,
                json!({"text": "Success", "code": 0, "ackId": id}),
            ));
        }
        Ok(match self.kind {
            FakeKind::Hec => reply(200, json!({"text": "Success", "code": 0})),
            // An ExportLogsServiceResponse without partial success: empty in protobuf.
            FakeKind::Otlp if protobuf => Response::builder()
                .status(200)
                .header("content-type", "application/x-protobuf")
                .body(Full::new(Bytes::new()))
                .expect("a response"),
            FakeKind::Otlp => reply(200, json!({})),
            _ => reply(
                200,
                json!({"took": 1, "errors": false, "items": (0..n).map(|_| json!({"index": {"status": 201}})).collect::<Vec<_>>()}),
            ),
        })
    }
}

impl HttpFake {
    /// `/services/collector/ack`: the token, a known channel, `{"acks": [ids]}`; answers
    /// `{"acks": {"id": bool}}`, true at an id's configured poll. Without ack mode, Splunk's
    /// "ACK is disabled" (400, code 14).
    fn ack(&self, parts: &hyper::http::request::Parts, body: &[u8]) -> Response<Full<Bytes>> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let mut s = self.lock();
        if !s.ack_mode {
            return reply(400, json!({"text": "ACK is disabled", "code": 14}));
        }
        s.ack_polls += 1;
        if header("authorization") != format!("Splunk {}", self.secret) {
            s.violations.push("ack poll without the token".into());
            return reply(401, json!({"text": "Invalid token", "code": 4}));
        }
        let channel = header("x-splunk-request-channel");
        if parts.method != hyper::Method::POST || !s.channels.contains(&channel) {
            s.violations.push(format!(
                "ack poll by {} on channel {channel:?}",
                parts.method
            ));
            return reply(400, json!({"text": "Invalid data channel", "code": 11}));
        }
        let ids: Vec<u64> = match serde_json::from_slice::<Value>(body) {
            Ok(v) => v["acks"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        if ids.is_empty() {
            s.violations.push("ack poll without ids".into());
            return reply(400, json!({"text": "Invalid data format", "code": 6}));
        }
        let at = s.ack_at_poll;
        let st = &mut *s;
        let mut out = serde_json::Map::new();
        for id in ids {
            let hit = st.acks.get_mut(&id).map(|(range, polls)| {
                *polls += 1;
                (range.clone(), at != 0 && *polls >= at)
            });
            let done = match hit {
                Some((range, true)) => {
                    for r in &mut st.received[range] {
                        r.unacknowledged = false;
                    }
                    true
                }
                _ => false,
            };
            out.insert(id.to_string(), Value::Bool(done));
        }
        reply(200, json!({ "acks": out }))
    }

    /// The Logs Ingestion call: a valid Bearer token, the rule's stream path with exactly
    /// `api-version=2023-01-01`, `application/json`, at most 1 MB, a JSON array of records in the
    /// documented columns. 204 when taken.
    fn ingest(
        &self,
        parts: &hyper::http::request::Parts,
        auth: &str,
        body: &[u8],
        behaviour: Behaviour,
    ) -> Result<Response<Full<Bytes>>, std::io::Error> {
        let token = auth.strip_prefix("Bearer ").unwrap_or_default();
        {
            let mut s = self.lock();
            if s.revoke_at == Some(s.requests) {
                s.revoke_at = None;
                s.valid_tokens.clear();
            }
        }
        if !self.lock().valid_tokens.contains(token) {
            // An expired or revoked token is not a violation: the sender must fetch a new one.
            if token.is_empty() || !self.lock().issued.iter().any(|t| t == token) {
                self.lock()
                    .violations
                    .push("ingestion without an issued Bearer token".into());
            }
            return Ok(reply(
                401,
                json!({"error": {"code": "InvalidToken", "message": "The token is invalid or expired."}}),
            ));
        }
        let path = format!("/dataCollectionRules/{SENTINEL_DCR}/streams/{SENTINEL_STREAM}");
        if parts.method != hyper::Method::POST || parts.uri.path() != path {
            let v = format!("{} {}", parts.method, parts.uri.path());
            self.lock()
                .violations
                .push(format!("unexpected request {v}"));
            return Ok(reply(
                404,
                json!({"error": {"code": "NotFound", "message": "no such rule or stream"}}),
            ));
        }
        if parts.uri.query() != Some("api-version=2023-01-01") {
            let q = parts.uri.query().unwrap_or_default().to_string();
            self.lock().violations.push(format!("query {q}"));
            return Ok(reply(
                400,
                json!({"error": {"code": "InvalidApiVersion", "message": "api-version"}}),
            ));
        }
        let ct = parts
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if ct != "application/json" {
            self.lock().violations.push(format!("content-type {ct}"));
            return Ok(reply(
                415,
                json!({"error": {"code": "UnsupportedMediaType", "message": "json only"}}),
            ));
        }
        {
            let mut s = self.lock();
            s.max_body = s.max_body.max(body.len());
        }
        if body.len() > SENTINEL_MAX_BODY {
            self.lock()
                .violations
                .push(format!("a body of {} bytes", body.len()));
            return Ok(reply(
                413,
                json!({"error": {"code": "ContentLengthLimitExceeded", "message": "over 1 MB"}}),
            ));
        }
        let records = match parse_sentinel(body) {
            Ok(r) => r,
            Err(v) => {
                self.lock().violations.push(v);
                return Ok(reply(
                    400,
                    json!({"error": {"code": "InvalidContent", "message": "bad records"}}),
                ));
            }
        };
        let hang_up = behaviour == Behaviour::TakeAndHangUp;
        self.lock()
            .received
            .extend(records.into_iter().map(|(key, payload)| Received {
                key,
                payload,
                unacknowledged: hang_up,
            }));
        if hang_up {
            return Err(std::io::Error::other("hung up after taking the batch"));
        }
        Ok(Response::builder()
            .status(204)
            .body(Full::new(Bytes::new()))
            .expect("a response"))
    }
}

/// A Logs Ingestion body: a non-empty JSON array of objects, each with an RFC 3339
/// `TimeGenerated`, `RecordType`, `EventKey`, `Connection`, a boolean `OwnCall` and `RawEvent`,
/// and no column outside the documented set.
fn parse_sentinel(body: &[u8]) -> Result<Vec<(String, Value)>, String> {
    const COLUMNS: &[&str] = &[
        "TimeGenerated",
        "RecordType",
        "EventKey",
        "Connection",
        "OwnCall",
        "SystemAccount",
        "TaskDisplayName",
        "ActivityAction",
        "IpAddress",
        "DeviceType",
        "UserAgent",
        "SessionId",
        "TargetDescriptor",
        "RawEvent",
    ];
    let rows: Vec<Value> =
        serde_json::from_slice(body).map_err(|e| format!("not a JSON array: {e}"))?;
    if rows.is_empty() {
        return Err("an empty array".into());
    }
    let mut out = Vec::new();
    for row in rows {
        let obj = row.as_object().ok_or("a record that is not an object")?;
        if let Some(extra) = obj.keys().find(|k| !COLUMNS.contains(&k.as_str())) {
            return Err(format!("an undeclared column {extra}"));
        }
        let time = row["TimeGenerated"].as_str().unwrap_or_default();
        if chrono::DateTime::parse_from_rfc3339(time).is_err() {
            return Err(format!("TimeGenerated {time:?} is not RFC 3339"));
        }
        if !row["RecordType"].is_string() || !row["Connection"].is_string() {
            return Err("a record without RecordType or Connection".into());
        }
        if !row["OwnCall"].is_boolean() || row.get("RawEvent").is_none() {
            return Err("a record without OwnCall or RawEvent".into());
        }
        let key = row["EventKey"]
            .as_str()
            .ok_or("a record without EventKey")?
            .to_string();
        out.push((key, row));
    }
    Ok(out)
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn reply(status: u16, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a response")
}

/// HEC's body: JSON envelopes one after another, each with `event`, a numeric `time`, `host`,
/// `source`, `sourcetype`, and the key in `fields.event_key`.
fn parse_hec(body: &[u8]) -> Result<Vec<(String, Value)>, String> {
    let mut out = Vec::new();
    for env in serde_json::Deserializer::from_slice(body).into_iter::<Value>() {
        let env = env.map_err(|e| format!("not concatenated JSON: {e}"))?;
        for field in ["host", "source", "sourcetype"] {
            if !env[field].is_string() {
                return Err(format!("envelope without {field}"));
            }
        }
        if !env["time"].is_number() {
            return Err("envelope time is not epoch seconds".into());
        }
        if env.get("event").is_none() {
            return Err("envelope without event".into());
        }
        let key = env["fields"]["event_key"]
            .as_str()
            .ok_or("envelope without fields.event_key")?
            .to_string();
        if env["event"]["event_key"].as_str().is_some_and(|k| k != key) {
            return Err("event_key differs between fields and event".into());
        }
        out.push((key, env["event"].clone()));
    }
    if out.is_empty() {
        return Err("an empty batch".into());
    }
    Ok(out)
}

/// OTLP/HTTP JSON: `resourceLogs[].scopeLogs[].logRecords[]`, each with a body string (the
/// formatted record), a numeric-string `observedTimeUnixNano` and an `event.key` attribute.
fn parse_otlp_json(body: &[u8]) -> Result<Vec<(String, Value)>, String> {
    let request: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let mut out = Vec::new();
    for resource in request["resourceLogs"]
        .as_array()
        .ok_or("no resourceLogs")?
    {
        for scope in resource["scopeLogs"].as_array().ok_or("no scopeLogs")? {
            for record in scope["logRecords"].as_array().ok_or("no logRecords")? {
                let observed = record["observedTimeUnixNano"].as_str().unwrap_or_default();
                if observed.is_empty() || !observed.bytes().all(|b| b.is_ascii_digit()) {
                    return Err("observedTimeUnixNano is not a decimal string".into());
                }
                let key = record["attributes"]
                    .as_array()
                    .and_then(|all| all.iter().find(|a| a["key"] == "event.key"))
                    .and_then(|a| a["value"]["stringValue"].as_str())
                    .ok_or("a log record without event.key")?;
                let line = record["body"]["stringValue"]
                    .as_str()
                    .ok_or("a log record without a string body")?;
                let payload = serde_json::from_str(line).map_err(|e| format!("body: {e}"))?;
                out.push((key.to_string(), payload));
            }
        }
    }
    if out.is_empty() {
        return Err("an empty batch".into());
    }
    Ok(out)
}

/// OTLP/HTTP protobuf: an `ExportLogsServiceRequest` with the same records as the JSON form.
fn parse_otlp_protobuf(body: &[u8]) -> Result<Vec<(String, Value)>, String> {
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
    use prost::Message;
    let request =
        ExportLogsServiceRequest::decode(body).map_err(|e| format!("not protobuf: {e}"))?;
    let text = |v: &Option<opentelemetry_proto::tonic::common::v1::AnyValue>| match v
        .as_ref()
        .and_then(|v| v.value.as_ref())
    {
        Some(Any::StringValue(s)) => Some(s.clone()),
        _ => None,
    };
    let mut out = Vec::new();
    for resource in &request.resource_logs {
        for scope in &resource.scope_logs {
            for record in &scope.log_records {
                if record.observed_time_unix_nano == 0 {
                    return Err("a log record without observedTimeUnixNano".into());
                }
                let key = record
                    .attributes
                    .iter()
                    .find(|a| a.key == "event.key")
                    .and_then(|a| text(&a.value))
                    .ok_or("a log record without event.key")?;
                let line = text(&record.body).ok_or("a log record without a string body")?;
                let payload = serde_json::from_str(&line).map_err(|e| format!("body: {e}"))?;
                out.push((key, payload));
            }
        }
    }
    if out.is_empty() {
        return Err("an empty batch".into());
    }
    Ok(out)
}

/// `_bulk`: action and source lines in pairs, a final newline, each action `index` into the
/// configured index with an `_id` equal to the ECS `event.id`.
fn parse_bulk(body: &[u8], index: &str) -> Result<Vec<(String, Value)>, String> {
    if !body.ends_with(b"\n") {
        return Err("NDJSON without its final newline".into());
    }
    let text = std::str::from_utf8(body).map_err(|_| "not UTF-8".to_string())?;
    let lines: Vec<&str> = text.trim_end_matches('\n').split('\n').collect();
    if !lines.len().is_multiple_of(2) {
        return Err("action and source lines do not pair".into());
    }
    let mut out = Vec::new();
    for pair in lines.chunks(2) {
        let action: Value = serde_json::from_str(pair[0]).map_err(|e| format!("action: {e}"))?;
        let source: Value = serde_json::from_str(pair[1]).map_err(|e| format!("source: {e}"))?;
        let meta = &action["index"];
        if meta["_index"] != index {
            return Err(format!("action into {} instead of {index}", meta["_index"]));
        }
        let id = meta["_id"]
            .as_str()
            .ok_or("action without _id")?
            .to_string();
        if source["event"]["id"] != id.as_str() {
            return Err("_id is not the document's event.id".into());
        }
        out.push((id, source));
    }
    Ok(out)
}

/// A test CA and a server certificate it signs for `names` (DNS names or IP addresses).
#[derive(Debug)]
pub struct TestCa {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl TestCa {
    pub fn new(names: &[&str]) -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "wdc test CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).expect("a CA certificate");
        let key = KeyPair::generate().expect("a server key");
        let mut server =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .expect("server params");
        server.distinguished_name.push(DnType::CommonName, names[0]);
        let cert = server
            .signed_by(&key, &ca_cert, &ca_key)
            .expect("a server certificate");
        TestCa {
            ca_pem: ca_cert.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// rsyslogd in the foreground with a TLS listener (openssl driver) on a port it picked, writing
/// each message's MSG part as one line of `out`. Stopped (SIGTERM) on drop.
#[derive(Debug)]
pub struct Rsyslog {
    pub port: u16,
    pub out: PathBuf,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Rsyslog {
    /// Whether rsyslogd is installed (the README's setup command installs it).
    pub fn available() -> bool {
        Path::new("/usr/sbin/rsyslogd").exists()
    }

    pub fn start_tls(ca: &TestCa) -> Rsyslog {
        let dir = tempfile::Builder::new()
            .prefix("wdc-rsyslog.")
            .tempdir()
            .expect("a directory");
        let d = dir.path();
        std::fs::write(d.join("ca.pem"), &ca.ca_pem).expect("CA written");
        std::fs::write(d.join("cert.pem"), &ca.cert_pem).expect("certificate written");
        std::fs::write(d.join("key.pem"), &ca.key_pem).expect("key written");
        let out = d.join("received.log");
        let port_file = d.join("port");
        let conf = format!(
            r#"global(workDirectory="{dir}" maxMessageSize="256k"
       defaultNetstreamDriver="ossl"
       defaultNetstreamDriverCAFile="{dir}/ca.pem"
       defaultNetstreamDriverCertFile="{dir}/cert.pem"
       defaultNetstreamDriverKeyFile="{dir}/key.pem")
module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" port="0" address="127.0.0.1" listenPortFileName="{port}")
template(name="msgonly" type="string" string="%msg%\n")
action(type="omfile" file="{out}" template="msgonly")
"#,
            dir = d.display(),
            port = port_file.display(),
            out = out.display(),
        );
        std::fs::write(d.join("rsyslog.conf"), conf).expect("config written");
        let child = std::process::Command::new("/usr/sbin/rsyslogd")
            .arg("-n")
            .arg("-f")
            .arg(d.join("rsyslog.conf"))
            .arg("-i")
            .arg(d.join("rsyslogd.pid"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(
                std::fs::File::create(d.join("rsyslogd.err"))
                    .map(Into::into)
                    .unwrap_or(std::process::Stdio::null()),
            )
            .spawn()
            .expect("rsyslogd starts");
        // rsyslog binds port 0 itself and writes the port it got: read it, no port to guess.
        let mut port = 0;
        for _ in 0..300 {
            if let Ok(t) = std::fs::read_to_string(&port_file)
                && let Ok(p) = t.trim().parse::<u16>()
                && p != 0
            {
                port = p;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let err = std::fs::read_to_string(d.join("rsyslogd.err")).unwrap_or_default();
        assert!(port != 0, "rsyslogd wrote no listening port: {err}");
        Rsyslog {
            port,
            out,
            child,
            _dir: dir,
        }
    }

    /// The lines received so far.
    pub fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| l.trim_start().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}
