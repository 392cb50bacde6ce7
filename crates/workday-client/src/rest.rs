//! The REST calls the connector makes (`/workers`, the activity log and its count), each through
//! the tenant's rate limiter and the retry policy, and the classification of Workday's answers.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use url::Url;

use crate::endpoints::Endpoints;
use crate::errors::{self, ErrorReport, NetworkKind, one_line};
use crate::ratelimit::RateLimiter;
use crate::retry::{Attempt, RetryEvent, RetryPolicy, RetryReason};

/// An activity-log page is up to 1000 events of well under 2 KiB; anything near this is not Workday.
const MAX_BODY: usize = 32 * 1024 * 1024;
const MAX_DETAIL: usize = 200;

/// Which REST call failed, with what it needs on the Workday side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    /// `GET {REST endpoint}/workers`: the users step of the connection test.
    Workers,
    /// `GET .../api/privacy/v1/{tenant}/activityLogging`.
    ActivityLog,
}

impl Call {
    /// How a person would name it.
    pub fn label(self) -> &'static str {
        match self {
            Call::Workers => "The users call (GET /workers)",
            Call::ActivityLog => "The activity log call (GET /activityLogging)",
        }
    }

    /// The functional area the API client's Scope must include.
    pub fn scope(self) -> &'static str {
        match self {
            Call::Workers => "Staffing",
            Call::ActivityLog => "System",
        }
    }

    /// The domain the consenting account's security group needs.
    pub fn domain(self) -> &'static str {
        match self {
            Call::Workers => "Worker Data: Public Worker Reports",
            Call::ActivityLog => "System Auditing",
        }
    }

    /// The permissions on that domain: report/task and integration.
    pub fn domain_permissions(self) -> &'static str {
        "View (report/task) and Get (integration)"
    }

    /// The code for a 403 on this call.
    fn permission_code(self) -> &'static str {
        match self {
            Call::Workers => "users.permission_denied",
            Call::ActivityLog => "activity.permission_denied",
        }
    }
}

/// One page of a collection: `{"total": n, "data": [...]}`. Events stay raw JSON: every field of
/// a Workday event is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub total: u64,
    pub data: Vec<Value>,
}

/// A page of the activity log with each event still its own JSON text (checked to be JSON),
/// for a reader that turns events into rows one at a time: a page of a thousand events parsed
/// whole is a tree of several megabytes in tens of thousands of allocations, and a sync has
/// several pages in hand at once.
#[derive(Debug)]
pub struct RawPage {
    pub total: u64,
    pub data: Vec<Box<RawValue>>,
}

/// What an answer's body is read into.
trait Answer: Sized + Send + 'static {
    fn parse(call: Call, body: &[u8]) -> Result<Self, ApiError>;
}

fn not_json(call: Call) -> ApiError {
    ApiError::InvalidResponse {
        call,
        reason: "the answer is not JSON".into(),
    }
}

impl Answer for Value {
    fn parse(call: Call, body: &[u8]) -> Result<Self, ApiError> {
        serde_json::from_slice(body).map_err(|_| not_json(call))
    }
}

impl Answer for RawPage {
    fn parse(call: Call, body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        struct Wire {
            // Present means a number: a `total` of null is refused as `page` refuses it.
            #[serde(default, deserialize_with = "present")]
            total: Option<u64>,
            data: Vec<Box<RawValue>>,
        }
        fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
            u64::deserialize(d).map(Some)
        }
        match serde_json::from_slice::<Wire>(body) {
            Ok(w) => Ok(RawPage {
                total: w.total.unwrap_or(w.data.len() as u64),
                data: w.data,
            }),
            // Not the usual shape: read as any JSON, so the error says what is wrong, and an
            // answer `page` takes is taken as before (e.g. one with a key given twice).
            Err(_) => {
                let p = page(call, Value::parse(call, body)?)?;
                let data = p
                    .data
                    .iter()
                    .map(|e| RawValue::from_string(e.to_string()))
                    .collect::<Result<_, _>>()
                    .map_err(|_| not_json(call))?;
                Ok(RawPage {
                    total: p.total,
                    data,
                })
            }
        }
    }
}

