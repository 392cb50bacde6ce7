//! The health monitor through the connector facade: scheduled checks publish status changes on
//! the one channel, and a connection that needs a new sign-in is left alone.

mod common;

use std::sync::Arc;
use std::time::Duration;

use connector::browser::CommandBrowser;
use connector::connections::Connector;
use connector::health::spawn_monitor;
use connector::paths::Home;
use connector::secrets::SecretStore;
use connector::signin::SignInOptions;
use connector::status::ConnectionState;
use connector::{SandboxOptions, Status};
use tokio_util::sync::CancellationToken;

/// Waits until the connection's published state satisfies `f`.
async fn until(
    connector: &Connector,
    name: &str,
    f: impl Fn(&ConnectionState) -> bool,
) -> ConnectionState {
    let mut rx = connector.hub().subscribe();
    let wait = async {
        loop {
            if let Some(s) = rx.borrow_and_update().get(name).filter(|s| f(s)) {
                return s.clone();
            }
            rx.changed().await.expect("the hub lives");
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .expect("the status arrives")
}

#[tokio::test(flavor = "multi_thread")]
async fn monitor_publishes_changes_and_stops_calling_when_sign_in_is_required() {
    let home = tempfile::tempdir().unwrap();
    let store = SecretStore::with_service(
        format!("workday-connector-test-health-{}", std::process::id()),
        Duration::from_secs(10),
    );
    let connector = Arc::new(Connector::with_secrets(Home::at(home.path()), store).unwrap());
    let port = common::HeldPort::new();
    let sandbox = connector
        .start_sandbox(SandboxOptions {
            redirect_port: port.port(),
            events: 2_000,
            ..Default::default()
        })
        .await
        .unwrap();
    // Short-lived access tokens, so the checks go through the token endpoint again and again.
    sandbox
        .sim()
        .update_switches(|s| s.access_token_lifetime_secs = 1);
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

    let cancel = CancellationToken::new();
    let monitor = spawn_monitor(
        connector.clone(),
        "sandbox".into(),
        Duration::from_millis(300),
        cancel.clone(),
    );

    let checked = until(&connector, "sandbox", |s| s.last_success.is_some()).await;
    assert_eq!(checked.status, Status::Connected);

    // The tenant loses the System scope: the next check says Degraded, naming the activity log.
    sandbox.sim().update_switches(|s| s.scope_system = false);
    let degraded = until(&connector, "sandbox", |s| {
        matches!(s.status, Status::Degraded(_))
    })
    .await;
    assert!(
        degraded.status.to_string().contains("Activity log"),
        "{}",
        degraded.status
    );
    assert_eq!(
        degraded.last_error.as_ref().unwrap().code,
        "activity.permission_denied"
    );

    // The refresh token is revoked: sign-in required, and the tenant is then left alone.
    sandbox.sim().update_switches(|s| s.scope_system = true);
    sandbox.sim().revoke_refresh_tokens();
    until(&connector, "sandbox", |s| {
        matches!(s.status, Status::SignInRequired(_))
    })
    .await;
    sandbox.sim().clear_request_log();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        sandbox.sim().request_log().is_empty(),
        "no call to a tenant that refused the sign-in"
    );

    cancel.cancel();
    monitor.await.unwrap();
    connector.remove("sandbox", true).await.unwrap();
    sandbox.shutdown().await;
}
