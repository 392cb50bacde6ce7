//! OAuth 2.0 with Workday: the authorization URL (state, PKCE), the state check, the token
//! requests (code exchange, refresh) and the classification of everything the token endpoint
//! can answer.
//!
//! The token requests are sent with reqwest directly rather than through the oauth2 crate's
//! client: Workday answers `expires_in: -1` (which oauth2's standard response refuses), and the
//! error classification needs the HTTP status and the raw RFC 6749 fields, which oauth2 folds
//! into its own error type. The form is four fields; owning it is simpler than adapting it.
//! oauth2 still provides the random state and the PKCE pair.

use std::fmt;
use std::time::Duration;

use oauth2::{CsrfToken, PkceCodeChallenge};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;
use url::Url;

use crate::errors::{self, ErrorReport, NetworkKind, one_line};

/// Access tokens without a usable `expires_in` live "several hours"; refresh after an hour.
pub const DEFAULT_EXPIRES_IN: Duration = Duration::from_secs(3600);
/// A token answer is a few hundred bytes; more is not Workday.
const MAX_TOKEN_BODY: usize = 64 * 1024;
/// Longest provider `error_description` kept in a message.
const MAX_DESCRIPTION: usize = 200;

/// How the client authenticates at the token endpoint. Basic works in production collectors;
/// the form body is kept as a setting for tenants that insist on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ClientAuth {
    /// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 2.3.1).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// One sign-in attempt: the URL to open, and what to keep for the callback and the exchange.
/// The state and verifier are fresh per call and single-use.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub url: Url,
    pub state: String,
    pub pkce_verifier: Option<SecretString>,
}

/// Builds the authorization URL: the pasted Authorization Endpoint verbatim, plus
/// `response_type=code`, `client_id`, `redirect_uri`, `state` (256 random bits), and
/// `code_challenge` + `code_challenge_method=S256` when `pkce`, and `redirect=n` when `sso`
/// (SAML SSO tenants). No `scope`: Workday takes scopes from the API client registration.
pub fn authorization_request(
    authorize: &Url,
    client_id: &str,
    redirect_uri: &str,
    pkce: bool,
    sso: bool,
) -> AuthorizationRequest {
    let state = CsrfToken::new_random_len(32).secret().clone();
    let mut url = authorize.clone();
    let mut verifier = None;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", &state);
        if pkce {
            // 32 random bytes: a 43-character verifier, the RFC 7636 minimum length.
            let (challenge, v) = PkceCodeChallenge::new_random_sha256();
            q.append_pair("code_challenge", challenge.as_str())
                .append_pair("code_challenge_method", "S256");
            verifier = Some(SecretString::from(v.secret().as_str()));
        }
        if sso {
            q.append_pair("redirect", "n");
        }
    }
    AuthorizationRequest {
        url,
        state,
        pkce_verifier: verifier,
    }
}

/// Compares the `state` that came back with the one sent, in constant time (a timing oracle
/// would let a page guess it byte by byte). An empty expected state never matches.
pub fn states_match(expected: &str, received: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

/// What a successful token request returned.
#[derive(Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    /// Present after a code exchange; after a refresh only when Workday rotates it (then it must
    /// be stored before the new access token is used).
    pub refresh_token: Option<SecretString>,
    /// Normalised: missing, zero or negative (Workday's `-1` when 60-minute expiry is off) is
    /// [`DEFAULT_EXPIRES_IN`].
    pub expires_in: Duration,
    /// `expires_in` as Workday sent it, for diagnostics.
    pub reported_expires_in: Option<i64>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_in", &self.expires_in)
            .field("reported_expires_in", &self.reported_expires_in)
            .finish()
    }
}

