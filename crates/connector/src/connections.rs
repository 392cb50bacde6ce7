//! The application's one entry point for both fronts: named connections (profile + secrets +
//! runtime state), sign-in, the staged test, disconnect, and the sandbox. The desktop shell and
//! `wdconnect` call these methods and nothing below them.

use std::collections::HashMap;
use std::sync::Arc;

use secrecy::SecretString;
use serde::Serialize;
use tokio::sync::Mutex;
use workday_client::endpoints::{self, Finding};
use workday_client::oauth::OAuthClient;
use workday_client::ratelimit::RateLimiter;
use workday_client::rest::RestClient;
use workday_client::retry::RetryPolicy;

use crate::browser::Browser;
use crate::checks;
use crate::paths::Home;
use crate::problem::{Diagnose, Problem};
use crate::profile::{self, Profile, ProfileFinding, ProfileStore};
use crate::sandbox::{Sandbox, SandboxOptions};
use crate::secrets::{SecretKind, SecretStore};
use crate::signin::{self, SignInOptions, SignInProgress};
use crate::staged::{self, TestReport};
use crate::state::{ConnectionState, StatusHub};
use crate::status::Status;
use crate::tokens::TokenManager;

/// A failure of a connector operation: bad input (the CLI exits 2) or a failed operation
/// (exit 1). Both carry problems with code, message and fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectorError {
    Invalid(Vec<Problem>),
    Failed(Problem),
}

impl ConnectorError {
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            ConnectorError::Invalid(p) => p.clone(),
            ConnectorError::Failed(p) => vec![p.clone()],
        }
    }

    pub fn is_input(&self) -> bool {
        matches!(self, ConnectorError::Invalid(_))
    }

    fn failed(e: impl Diagnose) -> Self {
        ConnectorError::Failed(e.problem())
    }
}

impl std::fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines: Vec<String> = self.problems().iter().map(|p| p.to_string()).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// Errors and warnings of a check, as problems for the fronts.
fn split_findings(findings: &[ProfileFinding]) -> (Vec<Problem>, Vec<Problem>) {
    let (errors, warnings): (Vec<_>, Vec<_>) = findings.iter().partition(|f| f.is_error());
    let problems = |v: Vec<&ProfileFinding>| v.into_iter().map(|f| f.problem()).collect();
    (problems(errors), problems(warnings))
}

/// A connection as the fronts show it: its settings (never a secret) and its runtime state.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "Connection"))]
pub struct ConnectionView {
    #[serde(flatten)]
    pub profile: Profile,
    pub redirect_uri: String,
    /// Points at the built-in simulated tenant ([`crate::sandbox::is_simulated`]).
    pub simulated: bool,
    #[serde(flatten)]
    pub state: ConnectionState,
}

/// Everything one connection needs to talk to its tenant, built once per process.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) tokens: TokenManager,
    pub(crate) rest: RestClient,
}

#[derive(Debug)]
pub struct Connector {
    home: Home,
    profiles: ProfileStore,
    secrets: Arc<SecretStore>,
    hub: Arc<StatusHub>,
    http: reqwest::Client,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
}

impl Connector {
    pub fn open(home: Home) -> Result<Connector, ConnectorError> {
        let service = keyring_service(&home);
        Self::with_secrets(
            home,
            SecretStore::with_service(service, crate::secrets::DEFAULT_TIMEOUT),
        )
    }

    /// With a given secret store (tests use a service name of their own).
    pub fn with_secrets(home: Home, secrets: SecretStore) -> Result<Connector, ConnectorError> {
        let http = workday_client::http::http_client(&Default::default()).map_err(|e| {
            ConnectorError::Failed(Problem::new(
                "http.client_unavailable",
                format!("The HTTP client could not start: {e}."),
                "Check this system's TLS certificate store, then try again.",
            ))
        })?;
        Ok(Connector {
            profiles: ProfileStore::new(home.config_file()),
            hub: Arc::new(StatusHub::open(&home.state_file())),
            home,
            secrets: Arc::new(secrets),
            http,
            sessions: Mutex::new(HashMap::new()),
        })
    }

