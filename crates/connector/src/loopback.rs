//! The loopback redirect: the URI the admin registers in Workday, and the listener that receives
//! the browser's one callback during sign-in (RFC 8252 section 7.3; `oauth-loopback.md` step 4).
//!
//! The listener is bound before the browser opens, on loopback only, and served with hyper
//! directly (one task per connection) so that each connection gets a bounded request head and
//! read time: a stray, slow, huge or malformed request is answered or dropped while the flow keeps
//! waiting for the one valid callback.

use std::convert::Infallible;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use secrecy::SecretString;
use subtle::ConstantTimeEq;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::problem::{Diagnose, Problem};

/// Below 49152: Windows reserves parts of the dynamic range for Hyper-V, WSL and Docker.
pub const DEFAULT_REDIRECT_PORT: u16 = 8413;

/// The path the listener answers on; anything else is a stray request.
pub const CALLBACK_PATH: &str = "/callback";

/// The largest request head (request line + headers) accepted; a larger one is refused with 431.
/// A callback itself is under 4 KiB, but browsers also send every cookie that other local dev
/// servers set for 127.0.0.1 or localhost (cookies ignore ports), so leave room for those.
pub const MAX_REQUEST_HEAD: usize = 64 * 1024;

/// How long a connection may take to send its request head before it is dropped.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The most any one connection may live, whatever it does: no connection can pin a task.
const CONNECTION_TIME_LIMIT: Duration = Duration::from_secs(20);

/// Descriptions from the provider are shown to a person: keep them to a readable line.
const MAX_DESCRIPTION_CHARS: usize = 300;

/// How the redirect URI names the loopback host. Workday stores one exact URI per client, so the
/// form is part of the connection's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RedirectHost {
    /// `127.0.0.1`: no name resolution, so no IPv4/IPv6 mismatch (RFC 8252 recommends it).
    #[default]
    Ipv4Literal,
    /// `localhost`, only for tenants that insist on it; then both 127.0.0.1 and ::1 are bound.
    Localhost,
}

/// The exact URI to paste into Workday's "Redirection URI" field, character for character.
pub fn redirect_uri(port: u16, host: RedirectHost) -> String {
    let host = match host {
        RedirectHost::Ipv4Literal => "127.0.0.1",
        RedirectHost::Localhost => "localhost",
    };
    format!("http://{host}:{port}{CALLBACK_PATH}")
}

/// The authorization code from a valid callback. Secret: `Debug` never shows it.
pub struct AuthorizationCode(pub SecretString);

impl std::fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthorizationCode(<redacted>)")
    }
}

/// Why a sign-in attempt ended without a code. No variant holds the code or the state.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("port {port} on loopback is already in use")]
    PortBusy { port: u16 },
    #[error("the system does not allow listening on port {port}")]
    PortDenied { port: u16 },
    #[error("cannot listen on [::1]:{port}, which `localhost` may resolve to: {source}")]
    Ipv6Unavailable {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot listen on loopback port {port}: {source}")]
    ListenFailed {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("access was denied in Workday{}", described(.description))]
    Denied { description: Option<String> },
    #[error("Workday answered the sign-in with error {error}{}", described(.description))]
    Provider {
        error: String,
        description: Option<String>,
    },
    #[error("no sign-in answer arrived within {} s", .after.as_secs())]
    TimedOut {
        after: Duration,
        redirect_uri: String,
    },
    #[error("the sign-in was cancelled")]
    Cancelled,
    #[error("the sign-in answer came from issuer {got:?}, not {expected:?}")]
    IssuerMismatch { expected: String, got: String },
}

fn described(description: &Option<String>) -> String {
    description
        .as_deref()
        // Sentences end with the caller's own full stop.
        .map(|d| format!(": {}", d.trim_end_matches('.')))
        .unwrap_or_default()
}

