//! The simulated Workday tenant (the sandbox): OAuth with a consent page on a website host, the
//! token endpoint and REST API on a separate services host, a deterministic streaming activity
//! log, tenant switches, fault injection, and a control API. Loopback only.
//!
//! It deliberately shares no code with `workday-client` or `connector`: an independent simulator
//! is what catches a misunderstanding of Workday that both sides would otherwise share.
//!
//! Behaviours marked *unverified* in the docs of [`Switches`] follow the best public evidence and
//! are switchable, because Workday's own reference is behind a login.
//!
//! # Hosts
//! - website (`authorization_endpoint`): `GET /{tenant}/authorize` (consent page, form
//!   `id="consent"` posting to `/{tenant}/authorize/decision` with `decision=allow|deny`),
//!   `GET /{tenant}/sso` (the identity-provider page of an SSO tenant).
//! - services: `POST /ccx/oauth2/{tenant}/token`, `GET /ccx/api/v1/{tenant}/workers`,
//!   `GET /ccx/api/privacy/v1/{tenant}/activityLogging`.
//! - control (`control_url`, not Workday; every request carries `Authorization: Bearer
//!   {control_token}`, else 401): `GET/PUT /switches` (PUT merges a partial object),
//!   `GET/PUT /faults` (PUT replaces), `GET/DELETE /requests`, `POST /regenerate-secret`,
//!   `POST /revoke-refresh-tokens`, `GET /truth?from=&to=` (RFC 3339), `GET /values`.
//!
//! A wrong tenant segment answers 503 on both hosts; an unknown path under the right tenant 404.
//! Every listener answers only requests whose `Host` names the loopback address and port it is
//! bound to (`127.0.0.1:P`, `localhost:P`, `[::1]:P`); any other gets 421, which stops a DNS
//! rebinding page from reaching it under a name of its own.
//!
//! With [`SimConfig::tls`] the website and services hosts speak HTTPS with a certificate for
//! `127.0.0.1`/`localhost` signed by a CA made at start, written to the file
//! [`ClientValues::tls_ca_file`] names.
//!
//! # Realistic by default, strict by switch
//! Rows come ascending by requestTime, every row has requestTime, `sessionId` is 6 hex digits,
//! targets carry no `href`, fractional seconds and `False` are accepted, PKCE is optional: what
//! real captures and shipped collectors show. [`Switches`] turn on the strict readings
//! (`shuffle_pages`, `missing_request_times`, `target_href`, `strict_params`, `pkce`).
//!
//! # Other unverified choices
//! - Error bodies: 400-404 `{"error", "errors": [{"error"}]}`, others `{"error"}`; the exact
//!   wording is invented. Token errors are RFC 6749 JSON.
//! - After client and redirect URI check out, authorize errors (bad `response_type`, PKCE) go
//!   back to the redirect URI as RFC 6749 `error=` redirects.
//! - Own calls are logged as a real tenant logs them (`privacy/activityLogging/userActivity
//!   (GET) (v1 -  )`, `Desktop`, a browser's user agent, the consenting account); the `common`
//!   area of `/ccx/api/v1/...` calls (`common/workers (GET) (v1 -  )`) is invented.
//! - Activity log default `limit` 100; `returnUserActivityEntryCount` reports the uncapped count.
//! - Target `href`s (under the switch) name the services host, so they differ between starts on
//!   other ports.
//! - Events have 30 days of history before the start day; nothing earlier exists.

// Handlers return an early answer as `Err(Response)`; boxing it would buy nothing on this path.
#![allow(clippy::result_large_err)]

mod activity;
pub mod anomalies;
mod control;
mod http;
mod log;
mod oauth;
mod pages;
mod params;
mod people;
pub use activity::weight as rhythm;
pub use people::REAL_SITES;
mod rest;
mod rng;
mod state;
mod switches;
mod tls;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use activity::HISTORY_DAYS;
pub use log::{ClientAuthKind, ListenerKind, RequestRecord};
pub use pages::CLIENT_NAME;
pub use people::CONSENT_ACCOUNT;
pub use switches::{
    ClientAuthMode, FaultScope, Faults, OffsetCapMode, Storm, Switches, TokenExpiry,
};