    pub fn home(&self) -> &Home {
        &self.home
    }

    /// The one status channel.
    pub fn hub(&self) -> &Arc<StatusHub> {
        &self.hub
    }

    pub fn list(&self) -> Result<Vec<ConnectionView>, ConnectorError> {
        let profiles = self.profiles.load().map_err(ConnectorError::failed)?;
        Ok(profiles.into_iter().map(|p| self.view(p)).collect())
    }

    pub fn get(&self, name: &str) -> Result<ConnectionView, ConnectorError> {
        let profile = self.profile(name)?;
        Ok(self.view(profile))
    }

    fn view(&self, profile: Profile) -> ConnectionView {
        ConnectionView {
            redirect_uri: profile.redirect_uri(),
            simulated: crate::sandbox::is_simulated(&profile),
            state: self.hub.get(&profile.name),
            profile,
        }
    }

    fn profile(&self, name: &str) -> Result<Profile, ConnectorError> {
        self.profiles.get(name).map_err(input_or_failed)
    }

    /// Checks a new connection's name and values, all but the client secret: the CLI does this
    /// before asking for the secret, so a typo in a URL does not cost a paste.
    pub fn precheck(&self, profile: &Profile) -> Result<(), ConnectorError> {
        let findings = checks::findings(profile, None);
        if findings.has_errors() {
            Err(ConnectorError::Invalid(findings.errors()))
        } else {
            Ok(())
        }
    }

    /// Checks a new connection's values; returns the warnings to show.
    pub fn check(
        &self,
        profile: &Profile,
        client_secret: &SecretString,
    ) -> Result<Vec<Problem>, ConnectorError> {
        let findings = checks::findings(profile, Some(client_secret));
        if findings.has_errors() {
            Err(ConnectorError::Invalid(findings.errors()))
        } else {
            Ok(findings.warnings())
        }
    }

    /// Adds a connection: its profile to the config file, its client secret to the OS store.
    /// Nothing is written unless everything checks out; a keyring failure leaves no profile.
    pub async fn add(
        &self,
        mut profile: Profile,
        client_secret: SecretString,
    ) -> Result<Vec<Problem>, ConnectorError> {
        profile.name = profile::validate_name(&profile.name)
            .map_err(|e| ConnectorError::Invalid(vec![e.problem()]))?;
        let warnings = self.check(&profile, &client_secret)?;
        // Refuse a duplicate before touching the keyring: storing first would overwrite the
        // secret of the existing connection. Only a name known to be free goes on: an unreadable
        // config file cannot tell, and the delete on the way out would then lose that secret.
        match self.profiles.get(&profile.name) {
            Err(profile::ProfileError::NotFound { .. }) => {}
            Err(e) => return Err(input_or_failed(e)),
            Ok(_) => {
                return self
                    .profiles
                    .add(profile)
                    .map(|_| Vec::new())
                    .map_err(input_or_failed);
            }
        }
        self.secrets
            .set(&profile.name, SecretKind::ClientSecret, &client_secret)
            .await
            .map_err(ConnectorError::failed)?;
        let name = profile.name.clone();
        if let Err(e) = self.profiles.add(profile) {
            let _ = self.secrets.delete(&name, SecretKind::ClientSecret).await;
            return Err(input_or_failed(e));
        }
        self.hub.update(&name, |s| *s = ConnectionState::default());
        Ok(warnings)
    }

    /// Changes a connection's settings (and, when given, its client secret). The refresh token is
    /// kept: the next test tells whether the tenant still accepts it.
    pub async fn edit(
        &self,
        name: &str,
        change: impl FnOnce(&mut Profile),
        client_secret: Option<SecretString>,
    ) -> Result<Vec<Problem>, ConnectorError> {
        let mut profile = self.profile(name)?;
        change(&mut profile);
        profile.name = name.to_string();
        let secret = match &client_secret {
            Some(s) => s.clone(),
            None => self.client_secret(name).await?,
        };
        let warnings = self.check(&profile, &secret)?;
        if let Some(secret) = &client_secret {
            self.secrets
                .set(name, SecretKind::ClientSecret, secret)
                .await
                .map_err(ConnectorError::failed)?;
        }
        self.profiles
            .update(name, |p| *p = profile)
            .map_err(input_or_failed)?;
        self.sessions.lock().await.remove(name);
        Ok(warnings)
    }

