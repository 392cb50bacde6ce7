//! The token manager against a simulated tenant and the real OS keyring: single-flight refresh,
//! early refresh, rotated refresh tokens stored first, `invalid_grant` final, transient failures
//! retried with the refresh token kept.

mod common;

use std::sync::Arc;

use connector::Diagnose;
use connector::secrets::SecretKind;
use connector::tokens::TokenManager;
use secrecy::ExposeSecret;
use workday_sim::{FaultScope, Faults, RequestRecord, Storm, TokenExpiry};

fn token_calls(log: &[RequestRecord]) -> usize {
    log.iter().filter(|r| r.path.ends_with("/token")).count()
}

async fn manager(
    sim: &workday_sim::SimHandle,
    test: &str,
) -> (Arc<TokenManager>, Arc<connector::secrets::SecretStore>) {
    let store = common::secret_store(test);
    (
        Arc::new(TokenManager::new(
            "acme",
            common::oauth_client(sim),
            store.clone(),
        )),
        store,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_callers_share_one_refresh() {
    let (sim, port) = common::sim_with(|_| {}).await;
    let tokens = common::sign_in(&sim, &port).await;
    let (mgr, store) = manager(&sim, "single-flight").await;
    store
        .set(
            "acme",
            SecretKind::RefreshToken,
            tokens.refresh_token.as_ref().unwrap(),
        )
        .await
        .unwrap();
    sim.clear_request_log();

    let calls: Vec<_> = (0..20)
        .map(|_| {
            let mgr = mgr.clone();
            tokio::spawn(async move {
                mgr.access_token()
                    .await
                    .map(|t| t.expose_secret().to_string())
            })
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for c in calls {
        seen.insert(c.await.unwrap().expect("a token"));
    }
    assert_eq!(seen.len(), 1, "every caller got the one refreshed token");
    assert_eq!(
        token_calls(&sim.request_log()),
        1,
        "one refresh for twenty callers"
    );
    store.delete_all("acme").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn refreshes_early_and_treats_minus_one_as_an_hour() {
    let (sim, port) = common::sim_with(|s| s.access_token_lifetime_secs = 2).await;
    let tokens = common::sign_in(&sim, &port).await;
    assert_eq!(tokens.expires_in.as_secs(), 2);
    let (mgr, store) = manager(&sim, "early").await;
    mgr.accept(tokens).await.unwrap();
    sim.clear_request_log();

    let first = mgr.access_token().await.unwrap();
    assert_eq!(
        token_calls(&sim.request_log()),
        0,
        "a fresh token is used as it is"
    );
    // 80% of a 2 s life has passed: the manager refreshes before the tenant would refuse it.
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    let second = mgr.access_token().await.unwrap();
    assert_eq!(token_calls(&sim.request_log()), 1);
    assert_ne!(first.expose_secret(), second.expose_secret());

    // With 60-minute expiry off, Workday answers expires_in -1: that means an hour, not "expired".
    sim.update_switches(|s| s.token_expiry = TokenExpiry::MinusOne);
    mgr.invalidate().await;
    mgr.access_token().await.unwrap();
    let calls = token_calls(&sim.request_log());
    mgr.access_token().await.unwrap();
    mgr.access_token().await.unwrap();
    assert_eq!(
        token_calls(&sim.request_log()),
        calls,
        "a -1 token is not refreshed on every call"
    );
    store.delete_all("acme").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_refresh_token_is_stored_before_use() {
    let (sim, port) = common::sim_with(|s| s.rotate_refresh_tokens = true).await;
    let tokens = common::sign_in(&sim, &port).await;
    let original = tokens
        .refresh_token
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_string();
    let (mgr, store) = manager(&sim, "rotation").await;
    mgr.accept(tokens).await.unwrap();
    mgr.invalidate().await;
    mgr.access_token().await.unwrap();

    let stored = store
        .get("acme", SecretKind::RefreshToken)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        stored.expose_secret(),
        original,
        "the rotated token replaced the old one"
    );
    // The retired token no longer works, the stored one does: a new process can go on.
    let (fresh, _) = manager(&sim, "rotation").await;
    fresh
        .access_token()
        .await
        .expect("the stored, rotated refresh token works");
    store.delete_all("acme").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_grant_is_final_and_not_retried() {
    let (sim, port) = common::sim_with(|_| {}).await;
    let tokens = common::sign_in(&sim, &port).await;
    let (mgr, store) = manager(&sim, "invalid-grant").await;
    mgr.accept(tokens).await.unwrap();
    mgr.invalidate().await;
    sim.revoke_refresh_tokens();
    sim.clear_request_log();

    let err = mgr
        .access_token()
        .await
        .expect_err("a revoked refresh token fails");
    assert!(err.needs_sign_in());
    assert_eq!(err.problem().code, "token.invalid_grant");
    assert_eq!(
        token_calls(&sim.request_log()),
        1,
        "invalid_grant is never retried"
    );
    // The refresh token is kept: the user sees the state, and a new sign-in replaces it.
    assert!(
        store
            .get("acme", SecretKind::RefreshToken)
            .await
            .unwrap()
            .is_some()
    );
    store.delete_all("acme").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_failures_are_retried_and_keep_the_refresh_token() {
    let (sim, port) = common::sim_with(|_| {}).await;
    let tokens = common::sign_in(&sim, &port).await;
    let (mgr, store) = manager(&sim, "transient").await;
    mgr.accept(tokens).await.unwrap();
    mgr.invalidate().await;
    sim.set_faults(Faults {
        storm: Some(Storm {
            status: 503,
            remaining: 2,
            retry_after_secs: 0,
            scope: FaultScope::Token,
        }),
        ..Default::default()
    });
    sim.clear_request_log();
    mgr.access_token()
        .await
        .expect("the third attempt succeeds");
    assert_eq!(token_calls(&sim.request_log()), 3);
    assert!(
        store
            .get("acme", SecretKind::RefreshToken)
            .await
            .unwrap()
            .is_some()
    );
    store.delete_all("acme").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn no_refresh_token_means_not_signed_in() {
    let (sim, _) = common::sim_with(|_| {}).await;
    let (mgr, _) = manager(&sim, "none").await;
    let err = mgr.access_token().await.expect_err("nothing stored");
    assert_eq!(err.problem().code, "token.not_signed_in");
    assert!(err.needs_sign_in());
}

/// A connection signed in through the sandbox in `home`, and the sandbox (rotating refresh
/// tokens when `rotate`).
async fn signed_in_sandbox(
    home: &std::path::Path,
    service: &str,
    rotate: bool,
) -> (connector::connections::Connector, connector::Sandbox) {
    use connector::browser::CommandBrowser;
    use connector::connections::Connector;
    use connector::paths::Home;
    use connector::signin::SignInOptions;
    let store =
        connector::secrets::SecretStore::with_service(service, std::time::Duration::from_secs(10));
    let connector = Connector::with_secrets(Home::at(home), store).unwrap();
    // Held for the sign-in: never released between registering the port and listening on it.
    let port = common::HeldPort::new();
    let sandbox = connector
        .start_sandbox(connector::SandboxOptions {
            redirect_port: port.port(),
            events: 1_000,
            ..Default::default()
        })
        .await
        .unwrap();
    sandbox
        .sim()
        .update_switches(|s| s.rotate_refresh_tokens = rotate);
    let browser = Arc::new(CommandBrowser::new(common::consent_browser()));
    connector
        .connect_on(
            "sandbox",
            Some(port.listener()),
            browser,
            SignInOptions::default(),
            |_| {},
        )
        .await
        .unwrap();
    (connector, sandbox)
}

fn connector_at(home: &std::path::Path, service: &str) -> connector::connections::Connector {
    connector::connections::Connector::with_secrets(
        connector::paths::Home::at(home),
        connector::secrets::SecretStore::with_service(service, std::time::Duration::from_secs(10)),
    )
    .unwrap()
}

/// Two callers of one connector at once (the monitor and a Test): one session, one refresh.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_first_calls_of_a_connector_share_one_session_and_one_refresh() {
    let home = tempfile::tempdir().unwrap();
    let service = format!("workday-connector-test-sessions-{}", std::process::id());
    let (_signed_in, sandbox) = signed_in_sandbox(home.path(), &service, true).await;
    // A fresh connector, as after a restart: no session, no access token in memory.
    let connector = connector_at(home.path(), &service);
    sandbox.sim().clear_request_log();
    let (a, b) = tokio::join!(connector.test("sandbox"), connector.test("SANDBOX"));
    for report in [a.unwrap(), b.unwrap()] {
        assert!(report.passed, "{report:?}");
    }
    assert_eq!(token_calls(&sandbox.sim().request_log()), 1, "one refresh");
    connector.remove("sandbox", true).await.unwrap();
    sandbox.shutdown().await;
}

/// Two processes of one home (two connectors here, each with its own sessions) refreshing at
/// once against a tenant that retires a refresh token on use: the refresh lock and the re-read
/// under it make the second use the first one's rotated token, so neither is refused.
#[tokio::test(flavor = "multi_thread")]
async fn two_processes_refreshing_at_once_both_keep_a_valid_token() {
    let home = tempfile::tempdir().unwrap();
    let service = format!("workday-connector-test-processes-{}", std::process::id());
    let (_signed_in, sandbox) = signed_in_sandbox(home.path(), &service, true).await;
    for _ in 0..3 {
        let (one, two) = (
            connector_at(home.path(), &service),
            connector_at(home.path(), &service),
        );
        let (a, b) = tokio::join!(one.test("sandbox"), two.test("sandbox"));
        for report in [a.unwrap(), b.unwrap()] {
            assert!(report.passed, "{report:?}");
        }
    }
    let refused: Vec<_> = sandbox
        .sim()
        .request_log()
        .into_iter()
        .filter(|r| r.path.ends_with("/token") && r.status != 200)
        .collect();
    assert!(refused.is_empty(), "no refresh was refused: {refused:?}");
    connector_at(home.path(), &service)
        .remove("sandbox", true)
        .await
        .unwrap();
    sandbox.shutdown().await;
}

/// A client without rotation (Workday's default here): the refresh answer has no
/// `refresh_token` at all, and the one stored at sign-in stays and keeps working.
#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_answer_without_a_refresh_token_keeps_the_old_one() {
    let (sim, port) = common::sim_with(|s| s.rotate_refresh_tokens = false).await;
    let tokens = common::sign_in(&sim, &port).await;
    let original = tokens
        .refresh_token
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_string();
    let (mgr, store) = manager(&sim, "no-rotation").await;
    mgr.accept(tokens).await.unwrap();
    sim.clear_request_log();
    mgr.invalidate().await;
    mgr.access_token().await.expect("refreshed");
    assert_eq!(token_calls(&sim.request_log()), 1, "one refresh happened");
    let stored = store
        .get("acme", SecretKind::RefreshToken)
        .await
        .unwrap()
        .expect("a refresh token is still stored");
    assert_eq!(stored.expose_secret(), original, "the old one is kept");
    let (fresh, _) = manager(&sim, "no-rotation").await;
    fresh
        .access_token()
        .await
        .expect("the kept refresh token works in a new process");
    store.delete_all("acme").await.unwrap();
}
