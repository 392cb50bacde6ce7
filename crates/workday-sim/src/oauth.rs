//! OAuth 2.0 as the tenant speaks it: the authorize/consent flow on the website host and the
//! token endpoint on the services host, plus bearer-token checks for REST calls.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

use crate::log::ClientAuthKind;
use crate::pages;
use crate::params::Params;
use crate::people::CONSENT_ACCOUNT;
use crate::rng::{hash_str, secret, session_id};
use crate::state::{Access, Code, Pending, Tenant};
use crate::switches::{ClientAuthMode, Switches, TokenExpiry};

/// Lifetime of tokens when 60-minute expiry is not enforced ("several hours"; unverified).
const LONG_TOKEN_SECS: u64 = 4 * 3600;

/// Attached to token responses so the request log can say how the client authenticated.
#[derive(Debug, Clone)]
pub struct TokenAudit {
    pub client_auth: ClientAuthKind,
    pub client_id: Option<String>,
}

type Shared = State<Arc<Tenant>>;

/// Does `given` match the registered redirect URI under the current switches?
fn redirect_matches(registered: &str, given: &str, sw: &Switches) -> bool {
    if registered == given {
        return true;
    }
    if !sw.ignore_redirect_port {
        return false;
    }
    let (Ok(a), Ok(b)) = (Url::parse(registered), Url::parse(given)) else {
        return false;
    };
    let loopback = |u: &Url| matches!(u.host_str(), Some("127.0.0.1") | Some("[::1]"));
    loopback(&a)
        && loopback(&b)
        && a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.path() == b.path()
        && a.query() == b.query()
}

/// RFC 7636 code_challenge / code_verifier syntax: 43-128 unreserved characters.
fn pkce_syntax_ok(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// A 302 to the client's redirect URI with `pairs` appended to its query.
fn redirect_to(uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let Ok(mut u) = Url::parse(uri) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        if let Some(s) = state {
            q.append_pair("state", s);
        }
    }
    found(u.as_str())
}

/// A 302 Found, what Workday (and browsers' expectations of OAuth) use for these hops.
fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `GET /{tenant}/authorize`.
pub async fn authorize(State(t): Shared, RawQuery(raw): RawQuery) -> Response {
    let sw = t.switches();
    let p = Params::from_query(raw.as_deref());
    let page_err = |msg: &str| pages::error(StatusCode::BAD_REQUEST, &t.name, msg);
    // Client and redirect URI first: until both check out, nothing may redirect anywhere.
    let (client_id, redirect_uri) = match (p.get("client_id"), p.get("redirect_uri")) {
        (Err(e), _) | (_, Err(e)) => return page_err(&e),
        (Ok(c), Ok(r)) => (c, r),
    };
    match client_id {
        None | Some("") => return page_err("The request has no client_id."),
        Some(c) if c != t.client_id => {
            return page_err("The client_id is not registered in this tenant (invalid client).");
        }
        _ => {}
    }
    let redirect_uri = match redirect_uri {
        None | Some("") => return page_err("The request has no redirect_uri."),
        Some(r) if !redirect_matches(&t.redirect_uri, r, &sw) => {
            return page_err(
                "The redirect_uri does not match the Redirection URI registered for this API client.",
            );
        }
        Some(r) => r.to_string(),
    };
    let state = match p.get("state") {
        Ok(s) => s.map(str::to_string),
        Err(e) => return page_err(&e),
    };
    let fail = |error: &str, desc: &str| {
        redirect_to(
            &redirect_uri,
            &[("error", error), ("error_description", desc)],
            state.as_deref(),
        )
    };
    match p.get("response_type") {
        Ok(Some("code")) => {}
        Ok(None) => return fail("invalid_request", "response_type is required"),
        Ok(Some(_)) => {
            return fail(
                "unsupported_response_type",
                "only response_type=code is supported",
            );
        }
        Err(e) => return fail("invalid_request", &e),
    }
    // Required when the client has PKCE ticked; otherwise optional, and checked when sent.
    let (Ok(c), Ok(m)) = (p.get("code_challenge"), p.get("code_challenge_method")) else {
        return fail("invalid_request", "PKCE parameters repeated");
    };
    let challenge = match (c, m) {
        (None, _) if sw.pkce => return fail("invalid_request", "code_challenge is required"),
        (None, _) => None,
        (Some(_), m) if m != Some("S256") => {
            return fail("invalid_request", "code_challenge_method must be S256");
        }
        (Some(c), _) if !pkce_syntax_ok(c) => {
            return fail("invalid_request", "code_challenge is malformed");
        }
        (Some(c), _) => Some(c.to_string()),
    };
    if sw.sso && p.get("redirect").ok().flatten() != Some("n") {
        return found(&format!("/{}/sso", t.name));
    }
    if sw.account_locked {
        return pages::error(
            StatusCode::FORBIDDEN,
            &t.name,
            "Your account is locked or disabled. Contact your security administrator.",
        );
    }
    let id = secret(32);
    {
        let mut g = t.grants();
        g.prune(Instant::now());
        g.pending.insert(
            id.clone(),
            Pending {
                redirect_uri,
                state,
                challenge,
                created: Instant::now(),
            },
        );
    }
    let mut areas = Vec::new();
    if sw.scope_staffing {
        areas.push("Staffing");
    }
    if sw.scope_system {
        areas.push("System");
    }
    pages::consent(&t.name, CONSENT_ACCOUNT, &t.dir.people[0].name, &areas, &id)
}