/// Everything a token request can come to, short of success. Never holds a token, code,
/// verifier, secret or the raw body: descriptions are one line, HTML-free, truncated, and
/// scrubbed of every secret value that was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum OAuthError {
    /// 400 invalid_grant: refresh token revoked or replaced, code used or expired, or the
    /// consenting account locked or disabled. Terminal.
    InvalidGrant {
        description: Option<String>,
    },
    /// invalid_client (401): wrong id or secret, regenerated secret, or OAuth 2.0 clients disabled.
    InvalidClient {
        status: u16,
        description: Option<String>,
    },
    /// 400 invalid_request, e.g. a wrong tenant in the token URL.
    InvalidRequest {
        description: Option<String>,
    },
    UnsupportedGrantType {
        description: Option<String>,
    },
    UnauthorizedClient {
        description: Option<String>,
    },
    /// temporarily_unavailable: transient.
    TemporarilyUnavailable {
        status: u16,
        description: Option<String>,
    },
    /// Another RFC 6749 error (`invalid_scope`, `server_error`...).
    Provider {
        status: u16,
        error: String,
        description: Option<String>,
    },
    /// 404: wrong path in the Token Endpoint.
    EndpointNotFound,
    /// 503: Workday's answer for a wrong data-centre host or tenant (or maintenance).
    TenantUnavailable,
    /// 429.
    Throttled {
        retry_after: Option<Duration>,
    },
    /// Another 5xx.
    ServerError {
        status: u16,
    },
    /// No answer: timeout, refused, dropped.
    Network {
        kind: NetworkKind,
        detail: String,
    },
    /// The TLS handshake failed (e.g. "unknown issuer" behind TLS inspection).
    Tls {
        detail: String,
    },
    /// A 3xx, deliberately not followed.
    Redirected {
        status: u16,
        location_host: Option<String>,
    },
    /// Anything else: not JSON, no access token, an unexpected status.
    UnexpectedResponse {
        status: u16,
        reason: String,
    },
}

fn with_description(base: String, d: &Option<String>) -> String {
    match d {
        Some(d) if !d.is_empty() => format!("{base} Workday said: \"{d}\"."),
        _ => base,
    }
}

const SIGN_IN_AGAIN: &str = "Sign in again (Connect in the app, or wdconnect connect NAME)";

