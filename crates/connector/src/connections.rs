//! The application's one entry point for both fronts: named connections (profile + secrets +
//! runtime state), sign-in, the staged test, disconnect, and the sandbox. The desktop shell and
//! `wdconnect` call these methods and nothing below them.

use std::collections::HashMap;
use std::sync::Arc;

use secrecy::SecretString;
use serde::Serialize;
use tokio::sync::{Mutex, OnceCell};
use workday_client::endpoints::{self, Finding};
use workday_client::oauth::OAuthClient;
use workday_client::ratelimit::RateLimiter;
use workday_client::rest::RestClient;
use workday_client::retry::RetryPolicy;

use crate::browser::Browser;
use crate::checks;
use crate::loopback::CallbackListener;
use crate::paths::Home;
use crate::problem::{Diagnose, Problem};
use crate::profile::{self, Profile, ProfileFinding, ProfileStore};
use crate::sandbox::{Sandbox, SandboxOptions};
use crate::secrets::{SecretKind, SecretStore};
use crate::signin::{self, SignInOptions, SignInProgress, SignedIn};
use crate::staged::{self, TestReport};
use crate::status::Status;
use crate::status::{ConnectionState, StatusHub};
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
    #[serde(flatten)]
    pub state: ConnectionState,
}

/// What `remove` did with the connection's activity log.
#[derive(Debug, Clone, Serialize)]
pub struct Removed {
    /// The stored name of the removed connection.
    #[serde(rename = "removed")]
    pub name: String,
    pub activity_log_deleted: bool,
    /// Where the kept activity log is, when there is one.
    pub activity_log_kept: Option<std::path::PathBuf>,
}

/// Everything one connection needs to talk to its tenant, built once per process.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) tokens: TokenManager,
    pub(crate) rest: RestClient,
}

/// The refresh locks of every connection, held (see [`Connector::hold_token_refreshes`]).
#[derive(Debug)]
pub struct RefreshesHeld {
    _locks: Vec<std::fs::File>,
}