    /// Removes a connection and its secrets. The secrets go first: if the store is unavailable,
    /// the connection stays, so nothing is left behind that the user can no longer see.
    pub async fn remove(&self, name: &str) -> Result<(), ConnectorError> {
        self.profile(name)?;
        self.secrets
            .delete_all(name)
            .await
            .map_err(ConnectorError::failed)?;
        self.profiles.remove(name).map_err(input_or_failed)?;
        self.sessions.lock().await.remove(name);
        self.hub.forget(name);
        Ok(())
    }

    /// Forgets the tokens, keeps the connection.
    pub async fn disconnect(&self, name: &str) -> Result<(), ConnectorError> {
        self.profile(name)?;
        self.secrets
            .delete(name, SecretKind::RefreshToken)
            .await
            .map_err(ConnectorError::failed)?;
        self.sessions.lock().await.remove(name);
        self.hub.update(name, |s| {
            s.status = Status::NotConfigured;
        });
        Ok(())
    }

    /// Signs in through the browser and keeps the refresh token; status becomes Connected.
    pub async fn connect(
        &self,
        name: &str,
        browser: Arc<dyn Browser>,
        options: SignInOptions,
        progress: impl FnMut(SignInProgress),
    ) -> Result<(), ConnectorError> {
        let profile = self.profile(name)?;
        let session = self.session(name).await?;
        let before = self.hub.get(name).status;
        self.hub.update(name, |s| s.status = Status::SigningIn);
        let outcome =
            signin::sign_in(&profile, session.tokens.oauth(), browser, options, progress).await;
        match outcome {
            Ok(tokens) => {
                if let Err(e) = session.tokens.accept(tokens).await {
                    let problem = e.problem();
                    self.hub.update(name, |s| {
                        s.status = before;
                        s.last_error = Some(problem.clone());
                    });
                    return Err(ConnectorError::Failed(problem));
                }
                self.hub.update(name, |s| {
                    s.status = Status::Connected;
                    s.last_error = None;
                });
                Ok(())
            }
            Err(e) => {
                let problem = e.problem();
                self.hub.update(name, |s| {
                    s.status = before;
                    s.last_error = Some(problem.clone());
                });
                Err(ConnectorError::Failed(problem))
            }
        }
    }

    /// Runs the staged test and records its outcome as the connection's status.
    pub async fn test(&self, name: &str) -> Result<TestReport, ConnectorError> {
        let session = self.session(name).await?;
        let report = staged::run(name, &session.tokens, &session.rest).await;
        let now = chrono::Utc::now();
        let first_problem = report.steps.iter().find_map(|s| {
            (s.verdict == staged::Verdict::Fail)
                .then(|| s.problem.clone())
                .flatten()
        });
        self.hub.update(name, |s| {
            s.status = report.status.clone();
            s.last_check = Some(now);
            if report.passed {
                s.last_success = Some(now);
                s.last_error = None;
            } else {
                s.last_error = first_problem;
            }
        });
        Ok(report)
    }

    /// Every connection's runtime state, in name order.
    pub fn statuses(&self) -> Result<Vec<(String, ConnectionState)>, ConnectorError> {
        let profiles = self.profiles.load().map_err(ConnectorError::failed)?;
        Ok(profiles
            .into_iter()
            .map(|p| (p.name.clone(), self.hub.get(&p.name)))
            .collect())
    }

