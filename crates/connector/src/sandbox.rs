//! Starting the sandbox: the built-in simulated tenant that both fronts offer, written once here.

use secrecy::SecretString;
use serde::Serialize;

use crate::loopback::{self, RedirectHost};
use crate::problem::{Diagnose, Problem};

pub use crate::profile::SANDBOX_CONNECTION;

/// Whether `name` is the sandbox's name in some letter case (names ignore case everywhere).
pub fn is_reserved_name(name: &str) -> bool {
    name.trim().to_lowercase() == SANDBOX_CONNECTION
}

/// A real connection asked to use the sandbox's name.
pub fn name_reserved(name: &str) -> Problem {
    Problem::new(
        "profile.name_reserved",
        format!(
            "The name \"{}\" is reserved for the built-in sandbox (in any letter case).",
            name.trim()
        ),
        "Choose another name for this connection, e.g. the tenant's name (\"acme_sandbox\").",
    )
}

/// The sandbox cannot start because a real connection (made before the name was reserved)
/// holds its name: it is left exactly as it is.
pub fn name_taken(existing: &str) -> Problem {
    Problem::new(
        "sandbox.name_taken",
        format!(
            "The sandbox did not start: the connection \"{existing}\" is a real connection, and \
             the sandbox would have to use its name. It was left as it is."
        ),
        format!(
            "Rename the connection \"{existing}\" (`wdconnect rename \"{existing}\" NEW_NAME`), \
             then start the sandbox again."
        ),
    )
}

/// Whether `profile` points at the built-in simulated tenant: the one place that decides it, so
/// every front labels the same connections "Simulation". Only `start_sandbox` sets the flag.
pub fn is_simulated(profile: &crate::profile::Profile) -> bool {
    profile.simulated
}

/// What a front may choose when it starts the sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// The port of the redirect URI the simulated client is registered with.
    pub redirect_port: u16,
    /// Seed of the generated users and activity, so a sandbox can be reproduced.
    pub seed: u64,
    /// Activity events in the seven days before start.
    pub events: u64,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            redirect_port: loopback::DEFAULT_REDIRECT_PORT,
            seed: 1,
            events: 50_000,
        }
    }
}

/// The sandbox's values as the "View API Clients" page would show them, less the client secret:
/// this is what crosses into the UI and onto the terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SandboxInfo {
    /// Always true: every front labels the sandbox as a simulation.
    pub simulated: bool,
    pub tenant: String,
    pub client_id: String,
    pub rest_api_endpoint: String,
    pub token_endpoint: String,
    pub authorization_endpoint: String,
    pub redirect_uri: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the simulated tenant could not start: {0}")]
    Start(String),
}

impl Diagnose for SandboxError {
    fn problem(&self) -> Problem {
        match self {
            SandboxError::Start(why) => Problem::new(
                "sandbox.start_failed",
                format!("The sandbox tenant could not start: {why}."),
                "Close whatever else runs a sandbox on this machine (another Workday Connector or \
                 `wdconnect sandbox`), then try again.",
            ),
        }
    }
}

/// A running simulated tenant; it stops when shut down or when the process ends.
#[derive(Debug)]
pub struct Sandbox {
    sim: workday_sim::SimHandle,
    info: SandboxInfo,
    redirect_port: u16,
}

impl Sandbox {
    /// Starts the simulated tenant on loopback. Must run inside a tokio runtime: the tenant's
    /// listeners live on it.
    pub async fn start(options: SandboxOptions) -> Result<Sandbox, SandboxError> {
        let config = workday_sim::SimConfig {
            seed: options.seed,
            events: options.events,
            redirect_uri: loopback::redirect_uri(options.redirect_port, RedirectHost::Ipv4Literal),
            // Something for the detections to find: the sandbox shows alerts after its first sync.
            anomalies: true,
            ..workday_sim::SimConfig::default()
        };
        let tenant = config.tenant.clone();
        let sim = workday_sim::start(config)
            .await
            .map_err(|e| SandboxError::Start(e.to_string()))?;
        let v = sim.values();
        let info = SandboxInfo {
            simulated: true,
            tenant,
            client_id: v.client_id.clone(),
            rest_api_endpoint: v.rest_api_endpoint.clone(),
            token_endpoint: v.token_endpoint.clone(),
            authorization_endpoint: v.authorization_endpoint.clone(),
            redirect_uri: v.redirect_uri.clone(),
        };
        tracing::info!(tenant = %info.tenant, rest = %info.rest_api_endpoint, "sandbox tenant started");
        Ok(Sandbox {
            sim,
            info,
            redirect_port: options.redirect_port,
        })
    }

