//! The loopback redirect: the URI the admin registers in Workday, and the listener that receives
//! the browser's one callback during sign-in (RFC 8252 section 7.3; `oauth-loopback.md` step 4).
//!
//! The listener is bound before the browser opens, on loopback only, and served with hyper
//! directly (one task per connection) so that each connection gets a bounded request head and
//! read time: a stray, slow, huge or malformed request is answered or dropped while the flow keeps
//! waiting for the one valid callback. At most [`MAX_CONNECTIONS`] are open at once: a new one
//! evicts the oldest that has not sent its request yet, so a local flood of idle connections can
//! neither exhaust descriptors nor keep the browser's real callback out.
//!
//! The tab of the valid callback is held open until the flow reports how the code exchange went
//! ([`ResultPage`]): it says "Signed in" only once that is true, and a neutral "return to the
//! app" page if no result comes within [`RESULT_WAIT`].

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
use tokio::sync::{mpsc, oneshot};
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

/// The most any one connection may live, whatever it does: no connection can pin a task. The
/// valid callback's own connection also waits up to [`RESULT_WAIT`] for the exchange.
const CONNECTION_TIME_LIMIT: Duration = Duration::from_secs(20);

/// The most connections served at once. A browser opens a few (the callback, a favicon, a
/// speculative preconnect); anything beyond is a flood, and each one holds a descriptor.
pub const MAX_CONNECTIONS: usize = 32;

/// How long the callback's tab waits for the exchange result before showing a neutral page that
/// sends the person back to the app. Above the token request's own timeout, so a slow but
/// successful exchange still ends on "Signed in".
pub const RESULT_WAIT: Duration = Duration::from_secs(90);

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

/// Why the loopback callback brought no code (the listener could not be bound, the browser came
/// back with an error, or no answer came). No variant holds the code or the state.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
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

