//! The sign-in callback listener over real sockets: stray, forged, hostile and valid requests,
//! the pages it answers, its errors, and a full consent through `wdc-consent-browser` against a
//! simulated tenant.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use common::consent_browser;
use connector::Diagnose;
use connector::browser::{CommandBrowser, open_in_background};
use connector::loopback::{
    Answer, AuthorizationCode, CALLBACK_PATH, CallbackError, CallbackListener, HEADER_READ_TIMEOUT,
    MAX_CONNECTIONS, RedirectHost,
};
use secrecy::ExposeSecret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const STATE: &str = "s7Yq1c0rR3ct-state_value.with~chars";
const LONG: Duration = Duration::from_secs(60);

type Waiting = JoinHandle<Result<AuthorizationCode, CallbackError>>;

/// Binds on an ephemeral port and starts waiting for `STATE`; a code's page is told at once that
/// the sign-in worked, as after a successful exchange.
async fn start(host: RedirectHost, issuer: Option<&'static str>) -> (Waiting, u16) {
    let listener = CallbackListener::bind(0, host).await.expect("bind");
    let port = listener.port();
    let waiting = tokio::spawn(signed_in_at_once(listener.wait(
        STATE,
        issuer,
        LONG,
        CancellationToken::new(),
    )));
    (waiting, port)
}

async fn signed_in_at_once(
    wait: impl Future<Output = Result<Answer, CallbackError>>,
) -> Result<AuthorizationCode, CallbackError> {
    let (code, page) = wait.await?;
    page.signed_in().await;
    Ok(code)
}

