//! Microsoft Sentinel through the Azure Monitor Logs Ingestion API: an Entra ID token by the
//! client-credentials grant (cached until 5 minutes before it expires, fetched again on a 401),
//! then `POST {endpoint}/dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01`
//! with a JSON array of records in fixed columns ([`columns`]), at most 1 MB a call (a batch is
//! split by bytes). 204 accepted; 401/403 settings; 400/413 refused; 429/5xx retried.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Client, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

use crate::http::{client, retry_after, transport_error};
use crate::target::{Sentinel, Target};
use crate::{Destination, Record, SendError, SendFuture};

/// The Logs Ingestion API's limit per call is 1 MB; kept under it with room for the brackets.
pub const MAX_CALL_BYTES: usize = 1_000_000;

/// The API version the ingestion URL names.
pub const API_VERSION: &str = "2023-01-01";

/// A token is used until this long before Entra ID says it expires.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

const ROLE_FIX: &str = "Give the app (client=) the role \"Monitoring Metrics Publisher\" on the \
    data collection rule: Azure portal > Monitor > Data Collection Rules > your rule > Access \
    control (IAM) > Add role assignment. A new assignment can take up to 30 minutes to apply.";

const SECRET_FIX: &str = "Create a client secret (Azure portal > Microsoft Entra ID > App \
    registrations > your app > Certificates & secrets > New client secret), copy its Value (not \
    its Secret ID), then remove the destination and add it again, piping the secret in with \
    --token-stdin.";

struct CachedToken {
    header: HeaderValue,
    renew_at: Instant,
}

pub struct SentinelSender {
    target: Target,
    settings: Sentinel,
    client: Client,
    endpoint: Url,
    token_url: Url,
    secret: SecretString,
    token: Option<CachedToken>,
}

impl std::fmt::Debug for SentinelSender {
    // The secret and the token stay out of any debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentinelSender")
            .field("endpoint", &self.endpoint.as_str())
            .field("token_url", &self.token_url.as_str())
            .finish_non_exhaustive()
    }
}

fn setup_url_error(target: &Target, e: url::ParseError) -> SendError {
    SendError::setup(
        "forward.bad_url",
        format!(
            "{} cannot be turned into the ingestion address: {e}.",
            target.spec
        ),
        "Remove the destination and add it again with a sentinel+https://DCE-HOST?dcr=...&stream=...&tenant=...&client=... URL.",
    )
}

impl SentinelSender {
    pub fn new(
        target: &Target,
        ca_file: Option<&Path>,
        secret: Option<SecretString>,
        timeout: Duration,
    ) -> Result<SentinelSender, SendError> {
        let (Some(base), Some(settings)) = (target.base.clone(), target.sentinel.clone()) else {
            return Err(SendError::setup(
                "forward.bad_url",
                format!("{} is not a complete Sentinel destination.", target.spec),
                "Remove the destination and add it again with a sentinel+https://DCE-HOST?dcr=...&stream=...&tenant=...&client=... URL.",
            ));
        };
        let secret = secret
            .filter(|s| !s.expose_secret().is_empty())
            .ok_or_else(|| {
                SendError::setup(
                    "forward.token_missing",
                    format!(
                        "{} needs the Entra app's client secret and none is stored.",
                        target.spec
                    ),
                    SECRET_FIX,
                )
            })?;
        let mut endpoint = base
            .join(&format!(
                "dataCollectionRules/{}/streams/{}",
                settings.dcr, settings.stream
            ))
            .map_err(|e| setup_url_error(target, e))?;
        endpoint.set_query(Some(&format!("api-version={API_VERSION}")));
        let token_url = settings
            .authority
            .join(&format!("{}/oauth2/v2.0/token", settings.tenant))
            .map_err(|e| setup_url_error(target, e))?;
        Ok(SentinelSender {
            target: target.clone(),
            settings,
            client: client(ca_file, timeout)?,
            endpoint,
            token_url,
            secret,
            token: None,
        })
    }

    fn where_(&self) -> String {
        format!("{} (Microsoft Sentinel Logs Ingestion)", self.target.host)
    }