impl Diagnose for CallbackError {
    fn problem(&self) -> Problem {
        use CallbackError::*;
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

/// The tab of the valid callback, held open until the flow knows whether the sign-in worked.
/// Dropped without a verdict, the tab gets a neutral page that sends the person to the app.
#[derive(Debug)]
pub struct ResultPage(oneshot::Sender<Verdict>);

/// The result for the tab, and where to say once its page is written.
#[derive(Debug)]
enum Verdict {
    SignedIn(oneshot::Sender<()>),
    Failed(Problem, oneshot::Sender<()>),
}

/// How long a verdict waits for its page to be written (a few KiB on loopback).
const PAGE_WRITE_WAIT: Duration = Duration::from_secs(5);

impl ResultPage {
    /// The code was exchanged and the tokens are kept: the tab says "Signed in".
    pub async fn signed_in(self) {
        self.settle(Verdict::SignedIn).await;
    }

    /// The sign-in failed after the callback: the tab shows the problem's message (never a
    /// secret: problems carry none) and sends the person back to the app for the fix.
    pub async fn failed(self, problem: &Problem) {
        let problem = problem.clone();
        self.settle(|written| Verdict::Failed(problem, written))
            .await;
    }

    /// Returns once the page is written (bounded), so that a process ending right after, like
    /// `wdconnect connect`, does not cut the tab off before it has its page.
    async fn settle(self, verdict: impl FnOnce(oneshot::Sender<()>) -> Verdict) {
        let (written_tx, written) = oneshot::channel();
        if self.0.send(verdict(written_tx)).is_ok() {
            let _ = tokio::time::timeout(PAGE_WRITE_WAIT, written).await;
        }
    }
}

/// The valid callback's code, and its tab awaiting the result.
pub type Answer = (AuthorizationCode, ResultPage);

type Outcome = Result<Answer, CallbackError>;

/// The bound loopback listener of one sign-in attempt.
#[derive(Debug)]
pub struct CallbackListener {
    v4: TcpListener,
    /// Only with [`RedirectHost::Localhost`]: browsers resolve `localhost` to either family.
    v6: Option<TcpListener>,
    port: u16,
    host: RedirectHost,
}

fn bind_error(port: u16, source: std::io::Error) -> CallbackError {
    match source.kind() {
        std::io::ErrorKind::AddrInUse => CallbackError::PortBusy { port },
        // Windows answers WSAEACCES for ports in an excluded (reserved) range.
        std::io::ErrorKind::PermissionDenied => CallbackError::PortDenied { port },
        _ => CallbackError::ListenFailed { port, source },
    }
}

impl CallbackListener {
    /// Binds BEFORE the browser opens: `127.0.0.1` only (never `0.0.0.0`); with
    /// [`RedirectHost::Localhost`] both `127.0.0.1` and `[::1]` on the same port. Port 0 picks a
    /// free port (for tests; a real connection has a fixed, registered port).
    pub async fn bind(port: u16, host: RedirectHost) -> Result<CallbackListener, CallbackError> {
        // With port 0 the v4 pick may be taken on v6: try a few picks before giving up.
        let attempts = if port == 0 { 5 } else { 1 };
        let mut last = None;
        for _ in 0..attempts {
            let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
                .await
                .map_err(|e| bind_error(port, e))?;
            let bound = v4
                .local_addr()
                .map_err(|source| CallbackError::ListenFailed { port, source })?
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
                                _ => CallbackError::Ipv6Unavailable {
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
        Err(last.unwrap_or(CallbackError::PortBusy { port }))
    }

    /// Takes over a listener the caller bound on `127.0.0.1` (the `127.0.0.1` redirect form),
    /// for a caller that must hold its port from the moment it is chosen: a port released and
    /// bound again later can be taken by anyone in between.
    pub fn from_std(listener: std::net::TcpListener) -> Result<CallbackListener, CallbackError> {
        let addr = listener
            .local_addr()
            .map_err(|source| CallbackError::ListenFailed { port: 0, source })?;
        let port = addr.port();
        if addr.ip() != std::net::IpAddr::V4(Ipv4Addr::LOCALHOST) {
            return Err(CallbackError::ListenFailed {
                port,
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "the sign-in listens on 127.0.0.1 only",
                ),
            });
        }
        let v4 = listener
            .set_nonblocking(true)
            .and_then(|()| TcpListener::from_std(listener))
            .map_err(|source| CallbackError::ListenFailed { port, source })?;
        Ok(CallbackListener {
            v4,
            v6: None,
            port,
            host: RedirectHost::Ipv4Literal,
        })
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
    /// `expected_state`. Stray and forged requests are answered and the wait goes on. The first
    /// valid callback ends the wait: an `error=` gets its page at once; a code comes back with its
    /// [`ResultPage`], whose tab stays open until the caller reports the exchange. The port is
    /// closed and every other connection dropped before this returns. Also ends on `timeout` or
    /// when `cancel` fires.
    pub async fn wait(
        self,
        expected_state: &str,
        expected_issuer: Option<&str>,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> Result<Answer, CallbackError> {
        let redirect_uri = self.redirect_uri();
        let CallbackListener { v4, v6, .. } = self;
        let shared = Arc::new(Expected {
            state: expected_state.as_bytes().to_vec(),
            issuer: expected_issuer.map(str::to_string),
            finished: AtomicBool::new(false),
        });
        // Capacity 1 is enough: only the connection that claims `finished` ever sends.
        let (tx, mut rx) = mpsc::channel::<Outcome>(1);
        // Finished tasks are reaped as they end, so the set holds open connections only (plus
        // evicted ones for the instant they take to notice).
        let mut connections = JoinSet::new();
        // The open connections in accept order: the oldest idle one is evicted first.
        let mut open: VecDeque<Open> = VecDeque::new();
        let stop = CancellationToken::new();
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let outcome = loop {
            tokio::select! {
                biased;
                Some(outcome) = rx.recv() => break outcome,
                () = cancel.cancelled() => break Err(CallbackError::Cancelled),
                () = &mut deadline => break Err(CallbackError::TimedOut { after: timeout, redirect_uri }),
                // Reap before accepting, so a full table frees its finished slots first.
                Some(joined) = connections.join_next_with_id(), if !connections.is_empty() => {
                    let id = match joined {
                        Ok((id, ())) => id,
                        Err(e) => e.id(),
                    };
                    open.retain(|c| c.id != id);
                }
                accepted = accept_any(&v4, v6.as_ref()) => match accepted {
                    Ok(stream) => {
                        if open.len() >= MAX_CONNECTIONS {
                            // A browser sends its request as soon as it connects: a connection
                            // still silent is the likeliest flood, the real callback the least.
                            match open.iter().position(|c| !c.busy.load(Ordering::SeqCst)) {
                                Some(i) => {
                                    if let Some(old) = open.remove(i) {
                                        old.evict.cancel();
                                    }
                                    tracing::debug!("sign-in listener full: oldest idle connection dropped");
                                }
                                None => {
                                    // Every slot is answering a request (briefly): refuse this one.
                                    tracing::debug!("sign-in listener full: connection refused");
                                    drop(stream);
                                    continue;
                                }
                            }
                        }
                        let busy = Arc::new(AtomicBool::new(false));
                        let evict = stop.child_token();
                        let task = serve_connection(
                            stream,
                            shared.clone(),
                            tx.clone(),
                            busy.clone(),
                            evict.clone(),
                        );
                        let id = connections.spawn(task).id();
                        open.push_back(Open { id, busy, evict });
                    }
                    Err(e) => {
                        // E.g. out of file descriptors: back off instead of spinning.
                        tracing::debug!(error = %e, "sign-in listener accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        };
        // Close the port first, then drop every other connection; the one that ended the flow
        // ignores `stop` and ends by itself once its page is written.
        drop(v4);
        drop(v6);
        stop.cancel();
        connections.detach_all();
        match &outcome {
            Ok(_) => tracing::info!("sign-in callback received"),
            Err(e) => tracing::info!(error = %e, "sign-in ended without a code"),
        }
        outcome
    }
}

/// One open connection of the listener.
struct Open {
    id: tokio::task::Id,
    /// Set once its request head has arrived: it is being answered, not idling.
    busy: Arc<AtomicBool>,
    evict: CancellationToken,
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

/// What one request gets.
enum Reply {
    /// A page; the flow goes on.
    Page(Response<String>),
    /// The flow ends without a code: this page, and this error for the caller.
    End(Response<String>, CallbackError),
    /// The flow ends with a code; the page waits for the exchange result.
    Code(AuthorizationCode),
}

/// What a connection that ended the flow does once its page is written (or given up).
enum After {
    /// Report how the flow ended: after the page, so the person has it before the app moves on.
    Report(CallbackError),
    /// Tell the flow the result page is out.
    Written(oneshot::Sender<()>),
}

type AfterSlot = Arc<std::sync::Mutex<Option<After>>>;

fn put(slot: &AfterSlot, after: After) {
    *slot
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(after);
}

async fn serve_connection(
    stream: TcpStream,
    expected: Arc<Expected>,
    tx: mpsc::Sender<Outcome>,
    busy: Arc<AtomicBool>,
    evict: CancellationToken,
) {
    // Set by the request that ends the flow: its connection is then never cut short.
    let ends_flow = Arc::new(AtomicBool::new(false));
    let after: AfterSlot = Arc::default();
    let service = {
        let (ends_flow, after, tx) = (ends_flow.clone(), after.clone(), tx.clone());
        service_fn(move |req: Request<Incoming>| {
            busy.store(true, Ordering::SeqCst);
            let reply = respond(&expected, &req);
            if !matches!(reply, Reply::Page(_)) {
                ends_flow.store(true, Ordering::SeqCst);
            }
            let (tx, after) = (tx.clone(), after.clone());
            async move { Ok::<_, Infallible>(answer(reply, tx, after).await) }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_REQUEST_HEAD)
        // One request per connection: the connection ends once its page is written.
        .keep_alive(false);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let limit = tokio::time::sleep(CONNECTION_TIME_LIMIT);
    tokio::pin!(limit);
    let served = tokio::select! {
        r = &mut connection => Some(r),
        () = &mut limit => None,
        () = evict.cancelled() => None,
    };
    let served = match served {
        Some(r) => Some(r),
        // The flow's last page: written whatever else happens, within its own bound.
        None if ends_flow.load(Ordering::SeqCst) => {
            tokio::time::timeout(RESULT_WAIT + CONNECTION_TIME_LIMIT, connection)
                .await
                .ok()
        }
        None => {
            tracing::debug!("sign-in listener connection dropped (evicted, flow over or too long)");
            return;
        }
    };
    if let Some(Err(e)) = served {
        tracing::debug!(error = %e, "sign-in listener connection error");
    }
    let after = after
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    match after {
        Some(After::Report(err)) => {
            let _ = tx.send(Err(err)).await;
        }
        Some(After::Written(done)) => {
            let _ = done.send(());
        }
        None => {}
    }
}

/// Produces the page of one request; one that ends the flow leaves what follows the page in
/// `after`, and a code's page waits for the exchange result.
async fn answer(reply: Reply, tx: mpsc::Sender<Outcome>, after: AfterSlot) -> Response<String> {
    match reply {
        Reply::Page(page) => page,
        Reply::End(page, err) => {
            put(&after, After::Report(err));
            page
        }
        Reply::Code(code) => {
            let (verdict_tx, verdict_rx) = oneshot::channel();
            if tx.send(Ok((code, ResultPage(verdict_tx)))).await.is_err() {
                // The wait ended (cancelled, timed out) while this request was read.
                return finishing_page();
            }
            match tokio::time::timeout(RESULT_WAIT, verdict_rx).await {
                Ok(Ok(Verdict::SignedIn(written))) => {
                    put(&after, After::Written(written));
                    success_page()
                }
                Ok(Ok(Verdict::Failed(problem, written))) => {
                    put(&after, After::Written(written));
                    failed_page(&problem)
                }
                // No verdict (the caller gave up, or took too long): never claim success.
                Ok(Err(_)) | Err(_) => finishing_page(),
            }
        }
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

/// Decides the reply to one request: a page, or the end of the flow.
fn respond(expected: &Expected, req: &Request<Incoming>) -> Reply {
    if req.uri().path() != CALLBACK_PATH {
        // Path only: a query could carry anything, including a code meant for elsewhere.
        tracing::debug!(method = %req.method(), path = %req.uri().path(), "stray request on the sign-in listener");
        return Reply::Page(not_found());
    }
    if req.method() != Method::GET {
        tracing::debug!(method = %req.method(), "non-GET request on the sign-in callback");
        return Reply::Page(method_not_allowed());
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
        return Reply::Page(wrong_state());
    }
    if expected.finished.swap(true, Ordering::SeqCst) {
        return Reply::Page(already_finished());
    }
    if let (Some(got), Some(want)) = (cb.iss.as_deref(), expected.issuer.as_deref())
        && got != want
    {
        let got = clean(got, 200);
        return Reply::End(
            issuer_mismatch_page(),
            CallbackError::IssuerMismatch {
                expected: want.to_string(),
                got,
            },
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
            CallbackError::Denied { description }
        } else {
            CallbackError::Provider { error, description }
        };
        return Reply::End(page, err);
    }
    match cb.code {
        Some(code) if !code.is_empty() => Reply::Code(AuthorizationCode(SecretString::from(code))),
        _ => {
            let err = CallbackError::Provider {
                error: "invalid_response".into(),
                description: Some("The answer carried neither a code nor an error.".into()),
            };
            Reply::End(provider_error_page("invalid_response", None), err)
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

/// The exchange failed after a valid callback: say so, with the one-line message, never "Signed in".
fn failed_page(problem: &Problem) -> Response<String> {
    page(
        StatusCode::OK,
        "Sign-in did not finish",
        &format!(
            r#"<h1 id="result" data-result="failed">Sign-in did not finish</h1>
<p id="description">{}</p>
<p>Return to Workday Connector: it shows what to fix. You can close this tab.</p>"#,
            html_escape(&problem.message),
        ),
    )
}

/// No result came back in time (or the flow was given up): neutral, the app has the outcome.
fn finishing_page() -> Response<String> {
    page(
        StatusCode::OK,
        "Finishing sign-in",
        r#"<h1 id="result" data-result="pending">Finishing sign-in…</h1>
<p>Return to Workday Connector to see whether the sign-in completed. You can close this tab.</p>"#,
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
            (CallbackError::PortBusy { port: 8413 }, "signin.port_busy"),
            (CallbackError::PortDenied { port: 80 }, "signin.port_denied"),
            (
                CallbackError::Ipv6Unavailable {
                    port: 1,
                    source: io(),
                },
                "signin.ipv6_unavailable",
            ),
            (
                CallbackError::ListenFailed {
                    port: 1,
                    source: io(),
                },
                "signin.listen_failed",
            ),
            (CallbackError::Denied { description: None }, "signin.denied"),
            (
                CallbackError::Provider {
                    error: "server_error".into(),
                    description: None,
                },
                "signin.provider_error",
            ),
            (
                CallbackError::TimedOut {
                    after: Duration::from_secs(300),
                    redirect_uri: "http://127.0.0.1:8413/callback".into(),
                },
                "signin.timed_out",
            ),
            (CallbackError::Cancelled, "signin.cancelled"),
            (
                CallbackError::IssuerMismatch {
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
        let busy = CallbackError::PortBusy { port: 8413 }.problem();
        assert!(busy.message.contains("8413") && busy.fix.contains("Edit API Client"));
    }
}