impl OAuthError {
    /// Stable and dotted: fronts and tests match on it.
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::InvalidGrant { .. } => "token.invalid_grant",
            OAuthError::InvalidClient { .. } => "token.invalid_client",
            OAuthError::InvalidRequest { .. } => "token.invalid_request",
            OAuthError::UnsupportedGrantType { .. } => "token.unsupported_grant_type",
            OAuthError::UnauthorizedClient { .. } => "token.unauthorized_client",
            OAuthError::TemporarilyUnavailable { .. } => "token.temporarily_unavailable",
            OAuthError::Provider { .. } => "token.oauth_error",
            OAuthError::EndpointNotFound => "token.endpoint_not_found",
            OAuthError::TenantUnavailable => "token.tenant_unavailable",
            OAuthError::Throttled { .. } => "token.throttled",
            OAuthError::ServerError { .. } => "token.server_error",
            OAuthError::Network { .. } => "token.network",
            OAuthError::Tls { .. } => "token.tls",
            OAuthError::Redirected { .. } => "token.redirected",
            OAuthError::UnexpectedResponse { .. } => "token.unexpected_response",
        }
    }

    /// One line saying what happened.
    pub fn message(&self) -> String {
        match self {
            OAuthError::InvalidGrant { description } => with_description(
                "Workday refused the grant (invalid_grant): the refresh token was revoked or \
                 replaced, the authorization code was used or expired, or the consenting account \
                 is locked or disabled."
                    .into(),
                description,
            ),
            OAuthError::InvalidClient {
                status,
                description,
            } => with_description(
                format!(
                    "Workday did not accept the API client's credentials (HTTP {status} \
                     invalid_client)."
                ),
                description,
            ),
            OAuthError::InvalidRequest { description } => with_description(
                "Workday refused the token request as malformed (invalid_request); a wrong \
                 tenant in the Token Endpoint causes this."
                    .into(),
                description,
            ),
            OAuthError::UnsupportedGrantType { description } => with_description(
                "Workday does not allow this grant type for the API client \
                 (unsupported_grant_type)."
                    .into(),
                description,
            ),
            OAuthError::UnauthorizedClient { description } => with_description(
                "The API client is not allowed this grant type (unauthorized_client).".into(),
                description,
            ),
            OAuthError::TemporarilyUnavailable { description, .. } => with_description(
                "Workday's token service is temporarily unavailable.".into(),
                description,
            ),
            OAuthError::Provider {
                status,
                error,
                description,
            } => with_description(
                format!("The token endpoint answered HTTP {status} with the OAuth error {error}."),
                description,
            ),
            OAuthError::EndpointNotFound => {
                "The Token Endpoint answered 404 Not Found: its path is wrong.".into()
            }
            OAuthError::TenantUnavailable => {
                "The Token Endpoint answered 503 Service Unavailable, which is Workday's answer \
                 for a wrong data-centre host or tenant (or maintenance)."
                    .into()
            }
            OAuthError::Throttled { retry_after } => match retry_after {
                Some(d) => format!(
                    "Workday is throttling requests (429 Too Many Requests, retry after {} s).",
                    d.as_secs()
                ),
                None => "Workday is throttling requests (429 Too Many Requests).".into(),
            },
            OAuthError::ServerError { status } => {
                format!("The Token Endpoint answered HTTP {status}, a Workday server error.")
            }
            OAuthError::Network { kind, detail } => format!(
                "The Token Endpoint could not be reached: {} ({detail}).",
                kind.describe()
            ),
            OAuthError::Tls { detail } => {
                format!("The secure connection to the Token Endpoint failed ({detail}).")
            }
            OAuthError::Redirected {
                status,
                location_host,
            } => match location_host {
                Some(h) => format!(
                    "The Token Endpoint answered a redirect (HTTP {status}) to {h}; it is not \
                     followed, so nothing was sent there."
                ),
                None => format!(
                    "The Token Endpoint answered a redirect (HTTP {status}); it is not followed."
                ),
            },
            OAuthError::UnexpectedResponse { status, reason } => {
                format!("The Token Endpoint gave an unexpected answer (HTTP {status}): {reason}.")
            }
        }
    }

    /// What to change where.
    pub fn fix(&self) -> String {
        match self {
            OAuthError::InvalidGrant { .. } => format!(
                "{SIGN_IN_AGAIN}. If that fails too, in Workday check that the consenting account \
                 is active and not locked, and that it may sign in to the UI (an Integration \
                 System User with \"Do Not Allow UI Sessions\" cannot consent)."
            ),
            OAuthError::InvalidClient { .. } => "In Workday, View API Clients: check the Client \
                 ID; if the Client Secret was regenerated, paste the new one (wdconnect edit NAME \
                 / Edit in the app); and check Edit Tenant Setup - Security > OAuth 2.0 Clients \
                 Enabled."
                .into(),
            OAuthError::InvalidRequest { .. } => "Compare the tenant in the Token Endpoint with \
                 View API Clients (https://{services-host}/ccx/oauth2/{tenant}/token) and correct \
                 it (wdconnect edit NAME / Edit in the app)."
                .into(),
            OAuthError::UnsupportedGrantType { .. } | OAuthError::UnauthorizedClient { .. } => {
                "In Workday, Edit API Client: set Client Grant Type to Authorization Code Grant \
                 and Non-Expiring Refresh Tokens to Yes, then sign in again."
                    .into()
            }
            OAuthError::TemporarilyUnavailable { .. }
            | OAuthError::ServerError { .. }
            | OAuthError::Provider { .. } => "Try again later; the app retries with backoff. If \
                 it persists, check Workday's maintenance schedule."
                .into(),
            OAuthError::EndpointNotFound => "Copy the Token Endpoint again from View API Clients; \
                 it looks like https://{services-host}/ccx/oauth2/{tenant}/token (oauth2, not \
                 oauth)."
                .into(),
            OAuthError::TenantUnavailable => "Compare the host and tenant of the Token Endpoint \
                 with View API Clients and correct them (wdconnect edit NAME / Edit in the app); \
                 if they match, Workday may be in maintenance: try again later."
                .into(),
            OAuthError::Throttled { .. } => "Wait a moment; the app backs off automatically. If \
                 it repeats, lengthen the poll interval of this connection."
                .into(),
            OAuthError::Network { .. } => "Check the network connection and proxy (HTTPS_PROXY \
                 or the system proxy), and that the Token Endpoint host matches View API Clients."
                .into(),
            OAuthError::Tls { .. } => "If your organisation inspects TLS traffic, install its \
                 root certificate in the operating system's certificate store (the app trusts \
                 it); otherwise check the Token Endpoint host against View API Clients."
                .into(),
            OAuthError::Redirected { .. } => "Copy the Token Endpoint again from View API \
                 Clients exactly (https and the services host); a redirect often means http \
                 instead of https, or a proxy or captive portal asking to sign in."
                .into(),
            OAuthError::UnexpectedResponse { .. } => "Check that the Token Endpoint is the one \
                 shown in View API Clients; a proxy or captive portal may be answering instead."
                .into(),
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self {
            OAuthError::InvalidGrant { .. }
            | OAuthError::InvalidRequest { .. }
            | OAuthError::UnsupportedGrantType { .. }
            | OAuthError::UnauthorizedClient { .. } => Some(400),
            OAuthError::InvalidClient { status, .. }
            | OAuthError::TemporarilyUnavailable { status, .. }
            | OAuthError::Provider { status, .. }
            | OAuthError::ServerError { status }
            | OAuthError::Redirected { status, .. }
            | OAuthError::UnexpectedResponse { status, .. } => Some(*status),
            OAuthError::EndpointNotFound => Some(404),
            OAuthError::TenantUnavailable => Some(503),
            OAuthError::Throttled { .. } => Some(429),
            OAuthError::Network { .. } | OAuthError::Tls { .. } => None,
        }
    }

    /// Never retry: the refresh token is dead; the user must sign in again.
    pub fn is_terminal(&self) -> bool {
        matches!(self, OAuthError::InvalidGrant { .. })
    }

    /// Retry later with backoff, keeping the refresh token.
    pub fn is_transient(&self) -> bool {
        match self {
            OAuthError::Network { kind, .. } => kind.is_transient(),
            OAuthError::TemporarilyUnavailable { .. }
            | OAuthError::TenantUnavailable
            | OAuthError::Throttled { .. }
            | OAuthError::ServerError { .. } => true,
            OAuthError::Provider { error, status, .. } => error == "server_error" || *status >= 500,
            _ => false,
        }
    }

    /// What the server asked to wait (429 only).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            OAuthError::Throttled { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// code, message, fix and status together, as the fronts show and serialise them.
    pub fn report(&self) -> ErrorReport {
        ErrorReport {
            code: self.code(),
            message: self.message(),
            fix: self.fix(),
            http_status: self.http_status(),
        }
    }
}