impl Diagnose for SignInError {
    fn problem(&self) -> Problem {
        use SignInError::*;
        match self {
            PortBusy { port } => Problem::new(
                "signin.port_busy",
                format!(
                    "Port {port} is already in use on this computer, so the sign-in cannot listen for Workday's answer."
                ),
                format!(
                    "Free port {port} (close the program using it), or pick another port in the connection's settings and \
                     change the Redirection URI in Workday's \"Edit API Client\" to match it exactly."
                ),
            ),
            PortDenied { port } => Problem::new(
                "signin.port_denied",
                format!("The system does not allow listening on port {port}."),
                "Pick another port (1024-49151) in the connection's settings and change the Redirection URI in Workday's \
                 \"Edit API Client\" to match it exactly. On Windows, avoid reserved ranges \
                 (`netsh interface ipv4 show excludedportrange protocol=tcp`); check firewall or security software.",
            ),
            Ipv6Unavailable { port, .. } => Problem::new(
                "signin.ipv6_unavailable",
                format!(
                    "The Redirection URI uses `localhost`, but this computer cannot listen on the IPv6 loopback [::1]:{port}, \
                     where browsers may send the answer."
                ),
                format!(
                    "Switch the connection's redirect host to 127.0.0.1 and set the Redirection URI in Workday's \
                     \"Edit API Client\" to http://127.0.0.1:{port}{CALLBACK_PATH}."
                ),
            ),
            ListenFailed { port, source } => Problem::new(
                "signin.listen_failed",
                format!("Cannot listen on loopback port {port}: {source}."),
                "Pick another port in the connection's settings and change the Redirection URI in Workday's \
                 \"Edit API Client\" to match it exactly.",
            ),
            Denied { description } => Problem::new(
                "signin.denied",
                format!(
                    "Access was denied on Workday's consent page{}.",
                    described(description)
                ),
                "Sign in again and choose Allow. The account that consents needs a UI sign-in (not an Integration \
                 System User with \"Do Not Allow UI Sessions\") and the security group permissions the API client's \
                 functional areas require.",
            ),
            Provider { error, description } => Problem::new(
                "signin.provider_error",
                format!(
                    "Workday refused the sign-in with error {error}{}.",
                    described(description)
                ),
                "Check the API client in Workday's \"View API Clients\" (Client ID, Redirection URI, functional areas) \
                 and sign in again.",
            ),
            TimedOut {
                after,
                redirect_uri,
            } => Problem::new(
                "signin.timed_out",
                format!(
                    "No answer came back from the browser within {} seconds.",
                    after.as_secs()
                ),
                format!(
                    "A wrong Client ID, or a Redirection URI that differs from the registered one, stops at Workday and \
                     never reaches the app: compare both with Workday's \"View API Clients\" (the Redirection URI must be \
                     exactly {redirect_uri}). If the browser did not open, open the printed link yourself. On an SSO \
                     tenant, turn on the connection's SSO switch (redirect=n) so Workday's own sign-in page is used. \
                     If the browser showed an error page (HTTP 503), the host or tenant in the Authorization Endpoint \
                     is wrong."
                ),
            ),
            Cancelled => Problem::new(
                "signin.cancelled",
                "The sign-in was cancelled.",
                "Start the sign-in again when ready.",
            ),
            IssuerMismatch { expected, got } => Problem::new(
                "signin.issuer_mismatch",
                format!(
                    "The sign-in answer names issuer {got:?}, not this connection's {expected:?}; it was rejected."
                ),
                "Sign in again from the app, with no other sign-in open in the browser. If it repeats, check that the \
                 Authorization Endpoint in the connection belongs to this tenant.",
            ),
        }
    }
}

type Outcome = Result<AuthorizationCode, SignInError>;

/// The bound loopback listener of one sign-in attempt.
#[derive(Debug)]
pub struct CallbackListener {
    v4: TcpListener,
    /// Only with [`RedirectHost::Localhost`]: browsers resolve `localhost` to either family.
    v6: Option<TcpListener>,
    port: u16,
    host: RedirectHost,
}

fn bind_error(port: u16, source: std::io::Error) -> SignInError {
    match source.kind() {
        std::io::ErrorKind::AddrInUse => SignInError::PortBusy { port },
        // Windows answers WSAEACCES for ports in an excluded (reserved) range.
        std::io::ErrorKind::PermissionDenied => SignInError::PortDenied { port },
        _ => SignInError::ListenFailed { port, source },
    }
}