use activity::Dataset;
use http::Host;
use people::Directory;
use state::{Tenant, Urls};

/// How to start a tenant.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The tenant name (URL segment). Letters, digits, `_` and `-`.
    pub tenant: String,
    /// Seeds everything deterministic: people, events, the derived client id.
    pub seed: u64,
    /// About how many events any seven days hold (the rhythm repeats weekly).
    pub events: u64,
    /// People (accounts with worker records) in the tenant; the first is the consenting account.
    pub users: u32,
    /// None: derived from the seed (an opaque base64 string, as Workday shows it).
    pub client_id: Option<String>,
    /// None: a fresh random secret per start.
    pub client_secret: Option<String>,
    /// The one redirect URI registered for the API client.
    pub redirect_uri: String,
    /// Ports on 127.0.0.1; 0 picks a free one.
    pub website_port: u16,
    pub services_port: u16,
    pub control_port: u16,
    pub switches: Switches,
    /// Serve the website and services hosts over HTTPS with a certificate made at start, signed
    /// by a CA made at start too. The control API stays plain HTTP (it is not Workday).
    pub tls: bool,
    /// Where to write the CA certificate (PEM) with `tls`; None: a file in the temporary
    /// directory. [`ClientValues::tls_ca_file`] names it either way.
    pub tls_ca_file: Option<PathBuf>,
    /// Log the scheduled anomalies (see [`anomalies`]): what the sandbox shows.
    pub anomalies: bool,
    /// People work from offices and phones in real countries (see
    /// [`REAL_SITES`]) instead of documentation ranges without a country.
    pub real_addresses: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            tenant: "acme_sandbox".into(),
            seed: 1,
            events: 50_000,
            users: 40,
            client_id: None,
            client_secret: None,
            redirect_uri: "http://127.0.0.1:8413/callback".into(),
            website_port: 0,
            services_port: 0,
            control_port: 0,
            switches: Switches::default(),
            tls: false,
            tls_ca_file: None,
            anomalies: false,
            real_addresses: false,
        }
    }
}

/// Why the tenant could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    #[error("cannot listen on 127.0.0.1:{port} for the {listener} host: {source}")]
    Bind {
        listener: &'static str,
        port: u16,
        #[source]
        source: std::io::Error,
    },
}

/// The values an admin would copy from Workday, plus where the control API listens.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClientValues {
    pub client_id: String,
    pub client_secret: String,
    pub rest_api_endpoint: String,
    pub token_endpoint: String,
    pub authorization_endpoint: String,
    pub redirect_uri: String,
    pub control_url: String,
    /// The bearer token of the control API (not a Workday value).
    pub control_token: String,
    /// With TLS: the CA certificate file (PEM) a client must trust for the https URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_ca_file: Option<String>,
}

impl std::fmt::Debug for ClientValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientValues")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("rest_api_endpoint", &self.rest_api_endpoint)
            .field("token_endpoint", &self.token_endpoint)
            .field("authorization_endpoint", &self.authorization_endpoint)
            .field("redirect_uri", &self.redirect_uri)
            .field("control_url", &self.control_url)
            .field("control_token", &"<redacted>")
            .field("tls_ca_file", &self.tls_ca_file)
            .finish()
    }
}

/// A running tenant. Dropping it stops the listeners too; `shutdown` also waits for them.
pub struct SimHandle {
    tenant: Arc<Tenant>,
    ca_pem: Option<String>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// The client id Workday would show, derived from the seed: base64 of a UUID-shaped string,
/// re-derived until it has no `+` or `/` so it survives URLs unencoded like real ones do.
fn derived_client_id(seed: u64) -> String {
    (0u64..)
        .map(|n| {
            let h = Sha256::digest(format!("workday-sim client {seed} {n}"));
            let hex: String = h.iter().take(16).map(|b| format!("{b:02x}")).collect();
            let uuid = format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..32]
            );
            STANDARD.encode(uuid)
        })
        .find(|s| !s.contains(['+', '/']))
        .unwrap_or_default()
}