/// Talks to one tenant's token endpoint. Debug never prints the secret.
#[derive(Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    token_url: Url,
    client_id: String,
    client_secret: SecretString,
    auth: ClientAuth,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("auth", &self.auth)
            .finish()
    }
}

impl OAuthClient {
    /// `http` should come from [`crate::http::http_client`] (no redirects followed).
    pub fn new(
        http: reqwest::Client,
        token_url: Url,
        client_id: impl Into<String>,
        client_secret: SecretString,
        auth: ClientAuth,
    ) -> Self {
        OAuthClient {
            http,
            token_url,
            client_id: client_id.into(),
            client_secret,
            auth,
        }
    }

    /// Exchanges an authorization code (and the PKCE verifier, when one was sent) for tokens.
    /// Not retried here: a code is single-use, so a retry after a lost answer would fail anyway.
    pub async fn exchange_code(
        &self,
        code: &SecretString,
        redirect_uri: &str,
        pkce_verifier: Option<&SecretString>,
    ) -> Result<TokenSet, OAuthError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.expose_secret()),
            ("redirect_uri", redirect_uri),
        ];
        let mut sent = vec![code.expose_secret()];
        if let Some(v) = pkce_verifier {
            form.push(("code_verifier", v.expose_secret()));
            sent.push(v.expose_secret());
        }
        self.request("authorization_code", form, &sent).await
    }

    /// Gets a new access token. Not retried here: with rotation a lost answer has already spent
    /// the old refresh token; the caller decides (see [`OAuthError::is_transient`]).
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, OAuthError> {
        let form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        self.request("refresh_token", form, &[refresh_token.expose_secret()])
            .await
    }

    async fn request(
        &self,
        grant: &'static str,
        mut form: Vec<(&str, &str)>,
        sent: &[&str],
    ) -> Result<TokenSet, OAuthError> {
        let secret = self.client_secret.expose_secret();
        let mut scrub: Vec<&str> = sent.to_vec();
        scrub.push(secret);
        let mut rb = self
            .http
            .post(self.token_url.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        match self.auth {
            ClientAuth::Basic => {
                // RFC 6749 2.3.1: each part form-urlencoded before base64. reqwest marks the
                // header sensitive.
                let enc = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                rb = rb.basic_auth(enc(&self.client_id), Some(enc(secret)));
            }
            ClientAuth::Body => {
                form.push(("client_id", &self.client_id));
                form.push(("client_secret", secret));
            }
        }
        tracing::debug!(grant, auth = ?self.auth, "token request");
        let resp = match rb.form(&form).send().await {
            Ok(r) => r,
            Err(e) => {
                let f = errors::classify_network(&e);
                let detail = one_line(&f.detail, &scrub, 160);
                let err = match f.kind {
                    NetworkKind::Tls => OAuthError::Tls { detail },
                    kind => OAuthError::Network { kind, detail },
                };
                tracing::warn!(grant, code = err.code(), "token request failed");
                return Err(err);
            }
        };
        let result = classify_response(resp, &scrub).await;
        match &result {
            Ok(t) => tracing::debug!(
                grant,
                expires_in = t.expires_in.as_secs(),
                rotated = t.refresh_token.is_some(),
                "token request succeeded"
            ),
            Err(e) => {
                tracing::warn!(grant, code = e.code(), status = ?e.http_status(), "token request failed")
            }
        }
        result
    }
}