/// `GET /{tenant}/sso`: where an SSO tenant sends the browser; it never comes back.
pub async fn sso(State(t): Shared) -> Response {
    pages::sso(&t.name)
}

/// `POST /{tenant}/authorize/decision`: the consent form's target.
pub async fn decision(State(t): Shared, body: Bytes) -> Response {
    let p = Params::parse(&body);
    let (Ok(Some(id)), Ok(Some(decision))) = (p.get("request"), p.get("decision")) else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            &t.name,
            "The consent form was incomplete.",
        );
    };
    // Single use: a second submission of the same page finds nothing.
    let pending = t.grants().pending.remove(id);
    let Some(pending) = pending.filter(|p| p.is_live(Instant::now())) else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            &t.name,
            "This authorization request has expired or was already answered.",
        );
    };
    match decision {
        "allow" => {}
        "deny" => {
            return redirect_to(
                &pending.redirect_uri,
                &[
                    ("error", "access_denied"),
                    (
                        "error_description",
                        "The user denied access to the API client.",
                    ),
                ],
                pending.state.as_deref(),
            );
        }
        _ => return pages::error(StatusCode::BAD_REQUEST, &t.name, "Unknown decision."),
    }
    if t.switches().account_locked {
        return pages::error(
            StatusCode::FORBIDDEN,
            &t.name,
            "Your account is locked or disabled.",
        );
    }
    let code = secret(40);
    let lifetime = Duration::from_secs(t.switches().code_lifetime_secs);
    t.grants().codes.insert(
        code.clone(),
        Code {
            redirect_uri: pending.redirect_uri.clone(),
            challenge: pending.challenge,
            expires: Instant::now() + lifetime,
            account: CONSENT_ACCOUNT.to_string(),
        },
    );
    redirect_to(
        &pending.redirect_uri,
        &[("code", &code)],
        pending.state.as_deref(),
    )
}

/// An RFC 6749 error answer.
fn oauth_error(status: StatusCode, error: &str, description: &str, basic: bool) -> Response {
    let mut r = (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED && basic {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"workday\""),
        );
    }
    no_store(r)
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

