//! Code exchange and refresh against the tenant, and how each token-endpoint outcome is classified.

use std::time::Duration;

use secrecy::ExposeSecret;
use workday_client::errors::NetworkKind;
use workday_client::oauth::{ClientAuth, OAuthError};
use workday_sim::{ClientAuthKind, ClientAuthMode, FaultScope, Faults, Storm, TokenExpiry};

use crate::common::*;

async fn exchange_with(
    env: &Env,
    auth: ClientAuth,
) -> Result<workday_client::oauth::TokenSet, OAuthError> {
    let (code, req) = env.authorize().await;
    env.oauth(auth)
        .exchange_code(&code, &env.v.redirect_uri, req.pkce_verifier.as_ref())
        .await
}

fn last_token_auth(env: &Env) -> Option<ClientAuthKind> {
    env.sim
        .request_log()
        .iter()
        .rev()
        .find(|r| r.path.ends_with("/token"))
        .and_then(|r| r.client_auth)
}

#[tokio::test]
async fn code_exchange_with_pkce_under_basic_and_body() {
    for (mode, ours, kind, other) in [
        (
            ClientAuthMode::Basic,
            ClientAuth::Basic,
            ClientAuthKind::Basic,
            ClientAuth::Body,
        ),
        (
            ClientAuthMode::Body,
            ClientAuth::Body,
            ClientAuthKind::Body,
            ClientAuth::Basic,
        ),
    ] {
        let env = start(|c| c.switches.client_auth = mode).await;
        let t = exchange_with(&env, ours).await.expect("exchange");
        assert!(!t.access_token.expose_secret().is_empty());
        assert!(
            t.refresh_token.is_some(),
            "a code exchange returns a refresh token"
        );
        assert_eq!(t.expires_in, Duration::from_secs(3600));
        assert_eq!(last_token_auth(&env), Some(kind));
        // The tenant refuses the other method.
        let e = exchange_with(&env, other).await.unwrap_err();
        assert_eq!(e.code(), "token.invalid_client", "{mode:?}: {e}");
        assert_eq!(e.http_status(), Some(401));
    }
}

#[tokio::test]
async fn a_code_is_single_use_and_needs_its_verifier() {
    let env = start(|_| {}).await;
    let (code, req) = env.authorize().await;
    let c = env.oauth(ClientAuth::Basic);
    // Wrong verifier: another attempt's.
    let (_, other) = env.authorize().await;
    let e = c
        .exchange_code(&code, &env.v.redirect_uri, other.pkce_verifier.as_ref())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "token.invalid_grant");
    // The sim spent the code on that failed try; a fresh one works once only.
    let (code, req2) = env.authorize().await;
    c.exchange_code(&code, &env.v.redirect_uri, req2.pkce_verifier.as_ref())
        .await
        .expect("first use");
    let e = c
        .exchange_code(&code, &env.v.redirect_uri, req2.pkce_verifier.as_ref())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "token.invalid_grant");
    assert!(e.is_terminal() && !e.is_transient());
    drop(req);
}

#[tokio::test]
async fn refresh_normalises_expiry() {
    let env = start(|c| c.switches.access_token_lifetime_secs = 1800).await;
    let rt = env.sign_in().await.refresh_token.expect("rt");
    let c = env.oauth(ClientAuth::Basic);
    for (expiry, want, reported) in [
        (TokenExpiry::Enforced, 1800, Some(1800)),
        (TokenExpiry::MinusOne, 3600, Some(-1)),
        (TokenExpiry::Missing, 3600, None),
    ] {
        env.sim.update_switches(|s| s.token_expiry = expiry);
        let t = c.refresh(&rt).await.expect("refresh");
        assert_eq!(t.expires_in, Duration::from_secs(want), "{expiry:?}");
        assert_eq!(t.reported_expires_in, reported, "{expiry:?}");
        assert!(t.refresh_token.is_none(), "no rotation by default");
    }
}

#[tokio::test]
async fn rotation_returns_a_new_refresh_token_and_kills_the_old() {
    let env = start(|c| c.switches.rotate_refresh_tokens = true).await;
    let old = env.sign_in().await.refresh_token.expect("rt");
    let c = env.oauth(ClientAuth::Basic);
    let t = c.refresh(&old).await.expect("refresh");
    let new = t.refresh_token.expect("rotated");
    assert_ne!(new.expose_secret(), old.expose_secret());
    let e = c.refresh(&old).await.unwrap_err();
    assert_eq!(e.code(), "token.invalid_grant");
    assert!(e.is_terminal());
    c.refresh(&new).await.expect("the new one works");
}

#[tokio::test]
async fn invalid_grant_for_revoked_tokens_and_locked_accounts() {
    let env = start(|_| {}).await;
    let rt = env.sign_in().await.refresh_token.expect("rt");
    let c = env.oauth(ClientAuth::Basic);
    c.refresh(&rt).await.expect("works before");

    env.sim.update_switches(|s| s.account_locked = true);
    let e = c.refresh(&rt).await.unwrap_err();
    assert_eq!(e.code(), "token.invalid_grant");
    assert!(e.message().contains("locked"), "{}", e.message());
    assert!(e.fix().contains("Sign in again"));
    env.sim.update_switches(|s| s.account_locked = false);

    env.sim.revoke_refresh_tokens();
    let e = c.refresh(&rt).await.unwrap_err();
    assert_eq!(e.code(), "token.invalid_grant");
    assert_eq!(e.http_status(), Some(400));
    assert!(e.is_terminal() && !e.is_transient());

    // A code obtained before the account was locked.
    let (code, req) = env.authorize().await;
    env.sim.update_switches(|s| s.account_locked = true);
    let e = c
        .exchange_code(&code, &env.v.redirect_uri, req.pkce_verifier.as_ref())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "token.invalid_grant");
}