async fn classify_response(
    resp: reqwest::Response,
    scrub: &[&str],
) -> Result<TokenSet, OAuthError> {
    let status = resp.status();
    let code = status.as_u16();
    if status.is_redirection() {
        let location_host = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| resp.url().join(l).ok())
            .and_then(|u| u.host_str().map(str::to_owned));
        return Err(OAuthError::Redirected {
            status: code,
            location_host,
        });
    }
    let retry_after = errors::retry_after(resp.headers());
    let body = match errors::read_capped(resp, MAX_TOKEN_BODY).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Err(OAuthError::UnexpectedResponse {
                status: code,
                reason: "the answer is too large to be a token response".into(),
            });
        }
        Err(e) => {
            let f = errors::classify_network(&e);
            return Err(OAuthError::Network {
                kind: f.kind,
                detail: one_line(&f.detail, scrub, 160),
            });
        }
    };
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    if status.is_success() {
        return match json {
            Some(j) => parse_token_set(&j),
            None => Err(OAuthError::UnexpectedResponse {
                status: code,
                reason: "the answer is not JSON".into(),
            }),
        };
    }
    // Status first where Workday's meaning is fixed by it; then the RFC 6749 body.
    match status {
        StatusCode::NOT_FOUND => return Err(OAuthError::EndpointNotFound),
        StatusCode::TOO_MANY_REQUESTS => return Err(OAuthError::Throttled { retry_after }),
        _ => {}
    }
    let rfc = json.as_ref().and_then(|j| {
        let error = j.get("error")?.as_str()?;
        // RFC 6749 error codes are short lowercase words; Workday's REST bodies are prose.
        let is_code = !error.is_empty()
            && error.len() <= 64
            && error
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        is_code.then(|| {
            let description = j
                .get("error_description")
                .and_then(Value::as_str)
                .map(|d| one_line(d, scrub, MAX_DESCRIPTION))
                .filter(|d| !d.is_empty());
            (error.to_string(), description)
        })
    });
    if let Some((error, description)) = rfc {
        return Err(match error.as_str() {
            "invalid_grant" => OAuthError::InvalidGrant { description },
            "invalid_client" => OAuthError::InvalidClient {
                status: code,
                description,
            },
            "invalid_request" => OAuthError::InvalidRequest { description },
            "unsupported_grant_type" => OAuthError::UnsupportedGrantType { description },
            "unauthorized_client" => OAuthError::UnauthorizedClient { description },
            "temporarily_unavailable" => OAuthError::TemporarilyUnavailable {
                status: code,
                description,
            },
            _ => OAuthError::Provider {
                status: code,
                error,
                description,
            },
        });
    }
    Err(match code {
        503 => OAuthError::TenantUnavailable,
        500..=599 => OAuthError::ServerError { status: code },
        401 => OAuthError::InvalidClient {
            status: code,
            description: None,
        },
        _ => OAuthError::UnexpectedResponse {
            status: code,
            reason: "no OAuth error in the answer".into(),
        },
    })
}