impl CallbackListener {
    /// Binds BEFORE the browser opens: `127.0.0.1` only (never `0.0.0.0`); with
    /// [`RedirectHost::Localhost`] both `127.0.0.1` and `[::1]` on the same port. Port 0 picks a
    /// free port (for tests; a real connection has a fixed, registered port).
    pub async fn bind(port: u16, host: RedirectHost) -> Result<CallbackListener, SignInError> {
        // With port 0 the v4 pick may be taken on v6: try a few picks before giving up.
        let attempts = if port == 0 { 5 } else { 1 };
        let mut last = None;
        for _ in 0..attempts {
            let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
                .await
                .map_err(|e| bind_error(port, e))?;
            let bound = v4
                .local_addr()
                .map_err(|source| SignInError::ListenFailed { port, source })?
                .port();
            let v6 = match host {
                RedirectHost::Ipv4Literal => None,
                RedirectHost::Localhost => {
                    match TcpListener::bind((Ipv6Addr::LOCALHOST, bound)).await {
                        Ok(l) => Some(l),
                        Err(e) => {
                            let err = match e.kind() {
                                std::io::ErrorKind::AddrInUse
                                | std::io::ErrorKind::PermissionDenied => bind_error(bound, e),
                                // No IPv6 loopback on this machine (EADDRNOTAVAIL, EAFNOSUPPORT).
                                _ => SignInError::Ipv6Unavailable {
                                    port: bound,
                                    source: e,
                                },
                            };
                            last = Some(err);
                            continue;
                        }
                    }
                }
            };
            tracing::debug!(port = bound, ?host, "sign-in listener bound");
            return Ok(CallbackListener {
                v4,
                v6,
                port: bound,
                host,
            });
        }
        Err(last.unwrap_or(SignInError::PortBusy { port }))
    }

    /// The redirect URI this listener answers, as registered in Workday.
    pub fn redirect_uri(&self) -> String {
        redirect_uri(self.port, self.host)
    }