fn valid_tenant(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

async fn bind(listener: &'static str, port: u16) -> Result<TcpListener, SimError> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|source| SimError::Bind {
            listener,
            port,
            source,
        })
}

/// Starts a tenant on loopback and returns once all three listeners accept connections.
pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
    if !valid_tenant(&config.tenant) {
        return Err(SimError::InvalidConfig(format!(
            "tenant {:?} must be letters, digits, _ or -",
            config.tenant
        )));
    }
    match url::Url::parse(&config.redirect_uri) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => {}
        _ => {
            return Err(SimError::InvalidConfig(format!(
                "redirect_uri {:?} is not an http(s) URL",
                config.redirect_uri
            )));
        }
    }
    if matches!(&config.client_secret, Some(s) if s.is_empty())
        || matches!(&config.client_id, Some(s) if s.is_empty())
    {
        return Err(SimError::InvalidConfig(
            "client_id and client_secret must not be empty".into(),
        ));
    }
    let tls = if config.tls {
        Some(tls::make().map_err(SimError::Tls)?)
    } else {
        None
    };
    let website = bind("website", config.website_port).await?;
    let services = bind("services", config.services_port).await?;
    let control = bind("control", config.control_port).await?;
    let port = |l: &TcpListener| l.local_addr().map(|a| a.port()).unwrap_or_default();
    let (wp, sp, cp) = (port(&website), port(&services), port(&control));
    let ca_file = match &tls {
        None => None,
        Some(tls) => {
            let path = config.tls_ca_file.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("workday-sim-{}-{sp}-ca.pem", std::process::id()))
            });
            std::fs::write(&path, &tls.ca_pem).map_err(|e| {
                SimError::Tls(format!("cannot write the CA file {}: {e}", path.display()))
            })?;
            Some(path.display().to_string())
        }
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let name = config.tenant.clone();
    let urls = Urls {
        rest_api_endpoint: format!("{scheme}://127.0.0.1:{sp}/ccx/api/v1/{name}"),
        token_endpoint: format!("{scheme}://127.0.0.1:{sp}/ccx/oauth2/{name}/token"),
        authorization_endpoint: format!("{scheme}://127.0.0.1:{wp}/{name}/authorize"),
        control_url: format!("http://127.0.0.1:{cp}"),
        control_token: rng::secret(43),
        tls_ca_file: ca_file,
    };
    let dir = Arc::new(Directory::new(
        config.seed,
        config.users,
        config.real_addresses,
    ));
    let start_ms = Utc::now().timestamp_millis();
    let data = Dataset::new(
        config.seed,
        config.events,
        start_ms,
        dir.clone(),
        urls.rest_api_endpoint.clone(),
    );
    let injected = if config.anomalies {
        anomalies::inject(&data, start_ms)
    } else {
        Vec::new()
    };
    let tenant = Arc::new(Tenant::new(
        name,
        config
            .client_id
            .unwrap_or_else(|| derived_client_id(config.seed)),
        config.client_secret.unwrap_or_else(|| rng::secret(64)),
        config.redirect_uri,
        urls,
        dir,
        data,
        config.switches,
    ));
    let _ = tenant.anomalies.set(injected);
    let (stop, rx) = watch::channel(false);
    let tasks = vec![
        tokio::spawn(http::serve(
            website,
            Host::Website,
            tenant.clone(),
            http::website_router(tenant.clone()),
            tls.as_ref().map(|t| t.acceptor.clone()),
            rx.clone(),
        )),
        tokio::spawn(http::serve(
            services,
            Host::Services,
            tenant.clone(),
            http::services_router(tenant.clone()),
            tls.as_ref().map(|t| t.acceptor.clone()),
            rx.clone(),
        )),
        tokio::spawn(http::serve(
            control,
            Host::Control,
            tenant.clone(),
            control::router(tenant.clone()),
            None,
            rx,
        )),
    ];
    tracing::info!(tenant = %tenant.name, website = wp, services = sp, control = cp, "workday-sim started");
    Ok(SimHandle {
        tenant,
        ca_pem: tls.map(|t| t.ca_pem),
        stop,
        tasks,
    })
}