/// Decodes `Authorization: Basic` into (id, secret), form-decoding each (RFC 6749 2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<Option<(String, String)>> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD
        .decode(rest.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    Some(decoded.and_then(|s| {
        let (id, pw) = s.split_once(':')?;
        let dec = |x: &str| {
            url::form_urlencoded::parse(format!("v={x}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        Some((dec(id)?, dec(pw)?))
    }))
}

/// `POST /ccx/oauth2/{tenant}/token`.
pub async fn token(State(t): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let mut audit = TokenAudit {
        client_auth: ClientAuthKind::None,
        client_id: None,
    };
    let r = token_inner(&t, &headers, &body, &mut audit);
    let mut r = r.unwrap_or_else(|e| e);
    r.extensions_mut().insert(audit);
    r
}

fn token_inner(
    t: &Tenant,
    headers: &HeaderMap,
    body: &[u8],
    audit: &mut TokenAudit,
) -> Result<Response, Response> {
    let sw = t.switches();
    let form_ok = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    let p = if form_ok {
        Params::parse(body)
    } else {
        Params::default()
    };
    let basic = basic_credentials(headers);
    let body_id = p.get("client_id").ok().flatten();
    let body_secret = p.get("client_secret").ok().flatten();
    let used_basic = basic.is_some();
    if let Some(b) = &basic {
        audit.client_auth = ClientAuthKind::Basic;
        audit.client_id = b.as_ref().map(|(id, _)| id.clone());
    } else if body_id.is_some() || body_secret.is_some() {
        audit.client_auth = ClientAuthKind::Body;
        audit.client_id = body_id.map(str::to_string);
    }
    let invalid_client =
        |d: &str| oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", d, used_basic);
    let bad_request = |e: &str, d: &str| oauth_error(StatusCode::BAD_REQUEST, e, d, used_basic);
    if !sw.oauth_clients_enabled {
        return Err(invalid_client(
            "OAuth 2.0 clients are disabled in this tenant",
        ));
    }
    if !form_ok {
        return Err(bad_request(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    // Client authentication.
    let (id, pw) = match (basic, body_secret) {
        (Some(_), Some(_)) => {
            return Err(bad_request(
                "invalid_request",
                "more than one client authentication method",
            ));
        }
        (Some(None), _) => return Err(invalid_client("malformed Basic credentials")),
        (Some(Some(c)), None) => {
            if sw.client_auth == ClientAuthMode::Body {
                return Err(invalid_client(
                    "client authentication by HTTP Basic is not allowed",
                ));
            }
            c
        }
        (None, Some(pw)) => {
            if sw.client_auth == ClientAuthMode::Basic {
                return Err(invalid_client(
                    "client authentication in the request body is not allowed",
                ));
            }
            let Some(id) = body_id else {
                return Err(invalid_client("client_id is missing"));
            };
            (id.to_string(), pw.to_string())
        }
        (None, None) => return Err(invalid_client("client authentication is required")),
    };
    if id != t.client_id || pw != t.secret() {
        return Err(invalid_client("invalid client credentials"));
    }
    let get = |n: &str| p.get(n).map_err(|e| bad_request("invalid_request", &e));
    let account = match get("grant_type")? {
        None => return Err(bad_request("invalid_request", "grant_type is required")),
        Some("authorization_code") => {
            let Some(code) = get("code")? else {
                return Err(bad_request("invalid_request", "code is required"));
            };
            let Some(redirect_uri) = get("redirect_uri")? else {
                return Err(bad_request("invalid_request", "redirect_uri is required"));
            };
            let verifier = get("code_verifier")?;
            let grant = t.grants().codes.remove(code);
            let Some(grant) = grant.filter(|c| c.expires > Instant::now()) else {
                return Err(bad_request(
                    "invalid_grant",
                    "the authorization code is invalid, expired or already used",
                ));
            };
            if grant.redirect_uri != redirect_uri {
                return Err(bad_request(
                    "invalid_grant",
                    "redirect_uri does not match the authorization request",
                ));
            }
            if let Some(challenge) = &grant.challenge {
                let Some(v) = verifier else {
                    return Err(bad_request("invalid_request", "code_verifier is required"));
                };
                let hashed = URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()));
                if !pkce_syntax_ok(v) || &hashed != challenge {
                    return Err(bad_request(
                        "invalid_grant",
                        "code_verifier does not match the code_challenge",
                    ));
                }
            }
            grant.account
        }
        Some("refresh_token") => {
            let Some(rt) = get("refresh_token")? else {
                return Err(bad_request("invalid_request", "refresh_token is required"));
            };
            let account = t.grants().refresh.get(rt).cloned();
            let Some(account) = account else {
                return Err(bad_request(
                    "invalid_grant",
                    "the refresh token is invalid or has been revoked",
                ));
            };
            if sw.account_locked {
                return Err(bad_request(
                    "invalid_grant",
                    "the account is locked or disabled",
                ));
            }
            let (access, expires_in) = issue_access(t, &sw, &account);
            let mut answer = json!({ "access_token": access, "token_type": "Bearer" });
            if let Some(e) = expires_in {
                answer["expires_in"] = json!(e);
            }
            if sw.rotate_refresh_tokens {
                let new_rt = secret(96);
                let mut g = t.grants();
                g.refresh.remove(rt);
                g.refresh.insert(new_rt.clone(), account);
                answer["refresh_token"] = Value::String(new_rt);
            }
            return Ok(no_store(axum::Json(answer).into_response()));
        }
        Some(_) => {
            return Err(bad_request(
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            ));
        }
    };
    if sw.account_locked {
        return Err(bad_request(
            "invalid_grant",
            "the account is locked or disabled",
        ));
    }
    let (access, expires_in) = issue_access(t, &sw, &account);
    let rt = secret(96);
    t.grants().refresh.insert(rt.clone(), account);
    let mut answer = json!({ "access_token": access, "token_type": "Bearer", "refresh_token": rt });
    if let Some(e) = expires_in {
        answer["expires_in"] = json!(e);
    }
    Ok(no_store(axum::Json(answer).into_response()))
}

/// Issues an access token; returns it with the `expires_in` to report (None: omit the field).
fn issue_access(t: &Tenant, sw: &Switches, account: &str) -> (String, Option<i64>) {
    let (lifetime, reported) = match sw.token_expiry {
        TokenExpiry::Enforced => (
            sw.access_token_lifetime_secs,
            Some(sw.access_token_lifetime_secs as i64),
        ),
        TokenExpiry::MinusOne => (LONG_TOKEN_SECS, Some(-1)),
        TokenExpiry::Missing => (LONG_TOKEN_SECS, None),
    };
    let token = secret(64);
    let mut g = t.grants();
    g.prune(Instant::now());
    g.access.insert(
        token.clone(),
        Access {
            expires: Instant::now() + Duration::from_secs(lifetime),
            account: account.to_string(),
            session: session_id(hash_str(0x5e55, &token)),
        },
    );
    (token, reported)
}