    /// Starts the sandbox tenant and points the connection named `sandbox` at it (created or
    /// refreshed: a new tenant knows none of the old tokens, so they are forgotten).
    pub async fn start_sandbox(&self, options: SandboxOptions) -> Result<Sandbox, ConnectorError> {
        let sandbox = Sandbox::start(options)
            .await
            .map_err(ConnectorError::failed)?;
        let info = sandbox.info().clone();
        let mut profile = match self.profiles.get(crate::sandbox::SANDBOX_CONNECTION) {
            Ok(existing) => existing,
            Err(_) => Profile::new(crate::sandbox::SANDBOX_CONNECTION),
        };
        profile.client_id = info.client_id.clone();
        profile.rest_api_endpoint = info.rest_api_endpoint.clone();
        profile.token_endpoint = info.token_endpoint.clone();
        profile.authorization_endpoint = info.authorization_endpoint.clone();
        profile.redirect_port = sandbox.redirect_port();
        profile.redirect_host = crate::loopback::RedirectHost::Ipv4Literal;
        let name = profile.name.clone();
        let secret = sandbox.client_secret();
        self.secrets
            .set(&name, SecretKind::ClientSecret, &secret)
            .await
            .map_err(ConnectorError::failed)?;
        self.secrets
            .delete(&name, SecretKind::RefreshToken)
            .await
            .map_err(ConnectorError::failed)?;
        let saved = if self.profiles.get(&name).is_ok() {
            self.profiles.update(&name, |p| *p = profile)
        } else {
            self.profiles.add(profile)
        };
        saved.map_err(input_or_failed)?;
        self.sessions.lock().await.remove(&name);
        self.hub.update(&name, |s| *s = ConnectionState::default());
        Ok(sandbox)
    }

    async fn client_secret(&self, name: &str) -> Result<SecretString, ConnectorError> {
        self.secrets
            .get(name, SecretKind::ClientSecret)
            .await
            .map_err(ConnectorError::failed)?
            .ok_or_else(|| {
                ConnectorError::Failed(Problem::new(
                    "keyring.secret_missing",
                    format!("The client secret of \"{name}\" is not in this computer's credential store."),
                    format!("Store it again: `wdconnect edit {name} --client-secret-stdin`, or Edit in the app."),
                ))
            })
    }

    /// The session of `name`, built on first use (the activity sync uses it too).
    pub(crate) async fn session(&self, name: &str) -> Result<Arc<Session>, ConnectorError> {
        if let Some(s) = self.sessions.lock().await.get(name) {
            return Ok(s.clone());
        }
        let profile = self.profile(name)?;
        let secret = self.client_secret(name).await?;
        let checked = endpoints::check_all(
            &profile.rest_api_endpoint,
            &profile.token_endpoint,
            &profile.authorization_endpoint,
        )
        .map_err(|findings: Vec<Finding>| {
            let findings: Vec<ProfileFinding> = findings.into_iter().map(Into::into).collect();
            ConnectorError::Invalid(split_findings(&findings).0)
        })?;
        let endpoints = checked.value;
        let oauth = OAuthClient::new(
            self.http.clone(),
            endpoints.token.clone(),
            profile.client_id.clone(),
            secret,
            profile.client_auth,
        );
        let limiter = Arc::new(RateLimiter::new(profile.sync.rate_limit_per_sec));
        let rest = RestClient::new(
            self.http.clone(),
            endpoints,
            limiter,
            RetryPolicy::default(),
        );
        let session = Arc::new(Session {
            tokens: TokenManager::new(name, oauth, self.secrets.clone()),
            rest,
        });
        self.sessions
            .lock()
            .await
            .insert(name.to_string(), session.clone());
        Ok(session)
    }
}

/// The credential-store service that holds a home's secrets. Each home is its own set of
/// connections, so a home other than the default one gets a service of its own: two homes with a
/// connection of the same name never share a secret.
pub fn keyring_service(home: &Home) -> String {
    let default_root = dirs::config_dir().map(|d| d.join("workday-connector"));
    if default_root.as_deref() == Some(home.root()) {
        crate::secrets::DEFAULT_SERVICE.to_string()
    } else {
        format!(
            "{}@{}",
            crate::secrets::DEFAULT_SERVICE,
            home.root().display()
        )
    }
}

/// A failure the error itself calls the user's input (unknown name, duplicate, bad value) exits 2
/// in the CLI; the rest (an unreadable file, say) are failures.
fn input_or_failed(e: impl Diagnose) -> ConnectorError {
    if e.is_input() {
        ConnectorError::Invalid(vec![e.problem()])
    } else {
        ConnectorError::Failed(e.problem())
    }
}