fn client_values(t: &Tenant) -> ClientValues {
    ClientValues {
        client_id: t.client_id.clone(),
        client_secret: t.secret(),
        rest_api_endpoint: t.urls.rest_api_endpoint.clone(),
        token_endpoint: t.urls.token_endpoint.clone(),
        authorization_endpoint: t.urls.authorization_endpoint.clone(),
        redirect_uri: t.redirect_uri.clone(),
        control_url: t.urls.control_url.clone(),
        control_token: t.urls.control_token.clone(),
        tls_ca_file: t.urls.tls_ca_file.clone(),
    }
}

fn regenerate_secret(t: &Tenant) -> String {
    let s = rng::secret(64);
    t.set_secret(s.clone());
    s
}

fn ground_truth(t: &Tenant, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<serde_json::Value> {
    t.data.ground_truth(
        from.timestamp_millis(),
        to.timestamp_millis(),
        Utc::now().timestamp_millis(),
        rest::render(&t.switches()),
    )
}

impl SimHandle {
    /// The five values plus redirect URI and control URL.
    pub fn values(&self) -> ClientValues {
        client_values(&self.tenant)
    }

    pub fn switches(&self) -> Switches {
        self.tenant.switches()
    }

    /// With TLS: the CA certificate (PEM) that signed the hosts' certificate.
    pub fn tls_ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Changes switches; they apply to the next request.
    pub fn update_switches(&self, f: impl FnOnce(&mut Switches)) {
        self.tenant.update_switches(f);
    }

    pub fn set_faults(&self, faults: Faults) {
        self.tenant.set_faults(faults);
    }

    /// The faults, with counters as they stand now.
    pub fn faults(&self) -> Faults {
        self.tenant.faults()
    }

    /// "Generate New API Client Secret": the old secret then fails with invalid_client.
    pub fn regenerate_secret(&self) -> String {
        regenerate_secret(&self.tenant)
    }

    /// Revokes every refresh token: refreshing then answers invalid_grant.
    pub fn revoke_refresh_tokens(&self) {
        self.tenant.grants().refresh.clear();
    }

    /// **For tests only** (the end-to-end secret scan; Workday has no such call): every access and
    /// refresh token the tenant holds, which is every one it issued except refresh tokens retired
    /// by rotation or [`revoke_refresh_tokens`](Self::revoke_refresh_tokens), and expired access
    /// tokens pruned once more than 10,000 are held.
    pub fn issued_tokens(&self) -> Vec<String> {
        let g = self.tenant.grants();
        g.access.keys().chain(g.refresh.keys()).cloned().collect()
    }

    /// The anomalies logged at start (empty unless [`SimConfig::anomalies`]): the ground truth
    /// of the detections.
    pub fn anomalies(&self) -> Vec<anomalies::Anomaly> {
        self.tenant.anomalies.get().cloned().unwrap_or_default()
    }

    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.tenant.log.snapshot()
    }

    pub fn clear_request_log(&self) {
        self.tenant.log.clear();
    }

    /// Logs an event done in the tenant at `at` whose answer is `event` as it stands, even
    /// without requestTime or with hostile text in its fields (what any tenant user can make
    /// the log hold, such as their browser's user agent). Visible after the publishing lag.
    pub fn log_event(&self, at: DateTime<Utc>, event: serde_json::Value) {
        self.tenant.data.record_event(at.timestamp_millis(), event);
    }

    /// Every event the tenant has with requestTime in [from, to) (and not in the future), as
    /// Workday JSON, published or not, including the client's own logged calls, in a
    /// deterministic order. Ignores `activity_logging_enabled`. Subtract events whose publishing
    /// lag has not passed to get what the API can answer.
    pub fn ground_truth(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<serde_json::Value> {
        ground_truth(&self.tenant, from, to)
    }

    /// Stops the listeners and waits for them.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
    }
}

impl std::fmt::Debug for SimHandle {
    // Not derived: the tenant holds the secret and live tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("tenant", &self.tenant.name)
            .field("values", &self.values())
            .finish()
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
