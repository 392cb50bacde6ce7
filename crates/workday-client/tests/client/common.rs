//! Shared by the tests: a tenant, the browser side of consent, clients wired to the tenant, and
//! a raw fake server for answers the tenant never gives.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;
use workday_client::endpoints::{Endpoints, check_all};
use workday_client::http::{HttpOptions, http_client};
use workday_client::oauth::{
    AuthorizationRequest, ClientAuth, OAuthClient, TokenSet, authorization_request, states_match,
};
use workday_client::ratelimit::RateLimiter;
use workday_client::rest::RestClient;
use workday_client::retry::RetryPolicy;
use workday_sim::{ClientValues, SimConfig, SimHandle};

pub const REDIRECT_URI: &str = "http://127.0.0.1:8413/callback";

#[derive(Debug)]
pub struct Env {
    pub sim: SimHandle,
    pub v: ClientValues,
    pub http: reqwest::Client,
}

pub async fn start(f: impl FnOnce(&mut SimConfig)) -> Env {
    let mut c = SimConfig {
        redirect_uri: REDIRECT_URI.into(),
        ..Default::default()
    };
    f(&mut c);
    let sim = workday_sim::start(c).await.expect("sim starts");
    let v = sim.values();
    Env {
        sim,
        v,
        http: client(),
    }
}

/// The client under test, with short timeouts so a hang fails fast.
pub fn client() -> reqwest::Client {
    http_client(&HttpOptions {
        connect_timeout: Duration::from_secs(3),
        request_timeout: Duration::from_secs(10),
        ..HttpOptions::default()
    })
    .expect("client")
}

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s)
}

impl Env {
    pub fn endpoints(&self) -> Endpoints {
        check_all(
            &self.v.rest_api_endpoint,
            &self.v.token_endpoint,
            &self.v.authorization_endpoint,
        )
        .expect("sim values pass the checks")
        .value
    }

    pub fn oauth(&self, auth: ClientAuth) -> OAuthClient {
        self.oauth_with(&self.v.token_endpoint, &self.v.client_secret, auth)
    }

    pub fn oauth_with(
        &self,
        token_url: &str,
        client_secret: &str,
        auth: ClientAuth,
    ) -> OAuthClient {
        OAuthClient::new(
            self.http.clone(),
            Url::parse(token_url).expect("token url"),
            self.v.client_id.clone(),
            secret(client_secret),
            auth,
        )
    }

    pub fn rest(&self, retry: RetryPolicy) -> RestClient {
        self.rest_with(self.endpoints(), retry, Arc::new(RateLimiter::new(1000.0)))
    }

    pub fn rest_with(
        &self,
        endpoints: Endpoints,
        retry: RetryPolicy,
        limiter: Arc<RateLimiter>,
    ) -> RestClient {
        RestClient::new(self.http.clone(), endpoints, limiter, retry)
    }

    /// The browser: our authorization URL, the consent page, Allow; the code and its request.
    pub async fn authorize(&self) -> (SecretString, AuthorizationRequest) {
        let sw = self.sim.switches();
        let req = authorization_request(
            &Url::parse(&self.v.authorization_endpoint).expect("url"),
            &self.v.client_id,
            &self.v.redirect_uri,
            true,
            sw.sso,
        );
        let page = self
            .http
            .get(req.url.clone())
            .send()
            .await
            .expect("authorize");
        assert_eq!(
            page.status(),
            StatusCode::OK,
            "the sim accepts our authorization URL"
        );
        let html = page.text().await.expect("html");
        let (action, request) = parse_consent_form(&html);
        let target = req.url.join(&action).expect("action");
        let r = self
            .http
            .post(target)
            .form(&[("request", request.as_str()), ("decision", "allow")])
            .send()
            .await
            .expect("decision");
        assert_eq!(r.status(), StatusCode::FOUND);
        let loc = Url::parse(
            r.headers()[reqwest::header::LOCATION]
                .to_str()
                .expect("location"),
        )
        .expect("location url");
        let q = |n: &str| {
            loc.query_pairs()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.into_owned())
        };
        let state = q("state").expect("state comes back");
        assert!(states_match(&req.state, &state));
        (secret(&q("code").expect("code")), req)
    }

    /// Consent and code exchange (PKCE, Basic): the token set.
    pub async fn sign_in(&self) -> TokenSet {
        let (code, req) = self.authorize().await;
        self.oauth(ClientAuth::Basic)
            .exchange_code(&code, &self.v.redirect_uri, req.pkce_verifier.as_ref())
            .await
            .expect("code exchange")
    }
}

/// Finds the consent form: (action, pending request id).
pub fn parse_consent_form(html: &str) -> (String, String) {
    let form_at = html.find("<form id=\"consent\"").expect("consent form");
    let form = &html[form_at..];
    let attr = |s: &str, name: &str| -> String {
        let key = format!("{name}=\"");
        let at = s.find(&key).expect(name) + key.len();
        s[at..at + s[at..].find('"').expect("quote")].to_string()
    };
    let action = attr(form, "action");
    let hidden_at = form.find("name=\"request\"").expect("hidden request id");
    (action, attr(&form[hidden_at..], "value"))
}

/// A raw HTTP/1.1 server: `answer` gets the whole request (head and body) and returns the
/// whole response. Counts connections.
pub async fn fake_server(
    answer: impl Fn(&str) -> String + Send + Sync + 'static,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hits = Arc::new(AtomicUsize::new(0));
    let (answer, count) = (Arc::new(answer), hits.clone());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            tokio::spawn(async move {
                let request = read_request(&mut stream).await;
                let _ = stream.write_all(answer(&request).as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (addr, hits)
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> String {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // Not HTTP (a TLS ClientHello): answer at once, as a plain server would.
        if buf.first().is_some_and(|b| !b.is_ascii_alphabetic()) {
            return String::new();
        }
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return text;
            }
        }
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return String::from_utf8_lossy(&buf).to_string(),
        }
    }
}

/// The endpoints of tenant `acme` at `origin` (a fake server's).
pub fn endpoints_at(origin: &str) -> Endpoints {
    let rest = format!("{origin}/ccx/api/v1/acme");
    Endpoints {
        rest_api: Url::parse(&rest).unwrap(),
        token: Url::parse(&format!("{origin}/ccx/oauth2/acme/token")).unwrap(),
        authorization: Url::parse(&format!("{origin}/acme/authorize")).unwrap(),
        tenant: "acme".into(),
        services_origin: origin.into(),
    }
}

pub fn http_response(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut r = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str("\r\n");
    r.push_str(body);
    r
}

/// Every text an error shows a person or a log.
pub fn all_texts<E: std::fmt::Display + std::fmt::Debug>(
    e: &E,
    message: String,
    fix: String,
) -> String {
    format!("{e}\n{e:?}\n{message}\n{fix}")
}