/// One activity-log request. `from` and `to` must be whole seconds (Workday refuses fractions);
/// a fractional input is refused, not truncated, so a window boundary never moves silently:
/// use [`whole_seconds`] when building windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityQuery {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Up to 1000.
    pub limit: u32,
    /// Zero-based.
    pub offset: u64,
}

/// `t` with its fraction of a second dropped.
pub fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap_or(t)
}

/// Workday's instant format, `2026-04-17T08:15:00Z`; None when `t` has a fraction of a second.
pub fn format_instant(t: DateTime<Utc>) -> Option<String> {
    (t.nanosecond() == 0).then(|| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// A failed REST call. Never holds the access token or a raw body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum ApiError {
    /// 401: the access token expired or was revoked. Refresh once and retry; if it comes back,
    /// sign in again (never loop).
    Unauthorized { call: Call },
    /// 403 after a good token: a missing scope or domain permission.
    PermissionDenied { call: Call },
    /// 400 with Workday's detail (bad parameter).
    BadRequest { call: Call, detail: String },
    /// 404: wrong path in the REST API Endpoint.
    NotFound { call: Call },
    /// Another 4xx.
    ClientError {
        call: Call,
        status: u16,
        detail: String,
    },
    /// 503 after retries: Workday's answer for a wrong data-centre host or tenant.
    TenantUnavailable { call: Call, attempts: u32 },
    /// 429 after retries.
    Throttled {
        call: Call,
        attempts: u32,
        retry_after: Option<Duration>,
    },
    /// Another 5xx after retries.
    ServerError {
        call: Call,
        status: u16,
        attempts: u32,
    },
    /// No answer after retries (a TLS failure is not retried).
    Network {
        call: Call,
        kind: NetworkKind,
        detail: String,
        attempts: u32,
    },
    /// A 3xx, not followed.
    Redirected { call: Call, status: u16 },
    /// A 2xx that is not the expected JSON.
    InvalidResponse { call: Call, reason: String },
    /// The query was refused before sending (fractional seconds, an empty window).
    InvalidQuery { call: Call, reason: String },
}

impl ApiError {
    pub fn call(&self) -> Call {
        match self {
            ApiError::Unauthorized { call }
            | ApiError::PermissionDenied { call }
            | ApiError::BadRequest { call, .. }
            | ApiError::NotFound { call }
            | ApiError::ClientError { call, .. }
            | ApiError::TenantUnavailable { call, .. }
            | ApiError::Throttled { call, .. }
            | ApiError::ServerError { call, .. }
            | ApiError::Network { call, .. }
            | ApiError::Redirected { call, .. }
            | ApiError::InvalidResponse { call, .. }
            | ApiError::InvalidQuery { call, .. } => *call,
        }
    }

    /// Stable and dotted.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized { .. } => "api.unauthorized",
            ApiError::PermissionDenied { call } => call.permission_code(),
            ApiError::BadRequest { .. } => "api.bad_request",
            ApiError::NotFound { .. } => "api.not_found",
            ApiError::ClientError { .. } => "api.client_error",
            ApiError::TenantUnavailable { .. } => "api.tenant_unavailable",
            ApiError::Throttled { .. } => "api.throttled",
            ApiError::ServerError { .. } => "api.server_error",
            ApiError::Network {
                kind: NetworkKind::Tls,
                ..
            } => "api.tls",
            ApiError::Network { .. } => "api.network",
            ApiError::Redirected { .. } => "api.redirected",
            ApiError::InvalidResponse { .. } => "api.invalid_response",
            ApiError::InvalidQuery { .. } => "activity.invalid_query",
        }
    }

    /// One line.
    pub fn message(&self) -> String {
        let call = self.call().label();
        let tries = |n: u32| {
            if n > 1 {
                format!(" (after {n} attempts)")
            } else {
                String::new()
            }
        };
        match self {
            ApiError::Unauthorized { .. } => format!(
                "{call} answered 401 Unauthorized: the access token expired or was revoked."
            ),
            ApiError::PermissionDenied { call: c } => format!(
                "{call} answered 403 permission denied: the API client's Scope lacks the \
                 functional area {}, or the consenting account lacks the domain \"{}\".",
                c.scope(),
                c.domain()
            ),
            ApiError::BadRequest { detail, .. } => {
                format!("{call} answered 400 Bad Request: {detail}.")
            }
            ApiError::NotFound { .. } => format!(
                "{call} answered 404 Not Found: the path of the Workday REST API Endpoint is wrong."
            ),
            ApiError::ClientError { status, detail, .. } => {
                format!("{call} answered HTTP {status}: {detail}.")
            }
            ApiError::TenantUnavailable { attempts, .. } => format!(
                "{call} answered 503 Service Unavailable{}, which is Workday's answer for a \
                 wrong data-centre host or tenant (or maintenance).",
                tries(*attempts)
            ),
            ApiError::Throttled { attempts, .. } => format!(
                "{call} was throttled by Workday (429 Too Many Requests){}.",
                tries(*attempts)
            ),
            ApiError::ServerError {
                status, attempts, ..
            } => format!(
                "{call} answered HTTP {status}, a Workday server error{}.",
                tries(*attempts)
            ),
            ApiError::Network {
                kind,
                detail,
                attempts,
                ..
            } => format!(
                "{call} got no answer: {}{} ({detail}).",
                kind.describe(),
                tries(*attempts)
            ),
            ApiError::Redirected { status, .. } => {
                format!("{call} answered a redirect (HTTP {status}), which is not followed.")
            }
            ApiError::InvalidResponse { reason, .. } => {
                format!("{call} gave an unexpected answer: {reason}.")
            }
            ApiError::InvalidQuery { reason, .. } => {
                format!("{call} was not sent: {reason}.")
            }
        }
    }

    /// What to change where.
    pub fn fix(&self) -> String {
        match self {
            ApiError::Unauthorized { .. } => "The app refreshes the access token once and \
                 retries; if the call is refused again, sign in again (Connect in the app, or \
                 wdconnect connect NAME)."
                .into(),
            ApiError::PermissionDenied { call } => format!(
                "In Workday, Edit API Client (or Register API Client): add the functional area \
                 {scope} to Scope (Functional Areas). Then Maintain Permissions for Security \
                 Group for a group of the consenting account: add the domain \"{domain}\" with \
                 {perms}, and run Activate Pending Security Policy Changes. Then sign in again \
                 so the token carries the new scope.",
                scope = call.scope(),
                domain = call.domain(),
                perms = call.domain_permissions()
            ),
            ApiError::BadRequest { call, .. } | ApiError::ClientError { call, .. } => match call {
                Call::ActivityLog => "Check this connection's page size (at most 1000) and time \
                     window; if they look right, report this message."
                    .into(),
                Call::Workers => {
                    "Report this message; the request's parameters were refused.".into()
                }
            },
            ApiError::NotFound { .. } => "Copy the Workday REST API Endpoint again from View API \
                 Clients; it looks like https://{services-host}/ccx/api/v1/{tenant} (v1, nothing \
                 after the tenant). Correct it with wdconnect edit NAME / Edit in the app."
                .into(),
            ApiError::TenantUnavailable { .. } => "Compare the host and tenant of the Workday \
                 REST API Endpoint with View API Clients and correct them (wdconnect edit NAME / \
                 Edit in the app); if they match, Workday may be in maintenance: try again later."
                .into(),
            ApiError::Throttled { .. } => "Wait; the app backs off automatically. If this \
                 repeats, lengthen the poll interval or lower the page size of this connection."
                .into(),
            ApiError::ServerError { .. } => "Try again later; the app retries with backoff. If \
                 it persists, check Workday's maintenance schedule."
                .into(),
            ApiError::Network {
                kind: NetworkKind::Tls,
                ..
            } => "If your organisation inspects TLS traffic, install its root certificate in the \
                 operating system's certificate store (the app trusts it); otherwise check the \
                 host of the Workday REST API Endpoint."
                .into(),
            ApiError::Network { .. } => "Check the network connection and proxy (HTTPS_PROXY or \
                 the system proxy), and the host of the Workday REST API Endpoint."
                .into(),
            ApiError::Redirected { .. } => "Copy the Workday REST API Endpoint again from View \
                 API Clients exactly (https and the services host); a proxy or captive portal may \
                 be redirecting."
                .into(),
            ApiError::InvalidResponse { .. } => "Check that the Workday REST API Endpoint is the \
                 one shown in View API Clients; a proxy may be answering instead."
                .into(),
            ApiError::InvalidQuery { .. } => {
                "Report this message: the app built an invalid activity-log window.".into()
            }
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized { .. } => Some(401),
            ApiError::PermissionDenied { .. } => Some(403),
            ApiError::BadRequest { .. } => Some(400),
            ApiError::NotFound { .. } => Some(404),
            ApiError::TenantUnavailable { .. } => Some(503),
            ApiError::Throttled { .. } => Some(429),
            ApiError::ClientError { status, .. }
            | ApiError::ServerError { status, .. }
            | ApiError::Redirected { status, .. } => Some(*status),
            ApiError::Network { .. }
            | ApiError::InvalidResponse { .. }
            | ApiError::InvalidQuery { .. } => None,
        }
    }

    /// Worth trying again later (the retries within the call are already spent).
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Network { kind, .. } => kind.is_transient(),
            ApiError::TenantUnavailable { .. }
            | ApiError::Throttled { .. }
            | ApiError::ServerError { .. } => true,
            _ => false,
        }
    }

    pub fn report(&self) -> ErrorReport {
        ErrorReport {
            code: self.code(),
            message: self.message(),
            fix: self.fix(),
            http_status: self.http_status(),
        }
    }
}