fn v4(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Sends raw bytes and reads until the server closes. A reset counts as "no answer" (status 0).
async fn send(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    // The server may close early (e.g. on a huge head): a failed write is part of the test.
    let _ = s.write_all(request).await;
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(15), s.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the listener held a connection open");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

async fn request(addr: SocketAddr, method: &str, target: &str) -> Reply {
    let req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    send(addr, req.as_bytes()).await
}

async fn get(addr: SocketAddr, target: &str) -> Reply {
    request(addr, "GET", target).await
}

fn callback(query: &str) -> String {
    format!("{CALLBACK_PATH}?{query}")
}

fn valid(code: &str) -> String {
    callback(&format!("code={code}&state={STATE}"))
}

async fn finish(waiting: Waiting) -> Result<AuthorizationCode, CallbackError> {
    tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the wait ended")
        .expect("the wait task did not panic")
}

fn code_of(r: Result<AuthorizationCode, CallbackError>) -> String {
    r.expect("a code").0.expose_secret().to_string()
}

fn assert_page_headers(r: &Reply) {
    assert_eq!(
        r.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{}",
        r.head
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let csp = r.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    // Self-contained: nothing is loaded from anywhere.
    let body = r.body.to_ascii_lowercase();
    for external in ["<script", "src=", "<link", "@import", "url("] {
        assert!(
            !body.contains(external),
            "page loads {external}: {}",
            r.body
        );
    }
    assert!(r.body.contains("Workday Connector"), "{}", r.body);
}

#[tokio::test]
async fn stray_requests_get_404_or_405_and_the_flow_keeps_waiting() {
    let (waiting, port) = start(RedirectHost::Ipv4Literal, None).await;
    let addr = v4(port);
    assert_eq!(get(addr, "/favicon.ico").await.status, 404);
    assert_eq!(get(addr, "/").await.status, 404);
    // Right state on the wrong path still is not the callback.
    let q = format!("code=x&state={STATE}");
    assert_eq!(get(addr, &format!("/other?{q}")).await.status, 404);
    assert_eq!(
        get(addr, &format!("{CALLBACK_PATH}x?{q}")).await.status,
        404
    );
    assert_eq!(
        get(addr, &format!("{CALLBACK_PATH}/?{q}")).await.status,
        404
    );
    let post = request(addr, "POST", &callback(&q)).await;
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET"));
    assert_eq!(request(addr, "HEAD", &callback(&q)).await.status, 405);
    assert!(!waiting.is_finished(), "a stray request ended the flow");

    let ok = get(addr, &valid("the-code")).await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.body
            .contains("You are signed in. You can close this tab and return to Workday Connector.")
    );
    assert_eq!(code_of(finish(waiting).await), "the-code");
}

#[tokio::test]
async fn a_wrong_or_missing_state_gets_an_error_page_and_the_real_callback_still_counts() {
    let (waiting, port) = start(RedirectHost::Ipv4Literal, None).await;
    let addr = v4(port);
    for forged in [
        callback("code=evil&state=wrong"),
        callback("code=evil"),
        callback("code=evil&state="),
        // A prefix of the real state, and the real state repeated with another.
        callback(&format!("code=evil&state={}", &STATE[..10])),
        callback(&format!("code=evil&state={STATE}&state=other")),
        // A forged error must not cancel the sign-in either.
        callback("error=access_denied&state=wrong"),
    ] {
        let r = get(addr, &forged).await;
        assert_eq!(r.status, 400, "{forged}");
        assert!(r.body.contains("still waiting"), "{}", r.body);
        assert_page_headers(&r);
    }
    assert!(!waiting.is_finished(), "a forged callback ended the flow");
    assert_eq!(get(addr, &valid("good")).await.status, 200);
    assert_eq!(code_of(finish(waiting).await), "good");
}

#[tokio::test]
async fn access_denied_ends_with_signin_denied_and_the_page_escapes_the_description() {
    let (waiting, port) = start(RedirectHost::Ipv4Literal, None).await;
    let r = get(
        v4(port),
        &callback(&format!(
            "error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E%20said%20no&state={STATE}"
        )),
    )
    .await;
    assert_page_headers(&r);
    assert!(
        r.body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; said no"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("<script>"));
    let err = finish(waiting).await.expect_err("denied");
    assert!(matches!(err, CallbackError::Denied { .. }), "{err:?}");
    let p = err.problem();
    assert_eq!(p.code, "signin.denied");
    assert!(p.message.contains("said no"), "{}", p.message);
    assert!(p.fix.contains("Allow"), "{}", p.fix);
}

#[tokio::test]
async fn another_provider_error_ends_with_signin_provider_error() {
    let (waiting, port) = start(RedirectHost::Ipv4Literal, None).await;
    let long = "x".repeat(5000);
    let r = get(
        v4(port),
        &callback(&format!(
            "error=invalid_request&error_description={long}&state={STATE}"
        )),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("invalid_request"));
    let p = finish(waiting).await.expect_err("an error").problem();
    assert_eq!(p.code, "signin.provider_error");
    assert!(p.message.contains("invalid_request"));
    assert!(p.message.len() < 1000, "the description is bounded");
}

#[tokio::test]
async fn iss_must_match_the_expected_issuer() {
    let issuer = "https://wd2-impl.workday.com/acme";
    let (waiting, port) = start(RedirectHost::Ipv4Literal, Some(issuer)).await;
    let r = get(
        v4(port),
        &callback(&format!(
            "code=c&state={STATE}&iss=https%3A%2F%2Fevil.example"
        )),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_page_headers(&r);
    let p = finish(waiting).await.expect_err("mismatch").problem();
    assert_eq!(p.code, "signin.issuer_mismatch");

    let (waiting, port) = start(RedirectHost::Ipv4Literal, Some(issuer)).await;
    let iss = "https%3A%2F%2Fwd2-impl.workday.com%2Facme";
    get(
        v4(port),
        &callback(&format!("code=c&state={STATE}&iss={iss}")),
    )
    .await;
    assert_eq!(code_of(finish(waiting).await), "c");
}

#[tokio::test]
async fn a_flood_of_stray_and_idle_connections_does_not_stop_the_valid_callback() {
    let (waiting, port) = start(RedirectHost::Ipv4Literal, None).await;
    let addr = v4(port);
    // Idle connections that never send a byte, kept open throughout.
    let mut idle = Vec::new();
    for _ in 0..50 {
        idle.push(TcpStream::connect(addr).await.expect("connect"));
    }
    // Stray requests all connected before the valid one, and all in flight while it is served.
    let mut strays = Vec::new();
    for i in 0..200 {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        strays.push(tokio::spawn(async move {
            let req = format!("GET /probe/{i} HTTP/1.1\r\nHost: x\r\n\r\n");
            let _ = s.write_all(req.as_bytes()).await;
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf).await;
            String::from_utf8_lossy(&buf)
                .split(' ')
                .nth(1)
                .map(str::to_string)
        }));
    }
    let started = Instant::now();
    let ok = get(addr, &valid("through")).await;
    assert_eq!(ok.status, 200);
    assert_eq!(code_of(finish(waiting).await), "through");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the valid callback took {:?}",
        started.elapsed()
    );
    for s in strays {
        // Served (404) or, once the flow ended, cut off; never a success.
        let status = s.await.expect("stray task");
        assert!(
            matches!(status.as_deref(), Some("404") | None),
            "{status:?}"
        );
    }
    drop(idle);
}

/// Reads until the peer closes or resets; true if that happens within `within`.
async fn closed_within(mut s: TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 64];
    tokio::time::timeout(within, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_flood_of_idle_connections_is_capped_and_the_real_callback_still_completes() {
    let (waiting, port) = start(RedirectHost::Ipv4Literal, None).await;
    let addr = v4(port);
    // Three times the cap of connections that never send a byte, each one a descriptor held in
    // this process and, unless the listener caps them, in the listener.
    let flood = 3 * MAX_CONNECTIONS;
    let mut idle = Vec::new();
    for _ in 0..flood {
        idle.push(TcpStream::connect(addr).await.expect("connect"));
    }
    // Connections are accepted in order: once this stray one is answered, every idle one before
    // it has been accepted too.
    assert_eq!(get(addr, "/probe").await.status, 404);
    assert!(!waiting.is_finished(), "the flood ended the flow");
    // All but the newest MAX_CONNECTIONS were dropped at once, long before the header read
    // timeout would have dropped them, while the flow still waits.
    let checks: Vec<_> = idle
        .into_iter()
        .map(|s| tokio::spawn(closed_within(s, HEADER_READ_TIMEOUT / 2)))
        .collect();
    let mut closed = 0;
    for c in checks {
        closed += usize::from(c.await.expect("task"));
    }
    assert!(
        closed >= flood - MAX_CONNECTIONS,
        "only {closed} of {flood} idle connections were dropped (cap {MAX_CONNECTIONS})"
    );
    assert!(!waiting.is_finished(), "the flood ended the flow");
    // The browser's callback still gets through.
    let ok = get(addr, &valid("past-the-flood")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(code_of(finish(waiting).await), "past-the-flood");
}

/// Starts waiting and returns the spawned wait, which hands back the code and its page.
async fn start_held() -> (JoinHandle<Result<Answer, CallbackError>>, u16) {
    let listener = CallbackListener::bind(0, RedirectHost::Ipv4Literal)
        .await
        .expect("bind");
    let port = listener.port();
    let waiting = tokio::spawn(listener.wait(STATE, None, LONG, CancellationToken::new()));
    (waiting, port)
}

#[tokio::test]
async fn the_page_says_signed_in_only_once_the_flow_reports_success() {
    let (waiting, port) = start_held().await;
    let target = valid("c1");
    let page = tokio::spawn(async move { get(v4(port), &target).await });
    let (code, result) = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the wait ended")
        .expect("task")
        .expect("a code");
    assert_eq!(code.0.expose_secret(), "c1");
    // The code is out, the exchange not done: the tab has no answer yet.
    assert!(
        !page.is_finished(),
        "the page was written before the result"
    );
    result.signed_in().await;
    let page = page.await.expect("task");
    assert_eq!(page.status, 200);
    assert_page_headers(&page);
    assert!(
        page.body.contains("data-result=\"success\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("You are signed in"), "{}", page.body);
}

#[tokio::test]
async fn the_page_after_a_failed_exchange_does_not_say_signed_in() {
    let (waiting, port) = start_held().await;
    let target = valid("c2");
    let page = tokio::spawn(async move { get(v4(port), &target).await });
    let (_, result) = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the wait ended")
        .expect("task")
        .expect("a code");
    let problem = connector::Problem::new(
        "token.invalid_client",
        "Workday refused the client <ID> & secret.",
        "Copy the secret again.",
    );
    result.failed(&problem).await;
    let page = page.await.expect("task");
    assert_eq!(page.status, 200);
    assert_page_headers(&page);
    assert!(
        page.body.contains("data-result=\"failed\""),
        "{}",
        page.body
    );
    assert!(
        !page.body.to_lowercase().contains("signed in"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Workday refused the client &lt;ID&gt; &amp; secret."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Return to Workday Connector"));
}

#[tokio::test]
async fn without_a_result_the_page_stays_neutral() {
    let (waiting, port) = start_held().await;
    let target = valid("c3");
    let page = tokio::spawn(async move { get(v4(port), &target).await });
    let (_, result) = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the wait ended")
        .expect("task")
        .expect("a code");
    // The flow gave up (cancelled, or its future dropped) without a verdict.
    drop(result);
    let page = page.await.expect("task");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("data-result=\"pending\""),
        "{}",
        page.body
    );
    assert!(
        !page.body.to_lowercase().contains("signed in"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Return to Workday Connector"));
}

#[tokio::test]
async fn a_huge_request_head_is_refused_without_hurting_the_flow() {
    let (waiting, port) = start(RedirectHost::Ipv4Literal, None).await;
    let addr = v4(port);
    let mut huge = format!("GET {} HTTP/1.1\r\nHost: x\r\nX-Big: ", valid("smuggled")).into_bytes();
    huge.extend(std::iter::repeat_n(b'a', 1024 * 1024));
    huge.extend(b"\r\n\r\n");
    let r = send(addr, &huge).await;
    assert!(matches!(r.status, 431 | 0), "{}", r.head);
    assert!(
        !waiting.is_finished(),
        "an oversized request was taken as the callback"
    );
    // Cookies other local dev servers set for 127.0.0.1 come along with the real callback.
    let cookies = format!("a={}", "c".repeat(40 * 1024));
    let real = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\nCookie: {cookies}\r\n\r\n",
        valid("real")
    );
    assert_eq!(send(addr, real.as_bytes()).await.status, 200);
    assert_eq!(code_of(finish(waiting).await), "real");
}

#[tokio::test]
async fn malformed_http_never_panics_or_ends_the_flow() {
    let (waiting, port) = start(RedirectHost::Ipv4Literal, None).await;
    let addr = v4(port);
    let garbage: Vec<Vec<u8>> = vec![
        (0..=255u8).cycle().take(4096).collect(),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(), // a TLS ClientHello start
        b"GET\r\n\r\n".to_vec(),
        b"GET /callback HTTP/9.9\r\n\r\n".to_vec(),
        b"GET /callback?state=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"GET /callback HTTP/1.1\r\nno colon here\r\n\r\n".to_vec(),
        b"GET /callback HTTP/1.1\r\nContent-Length: -1\r\n\r\n".to_vec(),
    ];
    for g in &garbage {
        let r = send(addr, g).await;
        assert_ne!(r.status, 200, "{}", r.head);
    }
    // A connection that closes half-way through its head.
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(b"GET /callback?code=x&st")
        .await
        .expect("write");
    drop(s);
    assert!(!waiting.is_finished());
    assert_eq!(get(addr, &valid("fine")).await.status, 200);
    assert_eq!(code_of(finish(waiting).await), "fine");
}

#[tokio::test]
async fn slow_or_silent_connections_are_dropped_after_the_header_read_timeout() {
    let (waiting, port) = start(RedirectHost::Ipv4Literal, None).await;
    let addr = v4(port);
    let partial_head = format!("GET {} HTTP/1.1\r\nHost: x\r\n", valid("slow"));
    let slow: Vec<_> = [
        Vec::new(),
        b"\r\n\r\n\r\n".to_vec(),
        partial_head.into_bytes(),
    ]
    .into_iter()
    .map(|bytes| {
        tokio::spawn(async move {
            let started = Instant::now();
            let mut s = TcpStream::connect(addr).await.expect("connect");
            s.write_all(&bytes).await.expect("write");
            let mut buf = Vec::new();
            let closed =
                tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut buf)).await;
            (closed.is_ok(), started.elapsed())
        })
    })
    .collect();
    for s in slow {
        let (closed, after) = s.await.expect("task");
        assert!(closed, "a silent connection was held open");
        assert!(
            after >= HEADER_READ_TIMEOUT - Duration::from_secs(1)
                && after < HEADER_READ_TIMEOUT + Duration::from_secs(5),
            "closed after {after:?}"
        );
    }
    assert!(!waiting.is_finished(), "a partial callback was taken");
    assert_eq!(get(addr, &valid("after")).await.status, 200);
    assert_eq!(code_of(finish(waiting).await), "after");
}

#[tokio::test]
async fn nothing_arriving_ends_with_signin_timed_out() {
    let listener = CallbackListener::bind(0, RedirectHost::Ipv4Literal)
        .await
        .expect("bind");
    let uri = listener.redirect_uri();
    let started = Instant::now();
    let err = listener
        .wait(
            STATE,
            None,
            Duration::from_millis(300),
            CancellationToken::new(),
        )
        .await
        .expect_err("timed out");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let p = err.problem();
    assert_eq!(p.code, "signin.timed_out");
    // The fix names what to check, including the exact URI that must be registered.
    assert!(p.fix.contains(&uri), "{}", p.fix);
    assert!(
        p.fix.contains("Client ID") && p.fix.contains("redirect=n"),
        "{}",
        p.fix
    );
}

#[tokio::test]
async fn cancelling_ends_with_signin_cancelled_and_closes_the_port() {
    let listener = CallbackListener::bind(0, RedirectHost::Ipv4Literal)
        .await
        .expect("bind");
    let port = listener.port();
    let cancel = CancellationToken::new();
    let waiting = tokio::spawn(signed_in_at_once(listener.wait(
        STATE,
        None,
        LONG,
        cancel.clone(),
    )));
    tokio::time::sleep(Duration::from_millis(100)).await;
    cancel.cancel();
    let err = finish(waiting).await.expect_err("cancelled");
    assert_eq!(err.problem().code, "signin.cancelled");
    assert!(TcpStream::connect(v4(port)).await.is_err());
}

#[tokio::test]
async fn a_busy_port_is_signin_port_busy_naming_the_port() {
    let taken = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let err = CallbackListener::bind(port, RedirectHost::Ipv4Literal)
        .await
        .expect_err("busy");
    assert!(
        matches!(err, CallbackError::PortBusy { port: p } if p == port),
        "{err:?}"
    );
    let p = err.problem();
    assert_eq!(p.code, "signin.port_busy");
    assert!(p.message.contains(&port.to_string()), "{}", p.message);
    assert!(p.fix.contains("Redirection URI") && p.fix.contains("Edit API Client"));
}

/// This machine's address on its default route, if it has one that is not loopback.
fn non_loopback_ipv4() -> Option<Ipv4Addr> {
    // A UDP "connect" sends nothing; it only picks the route and so the local address.
    let s = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    s.connect((Ipv4Addr::new(198, 51, 100, 1), 9)).ok()?;
    match s.local_addr().ok()?.ip() {
        IpAddr::V4(ip) if !ip.is_loopback() && !ip.is_unspecified() => Some(ip),
        _ => None,
    }
}

#[tokio::test]
async fn the_listener_binds_only_127_0_0_1() {
    let listener = CallbackListener::bind(0, RedirectHost::Ipv4Literal)
        .await
        .expect("bind");
    let port = listener.port();
    assert_eq!(listener.local_addrs(), vec![v4(port)]);
    assert_eq!(
        listener.redirect_uri(),
        format!("http://127.0.0.1:{port}/callback")
    );
    if let Some(ip) = non_loopback_ipv4() {
        let outside = TcpStream::connect((ip, port)).await;
        assert!(outside.is_err(), "reachable on {ip}:{port}");
    }
    assert!(
        TcpStream::connect((Ipv6Addr::LOCALHOST, port))
            .await
            .is_err()
            || {
                // Another process may own [::1]:port; it is not ours if our addrs lack it.
                !listener.local_addrs().iter().any(|a| a.is_ipv6())
            }
    );
}

#[tokio::test]
async fn localhost_listens_on_both_127_0_0_1_and_ipv6_loopback() {
    let ipv6_here = std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok();
    let listener = match CallbackListener::bind(0, RedirectHost::Localhost).await {
        Ok(l) => l,
        Err(e) => {
            // The documented outcome on a machine without an IPv6 loopback.
            assert!(!ipv6_here, "::1 works here, yet: {e:?}");
            assert_eq!(e.problem().code, "signin.ipv6_unavailable");
            return;
        }
    };
    let port = listener.port();
    let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, port));
    let mut addrs = listener.local_addrs();
    addrs.sort();
    assert_eq!(addrs, vec![v4(port), v6]);
    assert_eq!(
        listener.redirect_uri(),
        format!("http://localhost:{port}/callback")
    );
    let waiting = tokio::spawn(signed_in_at_once(listener.wait(
        STATE,
        None,
        LONG,
        CancellationToken::new(),
    )));
    assert_eq!(get(v4(port), "/favicon.ico").await.status, 404);
    assert_eq!(get(v6, "/favicon.ico").await.status, 404);
    assert_eq!(get(v6, &valid("via-ipv6")).await.status, 200);
    assert_eq!(code_of(finish(waiting).await), "via-ipv6");
    assert!(TcpStream::connect(v6).await.is_err());
    assert!(TcpStream::connect(v4(port)).await.is_err());
}

#[tokio::test]
async fn every_page_is_self_contained_with_the_safety_headers() {
    let (waiting, port) = start(RedirectHost::Ipv4Literal, None).await;
    let addr = v4(port);
    let not_found = get(addr, "/favicon.ico").await;
    let not_allowed = request(addr, "POST", CALLBACK_PATH).await;
    let wrong = get(addr, &callback("code=x&state=nope")).await;
    let success = get(addr, &valid("c")).await;
    for (reply, status) in [
        (&not_found, 404),
        (&not_allowed, 405),
        (&wrong, 400),
        (&success, 200),
    ] {
        assert_eq!(reply.status, status, "{}", reply.head);
        assert_page_headers(reply);
    }
    assert!(success.body.contains("return to Workday Connector"));
    finish(waiting).await.expect("code");

    let (waiting, port) = start(RedirectHost::Ipv4Literal, None).await;
    let denied = get(
        v4(port),
        &callback(&format!("error=access_denied&state={STATE}")),
    )
    .await;
    assert_page_headers(&denied);
    assert!(denied.body.contains("Return to Workday Connector"));
    finish(waiting).await.expect_err("denied");
}

#[tokio::test]
async fn the_port_is_closed_once_the_flow_ends() {
    let (waiting, port) = start(RedirectHost::Ipv4Literal, None).await;
    assert!(TcpStream::connect(v4(port)).await.is_ok());
    get(v4(port), &valid("done")).await;
    finish(waiting).await.expect("code");
    assert!(
        TcpStream::connect(v4(port)).await.is_err(),
        "port {port} still accepts connections"
    );
}

// ---- a whole consent through the test browser, against a simulated tenant ----

fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

struct Consent {
    result: Result<AuthorizationCode, CallbackError>,
    browser: Result<(), String>,
    visited: Vec<String>,
    authorize_url: String,
}

async fn consent_through_the_sim(decision: &str) -> Consent {
    let program = consent_browser();
    let listener = CallbackListener::bind(0, RedirectHost::Ipv4Literal)
        .await
        .expect("bind");
    let redirect = listener.redirect_uri();
    let sim = workday_sim::start(workday_sim::SimConfig {
        redirect_uri: redirect.clone(),
        events: 500,
        users: 3,
        ..Default::default()
    })
    .await
    .expect("sim starts");
    let values = sim.values();
    let state = format!("state-{decision}-{}", std::process::id());
    let verifier = "v".repeat(20) + "-0123456789abcdefghijklmnopqrstuvwxyz";
    let mut url = url::Url::parse(&values.authorization_endpoint).expect("url");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &values.client_id)
        .append_pair("redirect_uri", &redirect)
        .append_pair("state", &state)
        .append_pair("code_challenge", &pkce_challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    let log = std::env::temp_dir().join(format!(
        "wdc-consent-{decision}-{}-{}.log",
        std::process::id(),
        redirect.len() + listener.port() as usize
    ));
    let _ = std::fs::remove_file(&log);
    let browser = CommandBrowser::new(program)
        .env("WDC_CONSENT", decision)
        .env("WDC_CONSENT_LOG", &log);
    let opening = open_in_background(Arc::new(browser), url.to_string());
    let result = signed_in_at_once(listener.wait(
        &state,
        None,
        Duration::from_secs(30),
        CancellationToken::new(),
    ))
    .await;
    let browser = opening.await.expect("the opener did not panic");
    let visited = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    let _ = std::fs::remove_file(&log);
    sim.shutdown().await;
    Consent {
        result,
        browser,
        visited,
        authorize_url: url.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consent_browser_allows_and_the_listener_receives_a_code() {
    let c = consent_through_the_sim("allow").await;
    let code = code_of(c.result);
    assert!(code.len() >= 20, "a real code from the tenant");
    assert_eq!(c.browser, Ok(()));
    assert_eq!(c.visited.first(), Some(&c.authorize_url), "{:?}", c.visited);
    assert!(
        c.visited.iter().any(|u| u.contains("/authorize/decision")),
        "{:?}",
        c.visited
    );
    let last = c.visited.last().expect("visited");
    assert!(
        last.contains(&format!("{CALLBACK_PATH}?code=")),
        "{:?}",
        c.visited
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consent_browser_denies_and_the_listener_ends_with_signin_denied() {
    let c = consent_through_the_sim("deny").await;
    let err = c.result.expect_err("denied");
    assert_eq!(err.problem().code, "signin.denied");
    assert_eq!(c.browser, Ok(()));
    assert!(
        c.visited
            .last()
            .is_some_and(|u| u.contains("error=access_denied")),
        "{:?}",
        c.visited
    );
}

/// A browser that reports when it is done, so the test reads its page only after that.
struct Watched {
    inner: CommandBrowser,
    done: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<Result<(), String>>>>,
}

impl connector::browser::Browser for Watched {
    fn open(&self, url: &str) -> Result<(), String> {
        let r = self.inner.open(url);
        if let Some(tx) = self.done.lock().expect("lock").take() {
            let _ = tx.send(r.clone());
        }
        r
    }
}

/// A whole sign-in against the sim with this client secret; returns the sign-in's result and
/// the page the browser's tab showed.
async fn sign_in_and_read_the_page(
    secret: Option<&str>,
) -> (Result<(), connector::Problem>, String) {
    let (sim, port) = common::sim_with(|_| {}).await;
    let page_file = tempfile::NamedTempFile::new().expect("temp file");
    let (tx, rx) = tokio::sync::oneshot::channel();
    let browser = Watched {
        inner: CommandBrowser::new(consent_browser()).env("WDC_CONSENT_PAGE", page_file.path()),
        done: std::sync::Mutex::new(Some(tx)),
    };
    let oauth = match secret {
        None => common::oauth_client(&sim),
        Some(s) => {
            let v = sim.values();
            let http = workday_client::http::http_client(&Default::default()).expect("http");
            workday_client::oauth::OAuthClient::new(
                http,
                v.token_endpoint.parse().expect("url"),
                v.client_id,
                secrecy::SecretString::from(s.to_string()),
                workday_client::oauth::ClientAuth::Basic,
            )
        }
    };
    let result = connector::signin::sign_in_on(
        port.listener(),
        &common::profile(&sim, "page", port.port()),
        &oauth,
        Arc::new(browser),
        connector::signin::SignInOptions::default(),
        |_| {},
    )
    .await;
    let result = match result {
        Ok(signed) => {
            signed.page.signed_in().await;
            Ok(())
        }
        Err(e) => Err(e.problem()),
    };
    let browsed = tokio::time::timeout(Duration::from_secs(30), rx)
        .await
        .expect("the browser finished")
        .expect("the browser reported");
    assert_eq!(browsed, Ok(()), "the browser got its page");
    let page = std::fs::read_to_string(page_file.path()).expect("the page was written");
    sim.shutdown().await;
    (result, page)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_whose_code_exchange_fails_never_shows_signed_in() {
    let (result, page) = sign_in_and_read_the_page(Some("not-the-secret")).await;
    let problem = result.expect_err("the exchange fails");
    assert_eq!(problem.code, "token.invalid_client", "{problem:?}");
    assert!(page.contains("data-result=\"failed\""), "{page}");
    assert!(!page.to_lowercase().contains("signed in"), "{page}");
    assert!(!page.contains("not-the-secret"), "no secret on the page");

    let (result, page) = sign_in_and_read_the_page(None).await;
    result.expect("signed in");
    assert!(page.contains("data-result=\"success\""), "{page}");
}
