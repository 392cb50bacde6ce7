//! Helpers shared by the connector's integration tests: the test browser and a signed-in
//! connection against a simulated tenant.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use connector::browser::CommandBrowser;
use connector::loopback::{CallbackListener, RedirectHost};
use connector::profile::Profile;
use connector::secrets::SecretStore;
use connector::signin::{self, SignInOptions};
use secrecy::SecretString;
use workday_client::oauth::{ClientAuth, OAuthClient, TokenSet};

/// `wdc-consent-browser`, built by `cargo build -p e2e --bins`, next to this test's target dir.
pub fn consent_browser() -> PathBuf {
    const NAME: &str = "wdc-consent-browser";
    let exe = format!("{NAME}{}", std::env::consts::EXE_SUFFIX);
    let mut candidates = Vec::new();
    // This test runs from <target>/debug/deps/.
    if let Ok(me) = std::env::current_exe()
        && let Some(debug) = me.parent().and_then(|d| d.parent())
    {
        candidates.push(debug.join(&exe));
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(dir).join("debug").join(&exe));
    }
    candidates.push(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/debug")
            .join(&exe),
    );
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!("{NAME} is missing (looked in {candidates:?}): build it first with `cargo build -p e2e --bins`")
        })
}

/// A keyring service of the test's own, so tests never touch a user's entries or each other's.
pub fn secret_store(test: &str) -> Arc<SecretStore> {
    Arc::new(SecretStore::with_service(
        format!("workday-connector-test-{test}-{}", std::process::id()),
        Duration::from_secs(10),
    ))
}

/// A profile pointing at `sim`, whose registered redirect URI must use `port`.
pub fn profile(sim: &workday_sim::SimHandle, name: &str, port: u16) -> Profile {
    let v = sim.values();
    let mut p = Profile::new(name);
    p.client_id = v.client_id;
    p.rest_api_endpoint = v.rest_api_endpoint;
    p.token_endpoint = v.token_endpoint;
    p.authorization_endpoint = v.authorization_endpoint;
    p.redirect_port = port;
    p.redirect_host = RedirectHost::Ipv4Literal;
    p
}

pub fn oauth_client(sim: &workday_sim::SimHandle) -> OAuthClient {
    let v = sim.values();
    let http = workday_client::http::http_client(&Default::default()).expect("http client");
    OAuthClient::new(
        http,
        v.token_endpoint.parse().expect("token url"),
        v.client_id,
        SecretString::from(v.client_secret),
        ClientAuth::Basic,
    )
}

/// A loopback port the test holds for its whole life, for a redirect URI. Each sign-in takes a
/// duplicate of the listening socket, so the port is never released between being registered
/// and being listened on (a port picked, released and bound later can be taken in between).
pub struct HeldPort(std::net::TcpListener);

impl HeldPort {
    pub fn new() -> HeldPort {
        HeldPort(std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port"))
    }

    pub fn port(&self) -> u16 {
        self.0.local_addr().expect("bound").port()
    }

    /// The sign-in listener on this port.
    pub fn listener(&self) -> CallbackListener {
        let dup = self.0.try_clone().expect("the socket can be shared");
        CallbackListener::from_std(dup).expect("the held socket listens")
    }
}

/// Starts a simulated tenant registered with a redirect URI on a held port; returns both.
pub async fn sim_with(
    f: impl FnOnce(&mut workday_sim::Switches),
) -> (workday_sim::SimHandle, HeldPort) {
    let port = HeldPort::new();
    let mut config = workday_sim::SimConfig {
        redirect_uri: connector::loopback::redirect_uri(port.port(), RedirectHost::Ipv4Literal),
        events: 2_000,
        ..Default::default()
    };
    f(&mut config.switches);
    (workday_sim::start(config).await.expect("sim starts"), port)
}

/// A whole browser sign-in through the test browser; returns the tokens the tenant issued.
pub async fn sign_in(sim: &workday_sim::SimHandle, port: &HeldPort) -> TokenSet {
    let profile = profile(sim, "test", port.port());
    let browser = Arc::new(CommandBrowser::new(consent_browser()));
    let signed = signin::sign_in_on(
        port.listener(),
        &profile,
        &oauth_client(sim),
        browser,
        SignInOptions::default(),
        |_| {},
    )
    .await
    .expect("sign-in succeeds");
    signed.page.signed_in().await;
    signed.tokens
}