type Observer = Arc<dyn Fn(Call, &RetryEvent) + Send + Sync>;

/// Answers at least this large are parsed on a blocking thread (see [`RestClient::attempt`]).
const PARSE_ASIDE: usize = 64 * 1024;

/// Calls one tenant's REST API. Cheap to clone; clones share the rate limiter.
#[derive(Clone)]
pub struct RestClient {
    http: reqwest::Client,
    endpoints: Endpoints,
    limiter: Arc<RateLimiter>,
    retry: RetryPolicy,
    observer: Option<Observer>,
}

impl fmt::Debug for RestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestClient")
            .field("rest_api", &self.endpoints.rest_api.as_str())
            .field("limiter", &self.limiter)
            .field("retry", &self.retry)
            .finish()
    }
}

impl RestClient {
    /// `http` should come from [`crate::http::http_client`]; `limiter` is shared by every client
    /// of the same tenant.
    pub fn new(
        http: reqwest::Client,
        endpoints: Endpoints,
        limiter: Arc<RateLimiter>,
        retry: RetryPolicy,
    ) -> Self {
        RestClient {
            http,
            endpoints,
            limiter,
            retry,
            observer: None,
        }
    }

    /// Calls `f` before each wait between attempts (tests, health metrics).
    pub fn with_retry_observer(
        mut self,
        f: impl Fn(Call, &RetryEvent) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Some(Arc::new(f));
        self
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// `GET {REST endpoint}/workers?limit&offset` (Workday: limit 1-100).
    pub async fn workers(
        &self,
        access_token: &SecretString,
        limit: u32,
        offset: u64,
    ) -> Result<Page, ApiError> {
        let mut url = self.endpoints.workers();
        url.query_pairs_mut()
            .append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string());
        let j: Value = self.get_json(Call::Workers, url, access_token).await?;
        page(Call::Workers, j)
    }