fn parse_token_set(j: &Value) -> Result<TokenSet, OAuthError> {
    let unexpected = |reason: &str| OAuthError::UnexpectedResponse {
        status: 200,
        reason: reason.into(),
    };
    let nonempty = |name: &str| {
        j.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(SecretString::from)
    };
    let access_token = nonempty("access_token").ok_or_else(|| unexpected("no access_token"))?;
    if let Some(tt) = j.get("token_type").and_then(Value::as_str)
        && !tt.eq_ignore_ascii_case("bearer")
    {
        return Err(unexpected("the token_type is not Bearer"));
    }
    let reported_expires_in = match j.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    let expires_in = match reported_expires_in {
        Some(secs) if secs > 0 => Duration::from_secs(secs as u64),
        _ => DEFAULT_EXPIRES_IN,
    };
    Ok(TokenSet {
        access_token,
        refresh_token: nonempty("refresh_token"),
        expires_in,
        reported_expires_in,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const AUTH: &str = "https://impl.workday.com/acme_preview/authorize";

    fn pairs(u: &Url) -> Vec<(String, String)> {
        u.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn authorization_url_has_exactly_the_parameters() {
        let a = authorization_request(
            &Url::parse(AUTH).unwrap(),
            "ZmM1",
            "http://127.0.0.1:8413/callback",
            true,
            false,
        );
        assert_eq!(a.url.path(), "/acme_preview/authorize");
        assert_eq!(a.url.host_str(), Some("impl.workday.com"));
        let p = pairs(&a.url);
        let names: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "response_type",
                "client_id",
                "redirect_uri",
                "state",
                "code_challenge",
                "code_challenge_method"
            ]
        );
        assert_eq!(p[0].1, "code");
        assert_eq!(p[2].1, "http://127.0.0.1:8413/callback");
        assert_eq!(p[3].1, a.state);
        assert_eq!(p[5].1, "S256");
        // 32 random bytes in base64url: 43 characters, 256 bits.
        assert_eq!(a.state.len(), 43);
        let v = a.pkce_verifier.as_ref().unwrap().expose_secret();
        assert!((43..=128).contains(&v.len()));
        // The challenge is S256 of the verifier.
        let expected = PkceCodeChallenge::from_code_verifier_sha256(
            &oauth2::PkceCodeVerifier::new(v.to_string()),
        );
        assert_eq!(p[4].1, expected.as_str());
        assert!(
            !a.url.as_str().contains(v),
            "the verifier never goes in the URL"
        );
        assert!(!format!("{a:?}").contains(v));
    }

    #[test]
    fn fresh_per_call_and_switches() {
        let u = Url::parse(AUTH).unwrap();
        let a = authorization_request(&u, "id", "http://127.0.0.1:1/cb", true, true);
        let b = authorization_request(&u, "id", "http://127.0.0.1:1/cb", true, true);
        assert_ne!(a.state, b.state);
        assert_ne!(
            a.pkce_verifier.unwrap().expose_secret(),
            b.pkce_verifier.unwrap().expose_secret()
        );
        assert!(pairs(&a.url).contains(&("redirect".into(), "n".into())));
        let c = authorization_request(&u, "id", "http://127.0.0.1:1/cb", false, false);
        assert!(c.pkce_verifier.is_none());
        let names: Vec<String> = pairs(&c.url).into_iter().map(|(k, _)| k).collect();
        assert!(
            !names
                .iter()
                .any(|n| n.starts_with("code_") || n == "redirect" || n == "scope")
        );
    }

    #[test]
    fn states_compare() {
        assert!(states_match("abc", "abc"));
        assert!(!states_match("abc", "abd"));
        assert!(!states_match("abc", "ab"));
        assert!(!states_match("", ""));
    }

    #[test]
    fn expires_in_normalised() {
        for (v, want, reported) in [
            (json!(1800), 1800, Some(1800)),
            (json!(-1), 3600, Some(-1)),
            (json!(0), 3600, Some(0)),
            (json!("900"), 900, Some(900)),
            (Value::Null, 3600, None),
        ] {
            let mut j = json!({"access_token": "a", "token_type": "Bearer"});
            if !v.is_null() {
                j["expires_in"] = v;
            }
            let t = parse_token_set(&j).unwrap();
            assert_eq!(t.expires_in, Duration::from_secs(want));
            assert_eq!(t.reported_expires_in, reported);
        }
        let t = parse_token_set(&json!({"access_token": "tok-xyz", "refresh_token": "rt-xyz"}))
            .unwrap();
        let d = format!("{t:?}");
        assert!(!d.contains("tok-xyz") && !d.contains("rt-xyz"), "{d}");
        assert_eq!(
            parse_token_set(&json!({"token_type": "Bearer"}))
                .unwrap_err()
                .code(),
            "token.unexpected_response"
        );
        assert_eq!(
            parse_token_set(&json!({"access_token": "a", "token_type": "mac"}))
                .unwrap_err()
                .code(),
            "token.unexpected_response"
        );
    }

    #[test]
    fn client_auth_serde() {
        assert_eq!(ClientAuth::default(), ClientAuth::Basic);
        assert_eq!(
            serde_json::to_string(&ClientAuth::Body).unwrap(),
            "\"body\""
        );
        let a: ClientAuth = serde_json::from_str("\"basic\"").unwrap();
        assert_eq!(a, ClientAuth::Basic);
    }
}
