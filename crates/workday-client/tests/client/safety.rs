//! Things that must never happen: following a redirect, a secret in an error, a TLS failure
//! taken for something else.

use std::sync::atomic::Ordering;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;
use workday_client::oauth::{ClientAuth, OAuthClient};
use workday_client::ratelimit::RateLimiter;
use workday_client::rest::RestClient;
use workday_client::retry::RetryPolicy;

use crate::common::*;

const CLIENT_SECRET: &str = "cs-9f8e7d6c5b4a39281706";
const CODE: &str = "code-5a4b3c2d1e0f9a8b";
const VERIFIER: &str = "verifier-0123456789abcdefghijklmnopqrstuvwxyzABCD";
const REFRESH: &str = "rt-77aa66bb55cc44dd33ee";
const ACCESS: &str = "at-1122334455667788";

fn oauth_client(url: &str, auth: ClientAuth) -> OAuthClient {
    OAuthClient::new(
        client(),
        Url::parse(url).unwrap(),
        "client-id-1",
        SecretString::from(CLIENT_SECRET),
        auth,
    )
}

#[tokio::test]
async fn a_redirect_from_the_token_endpoint_is_not_followed() {
    let (thief, thief_hits) = fake_server(|_| http_response("200 OK", &[], "{}")).await;
    let location = format!("http://{thief}/steal");
    let (redirector, hits) =
        fake_server(move |_| http_response("302 Found", &[("Location", &location)], "")).await;
    let c = oauth_client(
        &format!("http://{redirector}/ccx/oauth2/acme/token"),
        ClientAuth::Body,
    );
    let e = c
        .exchange_code(
            &SecretString::from(CODE),
            REDIRECT_URI,
            Some(&SecretString::from(VERIFIER)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "token.redirected");
    assert_eq!(e.http_status(), Some(302));
    assert!(!e.is_terminal());
    // The REST client does not follow either.
    let rest = RestClient::new(
        client(),
        endpoints_at(&format!("http://{redirector}")),
        std::sync::Arc::new(RateLimiter::new(1000.0)),
        RetryPolicy::fast(3),
    );
    let e = rest
        .workers(&SecretString::from(ACCESS), 1, 0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "api.redirected");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!(
        thief_hits.load(Ordering::SeqCst),
        0,
        "the redirect target received nothing"
    );
}

/// A token endpoint that echoes everything it received (secrets included) into its error
/// descriptions, as HTML: none of it may come out of an error.
#[tokio::test]
async fn no_secret_reaches_an_error() {
    let echo = |status: &'static str, error: &'static str| {
        move |req: &str| {
            let body = serde_json::json!({
                "error": error,
                "error_description": format!("<p>you sent {req}</p>"),
                "errors": [{"error": format!("you sent {req}")}],
            })
            .to_string();
            http_response(status, &[("Content-Type", "application/json")], &body)
        }
    };
    let secrets = [CLIENT_SECRET, CODE, VERIFIER, REFRESH, ACCESS];
    let mut texts = Vec::new();
    for (status, error) in [
        ("400 Bad Request", "invalid_grant"),
        ("401 Unauthorized", "invalid_client"),
        ("400 Bad Request", "invalid_request"),
        ("400 Bad Request", "invalid_scope"),
        ("503 Service Unavailable", "temporarily_unavailable"),
        ("500 Internal Server Error", "not an oauth code"),
        ("200 OK", "no token here"),
    ] {
        let (addr, _) = fake_server(echo(status, error)).await;
        let url = format!("http://{addr}/ccx/oauth2/acme/token");
        for auth in [ClientAuth::Basic, ClientAuth::Body] {
            let c = oauth_client(&url, auth);
            let e = c
                .exchange_code(
                    &SecretString::from(CODE),
                    REDIRECT_URI,
                    Some(&SecretString::from(VERIFIER)),
                )
                .await
                .unwrap_err();
            texts.push(all_texts(&e, e.message(), e.fix()));
            let e = c.refresh(&SecretString::from(REFRESH)).await.unwrap_err();
            texts.push(all_texts(&e, e.message(), e.fix()));
            texts.push(format!("{c:?}"));
        }
        let rest = RestClient::new(
            client(),
            endpoints_at(&format!("http://{addr}")),
            std::sync::Arc::new(RateLimiter::new(1000.0)),
            RetryPolicy::fast(2),
        );
        let e = rest
            .workers(&SecretString::from(ACCESS), 1, 0)
            .await
            .unwrap_err();
        texts.push(all_texts(&e, e.message(), e.fix()));
        texts.push(format!("{rest:?}"));
    }
    // The scrub had something to do: descriptions did reach the messages.
    assert!(texts.iter().any(|t| t.contains("[redacted]")), "{texts:#?}");
    assert!(texts.iter().all(|t| !t.contains("<p>")), "HTML stripped");
    for t in &texts {
        for s in secrets {
            assert!(!t.contains(s), "{s} leaked in: {t}");
        }
    }
}

/// And against the tenant, whose errors echo nothing: the usual failures carry no secret either.
#[tokio::test]
async fn tenant_errors_carry_no_secret() {
    let env = start(|_| {}).await;
    let tokens = env.sign_in().await;
    let rt = tokens.refresh_token.clone().expect("rt");
    use secrecy::ExposeSecret;
    let secrets = [
        env.v.client_secret.clone(),
        rt.expose_secret().to_string(),
        tokens.access_token.expose_secret().to_string(),
    ];
    let mut texts = vec![format!("{tokens:?}")];
    let wrong = env.oauth_with(
        &env.v.token_endpoint,
        "wrong-secret-value",
        ClientAuth::Basic,
    );
    let e = wrong.refresh(&rt).await.unwrap_err();
    texts.push(all_texts(&e, e.message(), e.fix()));
    env.sim.update_switches(|s| s.account_locked = true);
    let e = env.oauth(ClientAuth::Body).refresh(&rt).await.unwrap_err();
    texts.push(all_texts(&e, e.message(), e.fix()));
    let e = env
        .rest(RetryPolicy::fast(2))
        .workers(&tokens.access_token, 1, 0)
        .await
        .unwrap_err();
    texts.push(all_texts(&e, e.message(), e.fix()));
    for t in &texts {
        for s in &secrets {
            assert!(!t.contains(s.as_str()), "leaked in: {t}");
        }
        assert!(!t.contains("wrong-secret-value"));
    }
}

/// Plain HTTP where TLS is expected: classified as a TLS failure, with the TLS fix, not retried.
#[tokio::test]
async fn a_tls_failure_is_named() {
    let (addr, hits) = fake_server(|_| http_response("200 OK", &[], "{}")).await;
    let c = oauth_client(
        &format!("https://{addr}/ccx/oauth2/acme/token"),
        ClientAuth::Basic,
    );
    let e = c.refresh(&SecretString::from(REFRESH)).await.unwrap_err();
    assert_eq!(e.code(), "token.tls", "{e:?}");
    assert!(e.fix().contains("certificate store"));
    assert!(!e.is_transient());
    let rest = RestClient::new(
        client(),
        endpoints_at(&format!("https://{addr}")),
        std::sync::Arc::new(RateLimiter::new(1000.0)),
        RetryPolicy::fast(3),
    );
    let before = hits.load(Ordering::SeqCst);
    let e = rest
        .workers(&SecretString::from(ACCESS), 1, 0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "api.tls", "{e:?}");
    assert_eq!(hits.load(Ordering::SeqCst) - before, 1, "not retried");
}