#[tokio::test]
async fn invalid_client_for_wrong_regenerated_or_disabled_credentials() {
    let env = start(|_| {}).await;
    let rt = env.sign_in().await.refresh_token.expect("rt");
    let check = |e: OAuthError| {
        assert_eq!(e.code(), "token.invalid_client", "{e}");
        assert_eq!(e.http_status(), Some(401));
        assert!(!e.is_terminal() && !e.is_transient());
        let fix = e.fix();
        for needed in [
            "View API Clients",
            "Client Secret",
            "OAuth 2.0 Clients Enabled",
        ] {
            assert!(fix.contains(needed), "{needed}: {fix}");
        }
    };
    for auth in [ClientAuth::Basic, ClientAuth::Body] {
        let wrong = env.oauth_with(&env.v.token_endpoint, "not-the-secret", auth);
        check(wrong.refresh(&rt).await.unwrap_err());
    }

    let old = env.oauth(ClientAuth::Basic);
    let new_secret = env.sim.regenerate_secret();
    check(old.refresh(&rt).await.unwrap_err());
    let new = env.oauth_with(&env.v.token_endpoint, &new_secret, ClientAuth::Basic);
    new.refresh(&rt).await.expect("the new secret works");

    env.sim.update_switches(|s| s.oauth_clients_enabled = false);
    check(new.refresh(&rt).await.unwrap_err());
}

#[tokio::test]
async fn wrong_tenant_and_wrong_path() {
    let env = start(|_| {}).await;
    let rt = env.sign_in().await.refresh_token.expect("rt");
    let wrong_tenant = env
        .v
        .token_endpoint
        .replace("/acme_sandbox/", "/acme_other/");
    let c = env.oauth_with(&wrong_tenant, &env.v.client_secret, ClientAuth::Basic);
    let e = c.refresh(&rt).await.unwrap_err();
    assert_eq!(e.code(), "token.tenant_unavailable");
    assert_eq!(e.http_status(), Some(503));
    assert!(e.fix().contains("tenant"));

    env.sim
        .update_switches(|s| s.wrong_tenant_token_invalid_request = true);
    let e = c.refresh(&rt).await.unwrap_err();
    assert_eq!(e.code(), "token.invalid_request");
    assert!(e.fix().contains("Token Endpoint"));

    let typo = env.v.token_endpoint.replace("/oauth2/", "/oauth/");
    let c = env.oauth_with(&typo, &env.v.client_secret, ClientAuth::Basic);
    let e = c.refresh(&rt).await.unwrap_err();
    assert_eq!(e.code(), "token.endpoint_not_found");
    assert_eq!(e.http_status(), Some(404));
    assert!(e.fix().contains("oauth2"));
}

#[tokio::test]
async fn throttling_server_errors_and_network_failures_are_transient() {
    let env = start(|_| {}).await;
    let rt = env.sign_in().await.refresh_token.expect("rt");
    let c = env.oauth(ClientAuth::Basic);
    let storm = |status, retry_after_secs| Faults {
        storm: Some(Storm {
            status,
            remaining: 1,
            retry_after_secs,
            scope: FaultScope::Token,
        }),
        ..Default::default()
    };

    env.sim.set_faults(storm(429, 7));
    let e = c.refresh(&rt).await.unwrap_err();
    assert_eq!(e.code(), "token.throttled");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert!(e.is_transient() && !e.is_terminal());

    env.sim.set_faults(storm(502, 0));
    let e = c.refresh(&rt).await.unwrap_err();
    assert_eq!(e.code(), "token.server_error");
    assert_eq!(e.http_status(), Some(502));
    assert!(e.is_transient());

    env.sim.set_faults(Faults {
        drop_next: 1,
        drop_scope: FaultScope::Token,
        ..Default::default()
    });
    let e = c.refresh(&rt).await.unwrap_err();
    assert_eq!(e.code(), "token.network", "{e}");
    assert!(e.is_transient());
    assert_eq!(e.http_status(), None);

    // Nothing listens: connection refused. The port stays bound (without listening) for the
    // whole check, so no other program can start listening on it meanwhile.
    let closed = tokio::net::TcpSocket::new_v4().unwrap();
    closed.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = closed.local_addr().unwrap().port();
    let gone = env.oauth_with(
        &format!("http://127.0.0.1:{port}/ccx/oauth2/acme_sandbox/token"),
        &env.v.client_secret,
        ClientAuth::Basic,
    );
    match gone.refresh(&rt).await.unwrap_err() {
        OAuthError::Network { kind, .. } => assert_eq!(kind, NetworkKind::Connect),
        e => panic!("{e:?}"),
    }
    // The tenant still works afterwards.
    c.refresh(&rt).await.expect("refresh");
}