    /// The cached token, or a new one from Entra ID.
    async fn token(&mut self) -> Result<HeaderValue, SendError> {
        if let Some(t) = &self.token
            && Instant::now() < t.renew_at
        {
            return Ok(t.header.clone());
        }
        self.token = None;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.settings.client)
            .append_pair("client_secret", self.secret.expose_secret())
            .append_pair("grant_type", "client_credentials")
            .append_pair("scope", &self.settings.scope)
            .finish();
        let login = format!("Entra ID sign-in at {}", self.settings.authority);
        let answer = self
            .client
            .post(self.token_url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                let host = self.settings.authority.host_str().unwrap_or_default();
                let port = self
                    .settings
                    .authority
                    .port_or_known_default()
                    .unwrap_or(443);
                transport_error(host, port, &login, &e)
            })?;
        let status = answer.status();
        let wait = retry_after(answer.headers());
        // The answer is read only for its fields; neither it nor the request is ever shown.
        let v: Value = answer.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            let token = v["access_token"].as_str().unwrap_or_default();
            let lifetime = v["expires_in"]
                .as_u64()
                .or_else(|| v["expires_in"].as_str().and_then(|s| s.parse().ok()))
                .unwrap_or(0);
            let mut header = HeaderValue::from_str(&format!("Bearer {token}"))
                .ok()
                .filter(|_| !token.is_empty() && lifetime > 0)
                .ok_or_else(|| {
                    SendError::setup(
                        "forward.sentinel_token_answer",
                        format!("{login} answered without a usable access token."),
                        "Check authority= (leave it out for Azure's global cloud).",
                    )
                })?;
            header.set_sensitive(true);
            let lifetime = Duration::from_secs(lifetime);
            // A short-lived token is used for half its life rather than not at all.
            let usable = lifetime.checked_sub(RENEW_BEFORE).unwrap_or(lifetime / 2);
            self.token = Some(CachedToken {
                header: header.clone(),
                renew_at: Instant::now() + usable,
            });
            return Ok(header);
        }
        Err(self.token_error(status, &v, &login).after(wait))
    }

    /// Entra ID's refusals by their `error` and AADSTS code, each with the setting to change.
    fn token_error(&self, status: StatusCode, v: &Value, login: &str) -> SendError {
        let code = status.as_u16();
        let error = v["error"].as_str().unwrap_or_default();
        // Only the AADSTS number of the description: the rest may carry ids and times.
        let aadsts: String = v["error_description"]
            .as_str()
            .and_then(|d| d.split_whitespace().find(|w| w.starts_with("AADSTS")))
            .map(|w| w.trim_end_matches([':', '.', ',']).to_string())
            .unwrap_or_default();
        let detail = [error, aadsts.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!(": {}", detail.chars().take(80).collect::<String>())
        };
        if code == 429 || code >= 500 {
            return SendError::retryable(
                "forward.server_error",
                format!("{login} answered HTTP {code}{detail}."),
                "Nothing to change if it passes: delivery resumes by itself.",
            );
        }
        if error == "invalid_client" || aadsts == "AADSTS7000215" || aadsts == "AADSTS7000222" {
            return SendError::setup(
                "forward.sentinel_secret_rejected",
                format!("{login} refused the client secret (HTTP {code}){detail}."),
                SECRET_FIX,
            );
        }
        if aadsts == "AADSTS700016" || error == "unauthorized_client" {
            return SendError::setup(
                "forward.sentinel_app_unknown",
                format!(
                    "{login} does not know the app {} in tenant {} (HTTP {code}){detail}.",
                    self.settings.client, self.settings.tenant
                ),
                "Check client= (Azure portal > Microsoft Entra ID > App registrations > your app > Overview: Application (client) ID) and tenant=.",
            );
        }
        if aadsts == "AADSTS90002" || aadsts == "AADSTS900023" || code == 404 {
            return SendError::setup(
                "forward.sentinel_tenant_unknown",
                format!(
                    "{login} does not know the tenant {} (HTTP {code}){detail}.",
                    self.settings.tenant
                ),
                "Check tenant= (Azure portal > Microsoft Entra ID > Overview: Tenant ID), and authority= for a sovereign cloud.",
            );
        }
        SendError::setup(
            "forward.sentinel_token_refused",
            format!("{login} gave no token (HTTP {code}){detail}."),
            "Check tenant=, client= and the client secret (the app's Certificates & secrets); then remove and add the destination again.",
        )
    }

    /// One call of at most [`MAX_CALL_BYTES`]: with a fresh token once more after a 401, since a
    /// cached token can be revoked or expire early.
    async fn post(&mut self, body: Vec<u8>) -> Result<(), SendError> {
        let mut fresh = false;
        loop {
            let was_cached = self.token.is_some();
            let auth = self.token().await?;
            let answer = self
                .client
                .post(self.endpoint.clone())
                .header(CONTENT_TYPE, "application/json")
                .header(AUTHORIZATION, auth)
                .body(body.clone())
                .send()
                .await
                .map_err(|e| {
                    transport_error(&self.target.host, self.target.port, &self.where_(), &e)
                })?;
            let status = answer.status();
            if status.is_success() {
                return Ok(());
            }
            let wait = retry_after(answer.headers());
            let v: Value = answer.json().await.unwrap_or(Value::Null);
            if status == StatusCode::UNAUTHORIZED && was_cached && !fresh {
                self.token = None;
                fresh = true;
                continue;
            }
            return Err(self.status_error(status, &v).after(wait));
        }
    }

    fn status_error(&self, status: StatusCode, v: &Value) -> SendError {
        let code = status.as_u16();
        // Azure's answer: {"error": {"code": "...", "message": "..."}}; the code alone is shown.
        let reason = v["error"]["code"]
            .as_str()
            .map(|c| format!(": {}", c.chars().take(80).collect::<String>()))
            .unwrap_or_default();
        let where_ = self.where_();
        match code {
            429 | 500..=599 => SendError::retryable(
                if code == 429 {
                    "forward.throttled"
                } else {
                    "forward.server_error"
                },
                format!("{where_} answered HTTP {code}{reason}."),
                "Nothing to change if it passes: delivery resumes by itself, after the wait the \
                 service asked for.",
            ),
            401 => SendError::setup(
                "forward.token_rejected",
                format!("{where_} refused the Entra token (HTTP 401){reason}."),
                format!(
                    "A token for the wrong cloud or app is refused. Check tenant=, client= and authority=; {ROLE_FIX}"
                ),
            ),
            403 => SendError::setup(
                "forward.sentinel_forbidden",
                format!(
                    "{where_} does not let the app {} write to {} (HTTP 403){reason}.",
                    self.settings.client, self.settings.dcr
                ),
                ROLE_FIX,
            ),
            404 => SendError::setup(
                "forward.not_found",
                format!(
                    "{where_} has no rule {} with stream {} (HTTP 404){reason}.",
                    self.settings.dcr, self.settings.stream
                ),
                "Check the host (Azure portal > Monitor > Data Collection Endpoints > your endpoint: Logs Ingestion), dcr= (the rule's JSON View: immutableId) and stream= (streamDeclarations).",
            ),
            413 => SendError::refused(
                "forward.too_large",
                format!("{where_} refused a call of this size (HTTP 413)."),
                "Nothing in the settings: the app keeps calls under 1 MB; report this with the destination's URL.",
            ),
            _ => SendError::refused(
                "forward.refused",
                format!("{where_} refused the batch (HTTP {code}){reason}."),
                "Check that the rule's stream declares the columns the app sends (see the \
                 README's Sentinel columns) and its transformation; delivery of this \
                 destination stops at this batch until the cause is fixed.",
            ),
        }
    }
}