#[derive(Debug)]
pub struct Connector {
    home: Home,
    pub(crate) profiles: ProfileStore,
    pub(crate) secrets: Arc<SecretStore>,
    hub: Arc<StatusHub>,
    http: reqwest::Client,
    /// By stored name. One cell per connection, so concurrent callers wait for the one build
    /// instead of each reading the keyring and making a token manager of its own.
    sessions: Mutex<HashMap<String, Arc<OnceCell<Arc<Session>>>>>,
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
        // Files made by older versions (or under a loose umask) may be readable by other users.
        crate::paths::repair_modes(&home);
        let http = workday_client::http::http_client(&Default::default()).map_err(|e| {
            ConnectorError::Failed(Problem::new(
                "http.client_unavailable",
                format!("The HTTP client could not start: {e}."),
                "Check this system's TLS certificate store and, if WDC_EXTRA_CA_FILE is set, \
                 the CA file it names, then try again.",
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
            state: self.hub.get(&profile.name),
            profile,
        }
    }

    /// The stored profile that `name` designates (letter case ignored). Its `name` is the stored
    /// one: every key (secrets, state, store, locks) is made from it, never from what was typed.
    fn profile(&self, name: &str) -> Result<Profile, ConnectorError> {
        self.profiles.get(name).map_err(input_or_failed)
    }

    /// The stored name that `name` designates.
    pub fn resolve(&self, name: &str) -> Result<String, ConnectorError> {
        Ok(self.profile(name)?.name)
    }

    /// Checks a new connection's name and values, all but the client secret: the CLI does this
    /// before asking for the secret, so a typo in a URL does not cost a paste.
    pub fn precheck(&self, profile: &Profile) -> Result<(), ConnectorError> {
        refuse_reserved(profile)?;
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
        refuse_reserved(profile)?;
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
        // Only `start_sandbox` makes a simulated connection.
        profile.simulated = false;
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
        // The stored name and kind stay: an edit never renames (its keys would be orphaned)
        // and never turns a real connection into the sandbox or back.
        let stored = profile.name.clone();
        let simulated = profile.simulated;
        change(&mut profile);
        profile.name = stored.clone();
        profile.simulated = simulated;
        let secret = match &client_secret {
            Some(s) => s.clone(),
            None => self.client_secret(&stored).await?,
        };
        let warnings = self.check(&profile, &secret)?;
        if let Some(secret) = &client_secret {
            self.secrets
                .set(&stored, SecretKind::ClientSecret, secret)
                .await
                .map_err(ConnectorError::failed)?;
        }
        self.profiles
            .update(&stored, |p| *p = profile)
            .map_err(input_or_failed)?;
        self.sessions.lock().await.remove(&stored);
        Ok(warnings)
    }

    /// Removes a connection and its secrets, and with `delete_events` its activity log too. The
    /// log goes first (refused while a sync of it runs), then the secrets: if either fails, the
    /// connection stays, so running it again finishes the job and nothing is left behind that
    /// the user can no longer see. A kept log is bound to its tenant: a new connection of the
    /// same name but another tenant does not resume it (`activity.tenant_mismatch`).
    pub async fn remove(&self, name: &str, delete_events: bool) -> Result<Removed, ConnectorError> {
        let name = self.profile(name)?.name;
        let activity_log_deleted = delete_events && self.delete_activity_store(&name)?;
        self.secrets
            .delete_all(&name)
            .await
            .map_err(ConnectorError::failed)?;
        self.profiles.remove(&name).map_err(input_or_failed)?;
        self.sessions.lock().await.remove(&name);
        self.hub.forget(&name);
        let store = self.activity_store_path(&name);
        Ok(Removed {
            activity_log_kept: store.exists().then_some(store),
            activity_log_deleted,
            name,
        })
    }

    /// Renames a connection: its profile, its secrets, its status and its activity log move to
    /// the new name together. Refused while a sync of it runs; the sandbox keeps its name.
    pub async fn rename(&self, name: &str, new_name: &str) -> Result<String, ConnectorError> {
        let profile = self.profile(name)?;
        let old = profile.name.clone();
        let new = profile::validate_name(new_name)
            .map_err(|e| ConnectorError::Invalid(vec![e.problem()]))?;
        if profile.simulated {
            return Err(ConnectorError::Invalid(vec![Problem::new(
                "profile.sandbox_rename",
                "The sandbox connection keeps its name.",
                "Rename only real connections; the sandbox is recreated by Try the sandbox or \
                 `wdconnect sandbox`.",
            )]));
        }
        refuse_reserved(&Profile::new(new.clone()))?;
        if let Ok(other) = self.profiles.get(&new)
            && other.name != old
        {
            return Err(input_or_failed(profile::ProfileError::DuplicateName {
                existing: other.name,
            }));
        }
        let old_store = self.activity_store_path(&old);
        let new_store = self.activity_store_path(&new);
        let _running = if old_store.exists() {
            Some(crate::activity::lock_sync(&old_store, &old)?)
        } else {
            None
        };
        // Secrets are copied first and the old ones deleted last: a failure on the way leaves
        // the connection whole under its old name.
        let mut copied = Vec::new();
        for kind in SecretKind::ALL {
            let value = self.secrets.get(&old, kind).await;
            let result = match value {
                Ok(Some(v)) => self.secrets.set(&new, kind, &v).await.map(|()| true),
                Ok(None) => Ok(false),
                Err(e) => Err(e),
            };
            match result {
                Ok(true) => copied.push(kind),
                Ok(false) => {}
                Err(e) => {
                    for kind in copied {
                        let _ = self.secrets.delete(&new, kind).await;
                    }
                    return Err(ConnectorError::failed(e));
                }
            }
        }
        if let Err(e) = self.profiles.update(&old, |p| p.name = new.clone()) {
            for kind in copied {
                let _ = self.secrets.delete(&new, kind).await;
            }
            return Err(input_or_failed(e));
        }
        if old_store != new_store {
            for (from, to) in crate::activity::store_files(&old_store)
                .into_iter()
                .zip(crate::activity::store_files(&new_store))
            {
                if from.exists()
                    && let Err(e) = std::fs::rename(&from, &to)
                {
                    tracing::warn!(from = %from.display(), to = %to.display(), error = %e, "could not move the activity log");
                }
            }
        }
        let state = self.hub.get(&old);
        self.hub.forget(&old);
        self.hub.update(&new, |s| *s = state);
        self.sessions.lock().await.remove(&old);
        if old != new
            && let Err(e) = self.secrets.delete_all(&old).await
        {
            tracing::warn!(
                code = e.code(),
                "the old name's secrets could not be deleted"
            );
        }
        Ok(new)
    }

    /// Forgets the tokens, keeps the connection.
    pub async fn disconnect(&self, name: &str) -> Result<(), ConnectorError> {
        let name = &self.profile(name)?.name;
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
        self.connect_on(name, None, browser, options, progress)
            .await
    }

    /// [`Connector::connect`], on a listener already bound to the connection's redirect port
    /// (None: bind it now).
    pub async fn connect_on(
        &self,
        name: &str,
        listener: Option<CallbackListener>,
        browser: Arc<dyn Browser>,
        options: SignInOptions,
        progress: impl FnMut(SignInProgress),
    ) -> Result<(), ConnectorError> {
        let profile = self.profile(name)?;
        let name = profile.name.as_str();
        let session = self.session(name).await?;
        let before = self.hub.get(name).status;
        self.hub.update(name, |s| s.status = Status::SigningIn);
        let oauth = session.tokens.oauth();
        let outcome = match listener {
            Some(l) => signin::sign_in_on(l, &profile, oauth, browser, options, progress).await,
            None => signin::sign_in(&profile, oauth, browser, options, progress).await,
        };
        match outcome {
            Ok(SignedIn { tokens, page }) => {
                if let Err(e) = session.tokens.accept(tokens).await {
                    let problem = e.problem();
                    page.failed(&problem).await;
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
                // Only now, with the refresh token kept, does the browser tab say so.
                page.signed_in().await;
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
        let name = &self.resolve(name)?;
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
    /// refreshed: a new tenant knows none of the old tokens, so they are forgotten). Only a
    /// connection marked simulated is ever touched: a real one that holds the name (made before
    /// the name was reserved) is refused, with nothing started and nothing changed.
    pub async fn start_sandbox(&self, options: SandboxOptions) -> Result<Sandbox, ConnectorError> {
        let existing = match self.profiles.get(crate::sandbox::SANDBOX_CONNECTION) {
            Ok(existing) if existing.simulated => Some(existing),
            Ok(real) => {
                return Err(ConnectorError::Failed(crate::sandbox::name_taken(
                    &real.name,
                )));
            }
            Err(profile::ProfileError::NotFound { .. }) => None,
            Err(e) => return Err(input_or_failed(e)),
        };
        let sandbox = Sandbox::start(options)
            .await
            .map_err(ConnectorError::failed)?;
        let info = sandbox.info().clone();
        let mut profile = existing
            .clone()
            .unwrap_or_else(|| Profile::new(crate::sandbox::SANDBOX_CONNECTION));
        profile.simulated = true;
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
        let saved = if existing.is_some() {
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

    /// The lock file every refresh of `name`'s token holds, in any process of this home.
    fn token_lock_path(&self, name: &str) -> std::path::PathBuf {
        let mut lock = self.activity_store_path(name).into_os_string();
        lock.push(".token-lock");
        lock.into()
    }

    /// Holds every connection's refresh lock, waiting up to `wait` for refreshes in flight (here
    /// or in `wdconnect`) to end, so a process that ends while holding them never ends between
    /// Workday retiring a refresh token and the new one being stored. Refused while a rotated
    /// refresh token lives only in this process (the credential store refused it): ending now
    /// would sign that connection out. Released when the value is dropped or the process ends.
    pub async fn hold_token_refreshes(
        &self,
        wait: std::time::Duration,
    ) -> Result<RefreshesHeld, ConnectorError> {
        let profiles = self.profiles.load().map_err(ConnectorError::failed)?;
        let mut held = Vec::with_capacity(profiles.len());
        for profile in &profiles {
            let lock = crate::tokens::hold_refresh_lock(&self.token_lock_path(&profile.name), wait)
                .await
                .map_err(ConnectorError::failed)?;
            held.push(lock);
        }
        let cells: Vec<_> = self.sessions.lock().await.values().cloned().collect();
        for session in cells.iter().filter_map(|cell| cell.get()) {
            if session.tokens.holds_unsaved_refresh_token().await {
                return Err(ConnectorError::Failed(Problem::new(
                    "token.unsaved",
                    "A refreshed sign-in is held in memory only: the credential store refused it.",
                    "Unlock the system's credential store (keyring); the app stores the token \
                     at the connection's next check.",
                )));
            }
        }
        Ok(RefreshesHeld { _locks: held })
    }

    /// The session of `name` (any letter case), built on first use and once: concurrent callers
    /// wait for the one build (the activity sync uses it too).
    pub(crate) async fn session(&self, name: &str) -> Result<Arc<Session>, ConnectorError> {
        let profile = self.profile(name)?;
        let cell = self
            .sessions
            .lock()
            .await
            .entry(profile.name.clone())
            .or_default()
            .clone();
        cell.get_or_try_init(|| self.build_session(profile))
            .await
            .cloned()
    }

    async fn build_session(&self, profile: Profile) -> Result<Arc<Session>, ConnectorError> {
        let name = profile.name.as_str();
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
        Ok(Arc::new(Session {
            tokens: TokenManager::new(name, oauth, self.secrets.clone())
                .with_refresh_lock(self.token_lock_path(name)),
            rest,
        }))
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

/// The sandbox's name, in any letter case, belongs to the sandbox: a real connection under it
/// would be mistaken for the sandbox (badges, the tray) and is refused.
fn refuse_reserved(profile: &Profile) -> Result<(), ConnectorError> {
    if !profile.simulated && crate::sandbox::is_reserved_name(&profile.name) {
        return Err(ConnectorError::Invalid(vec![
            crate::sandbox::name_reserved(&profile.name),
        ]));
    }
    Ok(())
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
