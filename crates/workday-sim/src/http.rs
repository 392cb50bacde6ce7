//! The three listeners: our own accept loop (so a fault can drop a connection without an
//! answer), the per-request wrapper that applies faults, the tenant check and the request log,
//! and the routers of the website and services hosts.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::log::{ListenerKind, RequestRecord, redact_query};
use crate::oauth::{self, TokenAudit};
use crate::state::Tenant;
use crate::switches::{PathClass, Storm};
use crate::{pages, rest};

/// Which listener a loop serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    Website,
    Services,
    Control,
}

/// Returned by the service to make hyper close the connection without an answer.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by the drop_next fault")]
pub struct Dropped;

pub fn website_router(t: Arc<Tenant>) -> Router {
    let n = t.name.clone();
    Router::new()
        .route(&format!("/{n}/authorize"), get(oauth::authorize))
        .route(&format!("/{n}/authorize/decision"), post(oauth::decision))
        .route(&format!("/{n}/sso"), get(oauth::sso))
        .fallback(website_not_found)
        .with_state(t)
}

pub fn services_router(t: Arc<Tenant>) -> Router {
    let n = t.name.clone();
    Router::new()
        .route(&format!("/ccx/oauth2/{n}/token"), post(oauth::token))
        .route(&format!("/ccx/api/v1/{n}/workers"), get(rest::workers))
        .route(
            &format!("/ccx/api/privacy/v1/{n}/activityLogging"),
            get(rest::activity_logging),
        )
        .fallback(rest::not_found)
        .with_state(t)
}

async fn website_not_found(axum::extract::State(t): axum::extract::State<Arc<Tenant>>) -> Response {
    pages::error(
        StatusCode::NOT_FOUND,
        &t.name,
        "The page you requested does not exist.",
    )
}

/// The tenant segment of a path, where the host's URL scheme puts one.
fn tenant_segment(host: Host, path: &str) -> Option<&str> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match host {
        Host::Website => segs.first().copied(),
        Host::Services => match segs.as_slice() {
            ["ccx", "oauth2", t, ..] => Some(t),
            ["ccx", "api", v, t, ..] if rest::is_version(v) => Some(t),
            ["ccx", "api", _, v, t, ..] if rest::is_version(v) => Some(t),
            _ => None,
        },
        Host::Control => None,
    }
}

pub(crate) fn classify(path: &str) -> PathClass {
    if path.starts_with("/ccx/oauth2/") {
        PathClass::Token
    } else if path.starts_with("/ccx/api/") {
        PathClass::Rest
    } else {
        PathClass::Other
    }
}

/// What Workday answers for a tenant that does not live here: 503 (as for a wrong data centre).
fn wrong_tenant(t: &Tenant, host: Host, class: PathClass) -> Response {
    if host == Host::Website {
        return pages::error(
            StatusCode::SERVICE_UNAVAILABLE,
            &t.name,
            "This tenant is not available.",
        );
    }
    if class == PathClass::Token && t.switches().wrong_tenant_token_invalid_request {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({"error": "invalid_request", "error_description": "unknown tenant"})),
        )
            .into_response();
    }
    rest::server_error(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
}