    /// One page of the activity log for `[from, to)`.
    pub async fn activity(
        &self,
        access_token: &SecretString,
        q: &ActivityQuery,
    ) -> Result<Page, ApiError> {
        let raw = self.activity_raw(access_token, q).await?;
        let data = raw
            .data
            .iter()
            .map(|e| serde_json::from_str(e.get()))
            .collect::<Result<_, _>>()
            .map_err(|_| not_json(Call::ActivityLog))?;
        Ok(Page {
            total: raw.total,
            data,
        })
    }

    /// [`RestClient::activity`] with each event left as its JSON text.
    pub async fn activity_raw(
        &self,
        access_token: &SecretString,
        q: &ActivityQuery,
    ) -> Result<RawPage, ApiError> {
        let mut url = self.activity_url(q.from, q.to)?;
        url.query_pairs_mut()
            .append_pair("limit", &q.limit.to_string())
            .append_pair("offset", &q.offset.to_string())
            .append_pair("instancesReturned", "1");
        self.get_json(Call::ActivityLog, url, access_token).await
    }

    /// How many events `[from, to)` holds (`returnUserActivityEntryCount=true`).
    pub async fn activity_count(
        &self,
        access_token: &SecretString,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<u64, ApiError> {
        let mut url = self.activity_url(from, to)?;
        url.query_pairs_mut()
            .append_pair("returnUserActivityEntryCount", "true");
        let j: Value = self.get_json(Call::ActivityLog, url, access_token).await?;
        j.pointer("/data/0/userActivityEntryCount")
            .and_then(Value::as_u64)
            .ok_or_else(|| ApiError::InvalidResponse {
                call: Call::ActivityLog,
                reason: "no data[0].userActivityEntryCount in the answer".into(),
            })
    }

    fn activity_url(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Url, ApiError> {
        let invalid = |reason: &str| ApiError::InvalidQuery {
            call: Call::ActivityLog,
            reason: reason.into(),
        };
        let (Some(f), Some(t)) = (format_instant(from), format_instant(to)) else {
            return Err(invalid(
                "from and to must be whole seconds (Workday refuses fractions)",
            ));
        };
        if from >= to {
            return Err(invalid("from must be earlier than to"));
        }
        let mut url = self.endpoints.activity_logging();
        url.query_pairs_mut()
            .append_pair("from", &f)
            .append_pair("to", &t)
            .append_pair("type", "userActivity");
        Ok(url)
    }

    /// GET with the bearer token, through the limiter and the retry policy; a 2xx JSON body.
    async fn get_json<T: Answer>(
        &self,
        call: Call,
        url: Url,
        access_token: &SecretString,
    ) -> Result<T, ApiError> {
        let observer = self.observer.clone();
        self.retry
            .run(
                |attempt| self.attempt(call, url.clone(), access_token, attempt),
                |event| {
                    if let Some(o) = &observer {
                        o(call, event);
                    }
                },
            )
            .await
    }

    async fn attempt<T: Answer>(
        &self,
        call: Call,
        url: Url,
        access_token: &SecretString,
        attempts: u32,
    ) -> Attempt<T, ApiError> {
        self.limiter.acquire().await;
        let token = access_token.expose_secret();
        tracing::debug!(?call, attempt = attempts, "workday request");
        let sent = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            // reqwest marks the header sensitive.
            .bearer_auth(token)
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => return network(call, &e, attempts, token),
        };
        let status = resp.status();
        let code = status.as_u16();
        if status.is_redirection() {
            return Attempt::Done(Err(ApiError::Redirected { call, status: code }));
        }
        let retry_after = errors::retry_after(resp.headers());
        let body = match errors::read_capped(resp, MAX_BODY).await {
            Ok(Some(b)) => b,
            Ok(None) => {
                return Attempt::Done(Err(ApiError::InvalidResponse {
                    call,
                    reason: "the answer is too large".into(),
                }));
            }
            Err(e) => return network(call, &e, attempts, token),
        };
        if status.is_success() {
            let parsed = if body.len() < PARSE_ASIDE {
                T::parse(call, &body)
            } else {
                // A page of a thousand events takes milliseconds to parse: on the threads that
                // write the requests it would hold back the ones the limiter has just let go,
                // and they would reach the tenant bunched.
                match tokio::task::spawn_blocking(move || T::parse(call, &body)).await {
                    Ok(parsed) => parsed,
                    Err(e) => {
                        return Attempt::Done(Err(ApiError::InvalidResponse {
                            call,
                            reason: format!("the answer could not be parsed: {e}"),
                        }));
                    }
                }
            };
            return Attempt::Done(parsed);
        }
        let detail = || workday_detail(&body, token);
        match code {
            401 => Attempt::Done(Err(ApiError::Unauthorized { call })),
            403 => Attempt::Done(Err(ApiError::PermissionDenied { call })),
            400 => Attempt::Done(Err(ApiError::BadRequest {
                call,
                detail: detail(),
            })),
            404 => Attempt::Done(Err(ApiError::NotFound { call })),
            429 => Attempt::Retry {
                error: ApiError::Throttled {
                    call,
                    attempts,
                    retry_after,
                },
                reason: RetryReason::Throttled,
                retry_after,
            },
            503 => Attempt::Retry {
                error: ApiError::TenantUnavailable { call, attempts },
                reason: RetryReason::ServerError { status: code },
                retry_after: None,
            },
            500..=599 => Attempt::Retry {
                error: ApiError::ServerError {
                    call,
                    status: code,
                    attempts,
                },
                reason: RetryReason::ServerError { status: code },
                retry_after: None,
            },
            _ => Attempt::Done(Err(ApiError::ClientError {
                call,
                status: code,
                detail: detail(),
            })),
        }
    }
}

fn network<T>(call: Call, e: &reqwest::Error, attempts: u32, token: &str) -> Attempt<T, ApiError> {
    let f = errors::classify_network(e);
    let error = ApiError::Network {
        call,
        kind: f.kind,
        detail: one_line(&f.detail, &[token], 160),
        attempts,
    };
    if f.kind.is_transient() {
        Attempt::Retry {
            error,
            reason: RetryReason::Network { network: f.kind },
            retry_after: None,
        }
    } else {
        Attempt::Done(Err(error))
    }
}

/// Workday's error body: `{"error": "...", "errors": [{"error": "..."}]}` (400-404) or
/// `{"error": "..."}`; the most specific text, as one safe line.
fn workday_detail(body: &[u8], token: &str) -> String {
    let Ok(j) = serde_json::from_slice::<Value>(body) else {
        return "no error details in the answer".into();
    };
    let details: Vec<&str> = j
        .get("errors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| e.get("error").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let text = if details.is_empty() {
        j.get("error")
            .and_then(Value::as_str)
            .unwrap_or("no error details in the answer")
            .to_string()
    } else {
        details.join("; ")
    };
    one_line(&text, &[token], MAX_DETAIL)
}

/// The answer's rows are taken out of it, not copied: a page of a thousand events is a tree of
/// several megabytes, and a sync has several pages in hand at once.
fn page(call: Call, mut j: Value) -> Result<Page, ApiError> {
    let invalid = |reason: &str| ApiError::InvalidResponse {
        call,
        reason: reason.into(),
    };
    let data = match j.get_mut("data").map(Value::take) {
        Some(Value::Array(data)) => data,
        _ => return Err(invalid("no data array in the answer")),
    };
    let total = match j.get("total") {
        Some(t) => t.as_u64().ok_or_else(|| invalid("total is not a number"))?,
        None => data.len() as u64,
    };
    Ok(Page { total, data })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn instants_are_whole_seconds() {
        let t = Utc.with_ymd_and_hms(2026, 4, 17, 8, 15, 0).unwrap();
        assert_eq!(format_instant(t).as_deref(), Some("2026-04-17T08:15:00Z"));
        let frac = t + chrono::Duration::milliseconds(655);
        assert_eq!(format_instant(frac), None);
        assert_eq!(whole_seconds(frac), t);
    }

    #[test]
    fn details_from_workday_bodies() {
        assert_eq!(
            workday_detail(
                br#"{"error":"Invalid request parameters","errors":[{"error":"limit must be <b>1</b>"}]}"#,
                "tok123456"
            ),
            "limit must be 1"
        );
        assert_eq!(
            workday_detail(br#"{"error":"bad tok123456"}"#, "tok123456"),
            "bad [redacted]"
        );
        assert_eq!(
            workday_detail(b"<html>", "t"),
            "no error details in the answer"
        );
    }

    #[test]
    fn permission_texts_name_what_is_needed() {
        let w = ApiError::PermissionDenied {
            call: Call::Workers,
        };
        assert_eq!(w.code(), "users.permission_denied");
        assert!(w.fix().contains("Public Worker Reports") && w.fix().contains("Staffing"));
        let a = ApiError::PermissionDenied {
            call: Call::ActivityLog,
        };
        assert_eq!(a.code(), "activity.permission_denied");
        for needed in [
            "System Auditing",
            "Edit API Client",
            "Maintain Permissions for Security Group",
            "Activate Pending Security Policy Changes",
        ] {
            assert!(a.fix().contains(needed), "{needed}");
        }
        assert!(!a.message().contains('\n'));
    }

    fn reason(e: ApiError) -> String {
        match e {
            ApiError::InvalidResponse { reason, .. } => reason,
            e => panic!("not an invalid answer: {e:?}"),
        }
    }

    #[test]
    fn a_raw_page_holds_each_event_as_workday_sent_it() {
        let body = br#"{"total": 7, "data": [{"taskId": "t1", "target": {"id": "w"}}, {}, 3]}"#;
        let p = RawPage::parse(Call::ActivityLog, body).unwrap();
        assert_eq!(p.total, 7);
        let events: Vec<Value> = p
            .data
            .iter()
            .map(|e| serde_json::from_str(e.get()).unwrap())
            .collect();
        let whole: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(events, whole["data"].as_array().unwrap().clone());
        // Without a total, the page's own count, as `page` does.
        let p = RawPage::parse(Call::ActivityLog, br#"{"data": [{}, {}]}"#).unwrap();
        assert_eq!((p.total, p.data.len()), (2, 2));
    }

    #[test]
    fn a_raw_page_that_is_not_a_page_says_what_is_wrong() {
        let parse = |b: &[u8]| reason(RawPage::parse(Call::ActivityLog, b).unwrap_err());
        assert_eq!(parse(b"<html>"), "the answer is not JSON");
        assert_eq!(parse(br#"{"data": [{"a": 1}"#), "the answer is not JSON");
        assert_eq!(parse(br#"{"total": 3}"#), "no data array in the answer");
        assert_eq!(
            parse(br#"{"data": {"a": 1}}"#),
            "no data array in the answer"
        );
        assert_eq!(
            parse(br#"{"total": "3", "data": []}"#),
            "total is not a number"
        );
        assert_eq!(
            parse(br#"{"total": null, "data": []}"#),
            "total is not a number"
        );
        // Taken as any JSON reader takes it: the last of a key given twice.
        let p = RawPage::parse(Call::ActivityLog, br#"{"data": [], "data": [{"a": 1}]}"#);
        assert_eq!(p.unwrap().data[0].get(), r#"{"a":1}"#);
    }
}
