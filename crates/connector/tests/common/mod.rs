//! Helpers shared by the connector's integration tests: the test browser and a signed-in
//! connection against a simulated tenant.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use connector::browser::CommandBrowser;
use connector::loopback::RedirectHost;
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

/// A free loopback port for a redirect URI.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts a simulated tenant registered with a redirect URI on a free port; returns it and the port.
pub async fn sim_with(f: impl FnOnce(&mut workday_sim::Switches)) -> (workday_sim::SimHandle, u16) {
    let port = free_port();
    let mut config = workday_sim::SimConfig {
        redirect_uri: connector::loopback::redirect_uri(port, RedirectHost::Ipv4Literal),
        events: 2_000,
        ..Default::default()
    };
    f(&mut config.switches);
    (workday_sim::start(config).await.expect("sim starts"), port)
}

/// A whole browser sign-in through the test browser; returns the tokens the tenant issued.
pub async fn sign_in(sim: &workday_sim::SimHandle, port: u16) -> TokenSet {
    let profile = profile(sim, "test", port);
    let browser = Arc::new(CommandBrowser::new(consent_browser()));
    signin::sign_in(
        &profile,
        &oauth_client(sim),
        browser,
        SignInOptions::default(),
        |_| {},
    )
    .await
    .expect("sign-in succeeds")
}