    /// The bound port (the requested one, or the one picked for port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every address listened on: `127.0.0.1:port`, plus `[::1]:port` for `localhost`.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        [Some(&self.v4), self.v6.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// Waits for the one valid callback: a `GET` on [`CALLBACK_PATH`] whose `state` equals
    /// `expected_state`. Stray and forged requests are answered and the wait goes on; the first
    /// valid callback (a code or an `error=`) gets its page and ends the wait, and the port is
    /// closed before this returns. Also ends on `timeout` or when `cancel` fires.
    pub async fn wait(
        self,
        expected_state: &str,
        expected_issuer: Option<&str>,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> Result<AuthorizationCode, SignInError> {
        let redirect_uri = self.redirect_uri();
        let CallbackListener { v4, v6, .. } = self;
        let shared = Arc::new(Expected {
            state: expected_state.as_bytes().to_vec(),
            issuer: expected_issuer.map(str::to_string),
            finished: AtomicBool::new(false),
        });
        // Capacity 1 is enough: only the connection that claims `finished` ever sends.
        let (tx, mut rx) = mpsc::channel::<Outcome>(1);
        let mut connections = JoinSet::new();
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let outcome = loop {
            tokio::select! {
                biased;
                Some(outcome) = rx.recv() => break outcome,
                () = cancel.cancelled() => break Err(SignInError::Cancelled),
                () = &mut deadline => break Err(SignInError::TimedOut { after: timeout, redirect_uri }),
                accepted = accept_any(&v4, v6.as_ref()) => match accepted {
                    Ok(stream) => {
                        connections.spawn(serve_connection(stream, shared.clone(), tx.clone()));
                    }
                    Err(e) => {
                        // E.g. out of file descriptors under a flood: back off instead of spinning.
                        tracing::debug!(error = %e, "sign-in listener accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                // Reap finished connections so a long wait does not accumulate them.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        };
        // Close the port first, then drop whatever connections are still open.
        drop(v4);
        drop(v6);
        connections.shutdown().await;
        match &outcome {
            Ok(_) => tracing::info!("sign-in callback received"),
            Err(e) => tracing::info!(error = %e, "sign-in ended without a code"),
        }
        outcome
    }
}

async fn accept_any(v4: &TcpListener, v6: Option<&TcpListener>) -> std::io::Result<TcpStream> {
    // `accept` is cancel-safe, so racing the two loses no connection.
    match v6 {
        None => v4.accept().await.map(|(s, _)| s),
        Some(v6) => tokio::select! {
            r = v4.accept() => r.map(|(s, _)| s),
            r = v6.accept() => r.map(|(s, _)| s),
        },
    }
}

/// What a callback must match, shared by every connection of one wait.
struct Expected {
    state: Vec<u8>,
    issuer: Option<String>,
    /// Set by the one request that ends the flow; later ones are told it is over.
    finished: AtomicBool,
}

async fn serve_connection(stream: TcpStream, expected: Arc<Expected>, tx: mpsc::Sender<Outcome>) {
    let slot: Arc<Mutex<Option<Outcome>>> = Arc::default();
    let service_slot = slot.clone();
    let service = service_fn(move |req: Request<Incoming>| {
        let (response, outcome) = respond(&expected, &req);
        if let Some(outcome) = outcome {
            *service_slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
        }
        std::future::ready(Ok::<_, Infallible>(response))
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_REQUEST_HEAD)
        // One request per connection: the connection ends once the page is written, which is
        // what lets the outcome be reported only after the person has their page.
        .keep_alive(false);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    match tokio::time::timeout(CONNECTION_TIME_LIMIT, connection).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!(error = %e, "sign-in listener connection error"),
        Err(_) => tracing::debug!("sign-in listener connection timed out"),
    }
    let outcome = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(outcome) = outcome {
        let _ = tx.send(outcome).await;
    }
}

/// The callback's parameters; a repeated one makes the request invalid (RFC 6749 3.1).
#[derive(Default)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    iss: Option<String>,
    repeated: bool,
}

impl Callback {
    fn parse(query: Option<&str>) -> Callback {
        let mut c = Callback::default();
        for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let field = match k.as_ref() {
                "code" => &mut c.code,
                "state" => &mut c.state,
                "error" => &mut c.error,
                "error_description" => &mut c.error_description,
                "iss" => &mut c.iss,
                _ => continue,
            };
            if field.is_some() {
                c.repeated = true;
            }
            *field = Some(v.into_owned());
        }
        c
    }
}

/// Decides the page for one request and, if it ends the flow, the outcome.
fn respond(expected: &Expected, req: &Request<Incoming>) -> (Response<String>, Option<Outcome>) {
    if req.uri().path() != CALLBACK_PATH {
        // Path only: a query could carry anything, including a code meant for elsewhere.
        tracing::debug!(method = %req.method(), path = %req.uri().path(), "stray request on the sign-in listener");
        return (not_found(), None);
    }
    if req.method() != Method::GET {
        tracing::debug!(method = %req.method(), "non-GET request on the sign-in callback");
        return (method_not_allowed(), None);
    }
    let cb = Callback::parse(req.uri().query());
    let state_ok = match cb.state.as_deref() {
        Some(s) if !s.is_empty() && !expected.state.is_empty() => {
            bool::from(s.as_bytes().ct_eq(&expected.state))
        }
        _ => false,
    };
    if !state_ok || cb.repeated {
        // Forged, stale or mangled: answer it, keep waiting for the real one.
        tracing::debug!(
            state_present = cb.state.is_some(),
            repeated = cb.repeated,
            "sign-in callback with a missing or wrong state ignored"
        );
        return (wrong_state(), None);
    }
    if expected.finished.swap(true, Ordering::SeqCst) {
        return (already_finished(), None);
    }
    if let (Some(got), Some(want)) = (cb.iss.as_deref(), expected.issuer.as_deref())
        && got != want
    {
        let got = clean(got, 200);
        return (
            issuer_mismatch_page(),
            Some(Err(SignInError::IssuerMismatch {
                expected: want.to_string(),
                got,
            })),
        );
    }
    if let Some(error) = cb.error.as_deref() {
        let error = clean_error_code(error);
        let description = cb
            .error_description
            .as_deref()
            .map(|d| clean(d, MAX_DESCRIPTION_CHARS))
            .filter(|d| !d.is_empty());
        let page = provider_error_page(&error, description.as_deref());
        let err = if error == "access_denied" {
            SignInError::Denied { description }
        } else {
            SignInError::Provider { error, description }
        };
        return (page, Some(Err(err)));
    }
    match cb.code {
        Some(code) if !code.is_empty() => (
            success_page(),
            Some(Ok(AuthorizationCode(SecretString::from(code)))),
        ),
        _ => {
            let err = SignInError::Provider {
                error: "invalid_response".into(),
                description: Some("The answer carried neither a code nor an error.".into()),
            };
            (
                provider_error_page("invalid_response", None),
                Some(Err(err)),
            )
        }
    }
}

/// Text from the callback, made safe to keep and show: no control characters, bounded length.
fn clean(s: &str, max_chars: usize) -> String {
    let mut out: String = s
        .chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect();
    if s.chars()
        .filter(|c| !c.is_control())
        .nth(max_chars)
        .is_some()
    {
        out.push('…');
    }
    out.trim().to_string()
}

/// RFC 6749 error codes are printable ASCII without `"` and `\`; anything else is dropped.
fn clean_error_code(s: &str) -> String {
    let code: String = s
        .chars()
        .filter(|c| matches!(c, ' ' | '!' | '#'..='[' | ']'..='~'))
        .take(64)
        .collect();
    if code.is_empty() {
        "unknown_error".into()
    } else {
        code
    }
}

/// Escapes text for HTML content and attribute values.
fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// The headers every page carries: shown (not downloaded), never cached, no referrer, nothing
/// loaded from anywhere.
const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn page(status: StatusCode, title: &str, body_html: &str) -> Response<String> {
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} - Workday Connector</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f5f8;color:#1f2933;margin:0}}
main{{max-width:520px;margin:64px auto;background:#fff;border-radius:8px;padding:28px 32px;box-shadow:0 1px 4px rgba(0,0,0,.15)}}
h1{{font-size:1.3em;margin-top:0}} .muted{{color:#616e7c;font-size:.9em}} code{{word-break:break-all}}
</style></head>
<body><main>
{body_html}
</main></body></html>
"#,
        title = html_escape(title),
    );
    let mut r = Response::new(html);
    *r.status_mut() = status;
    let h = r.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::PRAGMA, "no-cache"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    r
}

fn success_page() -> Response<String> {
    page(
        StatusCode::OK,
        "Signed in",
        r#"<h1 id="result" data-result="success">Signed in</h1>
<p>You are signed in. You can close this tab and return to Workday Connector.</p>"#,
    )
}

fn provider_error_page(error: &str, description: Option<&str>) -> Response<String> {
    let (title, advice) = if error == "access_denied" {
        (
            "Access was not allowed",
            "Return to Workday Connector and sign in again, choosing Allow.",
        )
    } else {
        (
            "Workday did not sign you in",
            "Return to Workday Connector: it shows what to check.",
        )
    };
    let description = description
        .map(|d| format!(r#"<p id="description">{}</p>"#, html_escape(d)))
        .unwrap_or_default();
    page(
        StatusCode::OK,
        title,
        &format!(
            r#"<h1 id="result" data-result="error">{title}</h1>
<p>Workday answered: <code id="error">{error}</code></p>
{description}
<p>{advice} You can close this tab.</p>"#,
            title = html_escape(title),
            error = html_escape(error),
        ),
    )
}

fn wrong_state() -> Response<String> {
    page(
        StatusCode::BAD_REQUEST,
        "Not the sign-in in progress",
        r#"<h1 id="result" data-result="wrong_state">This answer does not belong to the sign-in in progress</h1>
<p>It may come from an older tab or another site. Workday Connector is still waiting for its own sign-in.</p>
<p>Return to Workday Connector and continue there, or start the sign-in again from the app.</p>"#,
    )
}

fn issuer_mismatch_page() -> Response<String> {
    page(
        StatusCode::BAD_REQUEST,
        "Unexpected issuer",
        r#"<h1 id="result" data-result="issuer_mismatch">The answer came from an unexpected server</h1>
<p>The sign-in was stopped for safety. Return to Workday Connector and start it again.</p>"#,
    )
}

fn already_finished() -> Response<String> {
    page(
        StatusCode::CONFLICT,
        "Sign-in already finished",
        r#"<h1 id="result" data-result="finished">This sign-in has already finished</h1>
<p>Return to Workday Connector.</p>"#,
    )
}

fn not_found() -> Response<String> {
    page(
        StatusCode::NOT_FOUND,
        "Not found",
        r#"<h1 id="result" data-result="not_found">Nothing here</h1>
<p>This address only receives Workday's sign-in answer. Return to Workday Connector.</p>"#,
    )
}

fn method_not_allowed() -> Response<String> {
    let mut r = page(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        r#"<h1 id="result" data-result="method_not_allowed">Method not allowed</h1>
<p>This address only receives Workday's sign-in answer. Return to Workday Connector.</p>"#,
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_uri_to_register() {
        assert_eq!(
            redirect_uri(DEFAULT_REDIRECT_PORT, RedirectHost::Ipv4Literal),
            "http://127.0.0.1:8413/callback"
        );
        assert_eq!(
            redirect_uri(9000, RedirectHost::Localhost),
            "http://localhost:9000/callback"
        );
    }

    #[test]
    fn parses_callbacks_and_flags_repeats() {
        let c = Callback::parse(Some("code=a%2Bb&state=s&iss=https%3A%2F%2Fx"));
        assert_eq!(c.code.as_deref(), Some("a+b"));
        assert_eq!(c.state.as_deref(), Some("s"));
        assert_eq!(c.iss.as_deref(), Some("https://x"));
        assert!(!c.repeated);
        assert!(Callback::parse(Some("state=a&state=b")).repeated);
    }

    #[test]
    fn cleans_what_the_provider_sends() {
        assert_eq!(clean("a\r\nb\u{7}c", 10), "abc");
        assert_eq!(clean(&"x".repeat(20), 5), "xxxxx…");
        assert_eq!(clean_error_code("access_denied\"\\\n"), "access_denied");
        assert_eq!(clean_error_code("\u{1}"), "unknown_error");
        assert_eq!(
            html_escape(r#"<script>"&'"#),
            "&lt;script&gt;&quot;&amp;&#39;"
        );
    }

    #[test]
    fn debug_hides_the_code() {
        let c = AuthorizationCode(SecretString::from("the-code"));
        assert!(!format!("{c:?}").contains("the-code"));
    }

    #[test]
    fn every_error_has_a_stable_code_and_a_fix() {
        let io = || std::io::Error::other("x");
        let cases = [
            (SignInError::PortBusy { port: 8413 }, "signin.port_busy"),
            (SignInError::PortDenied { port: 80 }, "signin.port_denied"),
            (
                SignInError::Ipv6Unavailable {
                    port: 1,
                    source: io(),
                },
                "signin.ipv6_unavailable",
            ),
            (
                SignInError::ListenFailed {
                    port: 1,
                    source: io(),
                },
                "signin.listen_failed",
            ),
            (SignInError::Denied { description: None }, "signin.denied"),
            (
                SignInError::Provider {
                    error: "server_error".into(),
                    description: None,
                },
                "signin.provider_error",
            ),
            (
                SignInError::TimedOut {
                    after: Duration::from_secs(300),
                    redirect_uri: "http://127.0.0.1:8413/callback".into(),
                },
                "signin.timed_out",
            ),
            (SignInError::Cancelled, "signin.cancelled"),
            (
                SignInError::IssuerMismatch {
                    expected: "a".into(),
                    got: "b".into(),
                },
                "signin.issuer_mismatch",
            ),
        ];
        for (err, code) in cases {
            let p = err.problem();
            assert_eq!(p.code, code);
            assert!(!p.message.is_empty() && !p.fix.is_empty(), "{code}");
        }
        let busy = SignInError::PortBusy { port: 8413 }.problem();
        assert!(busy.message.contains("8413") && busy.fix.contains("Edit API Client"));
    }
}