fn storm_response(s: &Storm) -> Response {
    let status = StatusCode::from_u16(s.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let reason = status.canonical_reason().unwrap_or("error");
    let mut r = if (400..=404).contains(&s.status) {
        rest::client_error(status, reason, reason)
    } else {
        rest::server_error(status, reason)
    };
    if s.status == 429
        && let Ok(v) = HeaderValue::from_str(&s.retry_after_secs.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The `Host` values a listener on 127.0.0.1:`port` answers: its loopback names only, so that a
/// page served from another name that resolves here (DNS rebinding) is refused.
fn host_allowed(req: &Request<Incoming>, port: u16) -> bool {
    let Some(host) = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
    else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    let (name, given) = match host.strip_prefix("[::1]") {
        Some(rest) => ("[::1]", rest),
        None => host
            .split_once(':')
            .map_or((host.as_str(), ""), |(n, p)| (n, p)),
    };
    // Without a port, the name means the scheme's default one.
    let given = match given {
        "" => Some(80),
        p => p.strip_prefix(':').unwrap_or(p).parse::<u16>().ok(),
    };
    matches!(name, "127.0.0.1" | "localhost" | "[::1]") && given == Some(port)
}

/// True when the request carries `Authorization: Bearer {token}` (compared in constant time).
fn bearer_matches(req: &Request<Incoming>, token: &str) -> bool {
    let Some(given) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (a, b) = (given.as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn misdirected() -> Response {
    (
        StatusCode::MISDIRECTED_REQUEST,
        axum::Json(serde_json::json!({
            "error": "This server answers only requests addressed to its loopback address and port."
        })),
    )
        .into_response()
}

fn unauthorized() -> Response {
    let mut r = (
        StatusCode::UNAUTHORIZED,
        axum::Json(serde_json::json!({
            "error": "The control API needs the bearer token printed with the tenant's values."
        })),
    )
        .into_response();
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

/// When the request being read reached the tenant: the moment its connection was accepted for
/// the first request on it, the first bytes read for each later one. Stamped as the bytes come
/// off the socket, before hyper parses them or a task is scheduled to answer, so a busy tenant
/// does not bunch the stamps.
#[derive(Debug, Clone, Default)]
struct Arrival(Arc<Mutex<Option<DateTime<Utc>>>>);

impl Arrival {
    fn cell(&self) -> std::sync::MutexGuard<'_, Option<DateTime<Utc>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Bytes came in: they start a request unless one is already stamped.
    fn mark(&self) {
        self.cell().get_or_insert_with(Utc::now);
    }

    /// The stamp of the request now being answered; the next bytes start the next one.
    fn take(&self) -> Option<DateTime<Utc>> {
        self.cell().take()
    }
}

/// A connection's stream that stamps `Arrival` when bytes arrive.
struct Stamped<S> {
    inner: S,
    arrival: Arrival,
}

impl<S: AsyncRead + Unpin> AsyncRead for Stamped<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.arrival.mark();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Stamped<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

async fn handle(
    host: Host,
    port: u16,
    t: Arc<Tenant>,
    router: Router,
    arrived: Option<DateTime<Utc>>,
    req: Request<Incoming>,
) -> Result<Response, Dropped> {
    let at = Utc::now();
    let arrived = arrived.unwrap_or(at);
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(redact_query);
    let class = classify(&path);
    let record = |status: u16, dropped: bool, audit: Option<TokenAudit>| {
        let listener = match host {
            Host::Website => ListenerKind::Website,
            Host::Services => ListenerKind::Services,
            Host::Control => return,
        };
        t.log.push(RequestRecord {
            at,
            arrived,
            listener,
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            status,
            dropped,
            client_auth: audit.as_ref().map(|a| a.client_auth),
            client_id: audit.and_then(|a| a.client_id),
        });
    };
    if !host_allowed(&req, port) {
        let r = misdirected();
        record(r.status().as_u16(), false, None);
        return Ok(r);
    }
    if host == Host::Control && !bearer_matches(&req, &t.urls.control_token) {
        return Ok(unauthorized());
    }
    if host == Host::Services {
        if t.take_drop(class) {
            record(0, true, None);
            return Err(Dropped);
        }
        let latency = t.latency_ms();
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
        if let Some(storm) = t.take_storm(class) {
            let r = storm_response(&storm);
            record(r.status().as_u16(), false, None);
            return Ok(r);
        }
        if class == PathClass::Rest && !t.admit_rest(arrived) {
            let r = storm_response(&Storm {
                status: 429,
                remaining: 0,
                retry_after_secs: 1,
                scope: crate::switches::FaultScope::Rest,
            });
            record(r.status().as_u16(), false, None);
            return Ok(r);
        }
    }
    let mut resp = match tenant_segment(host, &path) {
        Some(seg) if seg != t.name => wrong_tenant(&t, host, class),
        _ => router
            .oneshot(req.map(Body::new))
            .await
            .unwrap_or_else(|e: Infallible| match e {}),
    };
    let audit = resp.extensions_mut().remove::<TokenAudit>();
    record(resp.status().as_u16(), false, audit);
    Ok(resp)
}

/// How long a client may take over its TLS handshake before the connection is closed.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `listener` (over TLS when `tls` is set) until `shutdown` flips or its sender goes
/// away.
pub async fn serve(
    listener: TcpListener,
    host: Host,
    t: Arc<Tenant>,
    router: Router,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let arrival = Arrival::default();
                // The first request on a connection arrived when the connection did.
                arrival.mark();
                let stream = Stamped { inner: stream, arrival: arrival.clone() };
                let (t, router) = (t.clone(), router.clone());
                let tls = tls.clone();
                conns.spawn(async move {
                    let svc = service_fn(move |req| {
                        let (t, router, arrival) = (t.clone(), router.clone(), arrival.clone());
                        async move {
                            let arrived = arrival.take();
                            let answered = handle(host, port, t, router, arrived, req).await;
                            // Bytes read while answering (a request body) belong to this request.
                            arrival.take();
                            answered
                        }
                    });
                    let http = hyper::server::conn::http1::Builder::new();
                    match tls {
                        None => {
                            let _ = http.serve_connection(TokioIo::new(stream), svc).await;
                        }
                        Some(acceptor) => {
                            // A client that does not trust the CA fails its handshake here.
                            let accepted = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await;
                            if let Ok(Ok(s)) = accepted {
                                let _ = http.serve_connection(TokioIo::new(s), svc).await;
                            }
                        }
                    }
                });
            }
            _ = shutdown.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
}