/// The record in the stream's columns: what the data collection rule's `streamDeclarations`
/// declares (names and types in the README). `RawEvent` is the event as the source sent it
/// (`dynamic`); `RecordType` is `event`. An alert fills `RecordType: alert`, its time, user and
/// address, its summary as `TaskDisplayName`, and the whole alert as `RawEvent`.
pub fn columns(r: &Record) -> Value {
    if r.kind == crate::RecordKind::Alert {
        let a = &r.event;
        let text = |field: &str| {
            a.get(field)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        return json!({
            "TimeGenerated": r.time.unwrap_or_else(Utc::now).to_rfc3339_opts(SecondsFormat::Millis, true),
            "RecordType": "alert",
            "EventKey": r.key,
            "Connection": r.connection,
            "OwnCall": r.own_call,
            "SystemAccount": text("user"),
            "TaskDisplayName": text("summary"),
            "IpAddress": text("ip"),
            "RawEvent": a,
        });
    }
    let e = &r.event;
    let text = |field: &str| {
        e.get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let time = r.time.unwrap_or_else(Utc::now);
    json!({
        "TimeGenerated": time.to_rfc3339_opts(SecondsFormat::Millis, true),
        "RecordType": "event",
        "EventKey": r.key,
        "Connection": r.connection,
        "OwnCall": r.own_call,
        "SystemAccount": text("systemAccount"),
        "TaskDisplayName": text("taskDisplayName"),
        "ActivityAction": text("activityAction"),
        "IpAddress": text("ipAddress"),
        "DeviceType": text("deviceType"),
        "UserAgent": text("userAgent"),
        "SessionId": text("sessionId"),
        "TargetDescriptor": e.get("target").and_then(|t| t.get("descriptor")).and_then(Value::as_str),
        "RawEvent": e,
    })
}

/// The batch as JSON arrays of at most `max` bytes each, in order. A record that alone is over
/// the limit is refused: the service would refuse it too, every time.
pub fn split(batch: &[Record], max: usize) -> Result<Vec<Vec<u8>>, SendError> {
    let mut calls = Vec::new();
    let mut body = vec![b'['];
    for r in batch {
        let item = serde_json::to_vec(&columns(r)).expect("JSON to memory");
        if item.len() + 2 > max {
            return Err(SendError::refused(
                "forward.too_large",
                format!(
                    "The event {} is {} bytes as a Sentinel record, over the Logs Ingestion API's 1 MB per call.",
                    r.key,
                    item.len()
                ),
                "Nothing in the settings can send it; delivery of this destination stops at it. Remove the destination and add it again to start over, or forward to another destination kind.",
            ));
        }
        if body.len() > 1 && body.len() + 1 + item.len() + 1 > max {
            body.push(b']');
            calls.push(std::mem::replace(&mut body, vec![b'[']));
        }
        if body.len() > 1 {
            body.push(b',');
        }
        body.extend_from_slice(&item);
    }
    if body.len() > 1 {
        body.push(b']');
        calls.push(body);
    }
    Ok(calls)
}

impl Destination for SentinelSender {
    fn send<'a>(&'a mut self, batch: &'a [Record]) -> SendFuture<'a> {
        Box::pin(async move {
            // The whole batch is accepted only when every call is; a failure part-way sends it
            // all again (the keys let a query drop the repeats).
            for body in split(batch, MAX_CALL_BYTES)? {
                self.post(body).await?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FailureKind;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A loopback server: token requests (`/TENANT/oauth2/v2.0/token`) get a token; every other
    /// request gets `status` with `headers`. Returns the destination URL.
    async fn service(status: u16, headers: &'static str) -> String {
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
                        let text = String::from_utf8_lossy(&buf).to_string();
                        let Some(end) = text.find("\r\n\r\n") else {
                            continue;
                        };
                        let len: usize = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if buf.len() < end + 4 + len {
                            continue;
                        }
                        let token = text.contains("/oauth2/v2.0/token");
                        let (code, extra, body) = if token {
                            (200, "", r#"{"access_token":"tok","expires_in":3600}"#)
                        } else {
                            (status, headers, r#"{"error":{"code":"Busy"}}"#)
                        };
                        let reply = format!(
                            "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{extra}\r\n{body}",
                            body.len()
                        );
                        let _ = sock.write_all(reply.as_bytes()).await;
                        buf.clear();
                    }
                });
            }
        });
        format!(
            "sentinel+http://{addr}?dcr=dcr-00112233445566778899aabbccddeeff&stream=Custom-W\
             &tenant=72f988bf-86f1-41af-91ab-2d7cd011db47&client=72f988bf-86f1-41af-91ab-2d7cd011db47\
             &authority=http://{addr}"
        )
    }

    async fn send_to(url: String) -> Result<(), SendError> {
        let target = Target::parse(&url).unwrap();
        let mut s = SentinelSender::new(
            &target,
            None,
            Some(SecretString::from("s".to_string())),
            Duration::from_secs(5),
        )
        .unwrap();
        s.send(&[record(1, 1)]).await
    }

    #[tokio::test]
    async fn answers_are_sorted_into_retry_refused_and_setup() {
        send_to(service(204, "").await).await.unwrap();
        let e = send_to(service(429, "retry-after: 9\r\n").await)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code, e.retry_after),
            (
                FailureKind::Retryable,
                "forward.throttled",
                Some(Duration::from_secs(9))
            )
        );
        let e = send_to(service(503, "").await).await.unwrap_err();
        assert_eq!(e.kind, FailureKind::Retryable);
        let e = send_to(service(403, "").await).await.unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (FailureKind::Setup, "forward.sentinel_forbidden")
        );
        assert!(e.fix.contains("Monitoring Metrics Publisher"));
        // A 401 with a fresh token is the settings, not an expired cache.
        let e = send_to(service(401, "").await).await.unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (FailureKind::Setup, "forward.token_rejected")
        );
        let e = send_to(service(413, "").await).await.unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (FailureKind::Refused, "forward.too_large")
        );
        let e = send_to(service(400, "").await).await.unwrap_err();
        assert_eq!((e.kind, e.code), (FailureKind::Refused, "forward.refused"));
        assert!(e.message.contains("Busy"), "{}", e.message);
    }

    fn record(id: i64, size: usize) -> Record {
        Record {
            kind: crate::RecordKind::Event,
            id,
            key: format!("k{id}"),
            connection: "acme".into(),
            own_call: id % 2 == 0,
            time: "2026-04-17T08:00:00.250Z".parse().ok(),
            event: json!({
                "systemAccount": "ann",
                "activityAction": "READ",
                "target": {"descriptor": "Bob"},
                "pad": "x".repeat(size),
            }),
        }
    }

    #[test]
    fn batches_split_into_arrays_under_the_limit_in_order() {
        let batch: Vec<Record> = (1..=50).map(|i| record(i, 900)).collect();
        let calls = split(&batch, 10_000).unwrap();
        assert!(calls.len() > 4, "{} calls", calls.len());
        let mut keys = Vec::new();
        for c in &calls {
            assert!(c.len() <= 10_000, "{}", c.len());
            let rows: Vec<Value> = serde_json::from_slice(c).unwrap();
            keys.extend(
                rows.iter()
                    .map(|r| r["EventKey"].as_str().unwrap().to_string()),
            );
        }
        let want: Vec<String> = batch.iter().map(|r| r.key.clone()).collect();
        assert_eq!(keys, want);
        let e = split(&[record(1, 20_000)], 10_000).unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (crate::FailureKind::Refused, "forward.too_large")
        );
        assert!(split(&[], 10_000).unwrap().is_empty());
    }

    #[test]
    fn columns_flatten_the_event_and_keep_it_whole() {
        let r = record(2, 1);
        let c = columns(&r);
        assert_eq!(c["TimeGenerated"], "2026-04-17T08:00:00.250Z");
        assert_eq!(c["EventKey"], "k2");
        assert_eq!(c["OwnCall"], true);
        assert_eq!(c["SystemAccount"], "ann");
        assert_eq!(c["TargetDescriptor"], "Bob");
        assert_eq!(c["IpAddress"], Value::Null);
        assert_eq!(c["RawEvent"], r.event);
        assert_eq!(c["RecordType"], "event");
    }
}