    pub fn info(&self) -> &SandboxInfo {
        &self.info
    }

    pub fn redirect_port(&self) -> u16 {
        self.redirect_port
    }

    /// The simulated client's secret: it goes to the OS credential store, never to a front.
    pub fn client_secret(&self) -> SecretString {
        SecretString::from(self.sim.values().client_secret)
    }

    /// The running simulator, for tests that flip its switches.
    pub fn sim(&self) -> &workday_sim::SimHandle {
        &self.sim
    }

    pub async fn shutdown(self) {
        self.sim.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_reserved_in_any_case() {
        for name in ["sandbox", "Sandbox", "SANDBOX", " sandbox "] {
            assert!(is_reserved_name(name), "{name}");
        }
        for name in ["acme sandbox", "sandbox2", "sand box"] {
            assert!(!is_reserved_name(name), "{name}");
        }
    }

    /// Profiles from before the `simulated` field: only the sandbox's own (its exact name, all
    /// three endpoints plain HTTP on loopback) are taken for the sandbox.
    #[test]
    fn an_old_sandbox_profile_is_recognised_and_a_real_one_never() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("connections.json");
        let sim = |name: &str| {
            serde_json::json!({"name": name, "client_id": "c",
                "rest_api_endpoint": "http://127.0.0.1:41000/ccx/api/v1/acme_sandbox",
                "token_endpoint": "http://127.0.0.1:41000/ccx/oauth2/acme_sandbox/token",
                "authorization_endpoint": "http://127.0.0.1:41001/acme_sandbox/authorize"})
        };
        let real = serde_json::json!({"name": "sandbox", "client_id": "c",
            "rest_api_endpoint": "https://wd2-impl-services1.workday.com/ccx/api/v1/acme_sandbox",
            "token_endpoint": "https://wd2-impl-services1.workday.com/ccx/oauth2/acme_sandbox/token",
            "authorization_endpoint": "https://impl.workday.com/acme_sandbox/authorize"});
        for (profile, simulated) in [
            (sim("sandbox"), true),
            (sim("Sandbox"), false),
            (real, false),
        ] {
            let file = serde_json::json!({"version": 1, "connections": [profile]});
            std::fs::write(&path, file.to_string()).unwrap();
            let loaded = crate::profile::ProfileStore::new(&path).load().unwrap();
            assert_eq!(loaded[0].simulated, simulated, "{profile}");
        }
    }

    #[tokio::test]
    async fn starts_a_tenant_whose_values_carry_no_secret() {
        // Port 0 for the redirect keeps parallel tests from fighting over 8413; the sim never binds it.
        let sandbox = Sandbox::start(SandboxOptions {
            redirect_port: 0,
            events: 1_000,
            ..Default::default()
        })
        .await
        .expect("sandbox starts");
        let info = sandbox.info().clone();
        assert!(info.simulated);
        assert!(info.rest_api_endpoint.starts_with("http://127.0.0.1:"));
        assert!(
            info.rest_api_endpoint
                .ends_with(&format!("/ccx/api/v1/{}", info.tenant))
        );
        assert!(
            info.token_endpoint
                .ends_with(&format!("/ccx/oauth2/{}/token", info.tenant))
        );
        assert!(
            info.authorization_endpoint
                .ends_with(&format!("/{}/authorize", info.tenant))
        );
        assert_eq!(info.redirect_uri, "http://127.0.0.1:0/callback");

        let json = serde_json::to_string(&info).unwrap();
        let secret = sandbox.sim.values().client_secret;
        assert!(!secret.is_empty());
        assert!(
            !json.contains(&secret),
            "the sandbox info must not carry the client secret"
        );
        assert!(
            !format!("{sandbox:?}").contains(&secret),
            "Debug must not print the secret"
        );

        // The tenant really answers: its token endpoint refuses an unknown client like Workday.
        let answer = reqwest::Client::new()
            .post(&info.token_endpoint)
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "x"),
                ("client_id", "nobody"),
                ("client_secret", "nothing"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 401);
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client");
        sandbox.shutdown().await;
    }
}
