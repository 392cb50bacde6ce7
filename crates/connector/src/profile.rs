//! Connection profiles: what a connection is (the values copied from Workday and its settings),
//! how it is checked, and the `connections.json` file that keeps them. Secrets never live here:
//! they are in the OS credential store (`crate::secrets`).

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use workday_client::endpoints::{self, Field, Finding, Severity, scrub_secret};

use crate::loopback::{self, RedirectHost};
use crate::paths::{self, Home, HomeError};
use crate::problem::{Diagnose, Problem};

/// The version of `connections.json` this build writes and reads.
pub const CONFIG_VERSION: u32 = 1;

/// The longest profile name: it appears in the tray menu and in keyring entry names.
pub const NAME_MAX_CHARS: usize = 64;

/// How the client authenticates at the token endpoint (HTTP Basic by default): the OAuth
/// client's own type, so the stored setting is exactly what the token requests use.
pub use workday_client::oauth::ClientAuth;

/// How the activity sync treats the tenant. Every number is a setting because the right values
/// are unverified or tenant-specific (`workday-api.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncSettings {
    /// Seconds between polls; minutes, not seconds, so the tenant is not loaded.
    pub poll_interval_secs: u64,
    /// Days of activity read back on first connect.
    pub backfill_days: u32,
    /// Seconds before now at which each window stops: events are published late.
    pub publish_lag_secs: u64,
    /// Rows per activity page (Workday's maximum is 1000).
    pub page_size: u32,
    /// Requests per second against this tenant.
    pub rate_limit_per_sec: f64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            poll_interval_secs: 300,
            backfill_days: 7,
            publish_lag_secs: 120,
            page_size: 1000,
            rate_limit_per_sec: 10.0,
        }
    }
}

/// One connection. The client secret is deliberately not a field: it lives in the keyring.
///
/// Every field after the five values has a serde default, so files written by older versions
/// load unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Profile {
    pub name: String,
    pub client_id: String,
    pub rest_api_endpoint: String,
    pub token_endpoint: String,
    pub authorization_endpoint: String,
    #[serde(default = "default_redirect_port")]
    pub redirect_port: u16,
    #[serde(default)]
    pub redirect_host: RedirectHost,
    #[serde(default = "default_true")]
    pub pkce: bool,
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// Tenants behind SAML SSO need `redirect=n` on the authorization URL.
    #[serde(default)]
    pub sso: bool,
    #[serde(default)]
    pub sync: SyncSettings,
    /// The connection points at the built-in sandbox (set only by `start_sandbox`). Files from
    /// before this field are read by [`crate::sandbox::is_legacy_sandbox`]'s rule.
    #[serde(default)]
    pub simulated: bool,
    /// Where the connection's events are forwarded (their tokens are in the keyring). Not part
    /// of what the desktop UI edits yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub forward: Vec<crate::forwarding::ForwardDestination>,
}

fn default_redirect_port() -> u16 {
    loopback::DEFAULT_REDIRECT_PORT
}

fn default_true() -> bool {
    true
}

impl Profile {
    /// A profile named `name` with empty values and every setting at its default; the fronts
    /// fill in the five values. Nothing is checked here: that is [`check_profile`]'s job, and
    /// [`ProfileStore`] normalises and checks before it writes.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            client_id: String::new(),
            rest_api_endpoint: String::new(),
            token_endpoint: String::new(),
            authorization_endpoint: String::new(),
            redirect_port: default_redirect_port(),
            redirect_host: RedirectHost::default(),
            pkce: true,
            client_auth: ClientAuth::default(),
            sso: false,
            sync: SyncSettings::default(),
            simulated: false,
            forward: Vec::new(),
        }
    }

    /// The exact redirect URI to register in Workday for this connection.
    pub fn redirect_uri(&self) -> String {
        loopback::redirect_uri(self.redirect_port, self.redirect_host)
    }

    /// Forgives what the endpoint checks forgive, so that what is stored is what was checked:
    /// surrounding whitespace everywhere, and one trailing slash on a URL. Nothing else changes:
    /// URLs are kept as pasted, never rebuilt (`workday-api.md`).
    pub fn normalise(&mut self) {
        self.name = self.name.trim().to_owned();
        self.client_id = self.client_id.trim().to_owned();
        for url in [
            &mut self.rest_api_endpoint,
            &mut self.token_endpoint,
            &mut self.authorization_endpoint,
        ] {
            // The checks' own rule, so that what is stored is what was checked.
            *url = endpoints::without_trailing_slash(url.trim()).to_owned();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checks.

/// A setting of a profile that is not one of Workday's five values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Setting {
    Name,
    RedirectPort,
    PollInterval,
    BackfillDays,
    PublishLag,
    PageSize,
    RateLimit,
}

impl Setting {
    /// The label the fronts show beside the setting.
    pub fn label(self) -> &'static str {
        match self {
            Setting::Name => "Connection name",
            Setting::RedirectPort => "Redirect port",
            Setting::PollInterval => "Poll interval",
            Setting::BackfillDays => "Backfill days",
            Setting::PublishLag => "Publishing lag",
            Setting::PageSize => "Page size",
            Setting::RateLimit => "Rate limit",
        }
    }
}

/// What a finding is about: one of Workday's values or one of the app's settings. Serialises as
/// a bare snake_case name, so a profile finding has the same JSON shape as an endpoint
/// [`Finding`] (`{"field": "rest_api" | "page_size", ...}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Subject {
    Value(Field),
    Setting(Setting),
}

/// One verdict about a profile: an endpoint [`Finding`] or a settings check. (The endpoint
/// `Finding` names one of the five Workday values only, so the settings need their own subject.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "Finding"))]
pub struct ProfileFinding {
    pub field: Subject,
    pub severity: Severity,
    /// Stable and dotted, e.g. `settings.page_size_out_of_range` or `endpoint.tenant_mismatch`.
    pub code: &'static str,
    pub message: String,
    pub fix: String,
}

impl ProfileFinding {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn setting(setting: Setting, severity: Severity, code: &'static str, message: String) -> Self {
        let fix = format!(
            "Change {} in the connection's settings to {}.",
            setting.label(),
            range_text(setting)
        );
        Self {
            field: Subject::Setting(setting),
            severity,
            code,
            message,
            fix,
        }
    }
}

impl From<Finding> for ProfileFinding {
    fn from(f: Finding) -> Self {
        Self {
            field: Subject::Value(f.field),
            severity: f.severity,
            code: f.code,
            message: f.message,
            fix: f.fix,
        }
    }
}

impl Diagnose for ProfileFinding {
    fn problem(&self) -> Problem {
        Problem::new(self.code, self.message.clone(), self.fix.clone())
    }
}

impl fmt::Display for ProfileFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]\n  fix: {}", self.message, self.code, self.fix)
    }
}

fn range_text(setting: Setting) -> &'static str {
    match setting {
        Setting::Name => "at most 64 letters, digits, spaces, '-', '_' or '.'",
        Setting::RedirectPort => "a port from 1024 to 65535 that nothing else uses, e.g. 8413",
        Setting::PollInterval => "60 seconds or more (the default is 300)",
        Setting::BackfillDays => "a number of days from 0 to 30 (the default is 7)",
        Setting::PublishLag => "a number of seconds from 0 to 3600 (the default is 120)",
        Setting::PageSize => "a number from 1 to 1000 (the default is 1000)",
        Setting::RateLimit => {
            "a number of requests per second above 0 and at most 50 (the default is 10)"
        }
    }
}

/// Trims `name` and checks it: non-empty, at most 64 characters, only letters, digits, spaces,
/// `-`, `_` and `.` (it becomes part of keyring entry names and appears in menus and commands).
pub fn validate_name(name: &str) -> Result<String, ProfileError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ProfileError::NameEmpty);
    }
    let chars = name.chars().count();
    if chars > NAME_MAX_CHARS {
        return Err(ProfileError::NameInvalid {
            reason: format!("it has {chars} characters; at most {NAME_MAX_CHARS} are allowed"),
        });
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.')))
    {
        let shown = if bad.is_control() {
            format!("U+{:04X}", u32::from(bad))
        } else {
            format!("'{bad}'")
        };
        return Err(ProfileError::NameInvalid {
            reason: format!("it contains {shown}"),
        });
    }
    Ok(name.to_owned())
}

/// Checks a whole profile: its name, the Client ID and the three endpoints (one by one and
/// against each other, by `workday_client::endpoints`), and the settings' ranges. `Ok` holds the
/// warnings; `Err` every finding, errors and warnings alike, so a front can show all at once.
pub fn check_profile(p: &Profile) -> Result<Vec<ProfileFinding>, Vec<ProfileFinding>> {
    let mut findings: Vec<ProfileFinding> = Vec::new();

    if let Err(e) = validate_name(&p.name) {
        let problem = e.problem();
        findings.push(ProfileFinding {
            field: Subject::Setting(Setting::Name),
            severity: Severity::Error,
            code: e.code(),
            message: problem.message,
            fix: problem.fix,
        });
    }
    findings.extend(
        endpoints::check_client_id(&p.client_id)
            .findings
            .into_iter()
            .map(ProfileFinding::from),
    );
    let checked = endpoints::check_all(
        &p.rest_api_endpoint,
        &p.token_endpoint,
        &p.authorization_endpoint,
    );
    findings.extend(
        match checked {
            Ok(c) => c.warnings,
            Err(all) => all,
        }
        .into_iter()
        .map(ProfileFinding::from),
    );
    findings.extend(check_settings(p));

    if findings.iter().any(ProfileFinding::is_error) {
        Err(findings)
    } else {
        Ok(findings)
    }
}

/// Every finding about a connection's values, errors and warnings alike, in the order the fields
/// appear. Serialises as the bare list the wizard shows beside its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Findings(Vec<ProfileFinding>);

impl Findings {
    /// True when one of the values is refused (warnings alone refuse nothing).
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(ProfileFinding::is_error)
    }

    pub fn as_slice(&self) -> &[ProfileFinding] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<ProfileFinding> {
        self.0
    }

    /// The refusals as problems, first to last.
    pub fn errors(&self) -> Vec<Problem> {
        self.problems(true)
    }

    /// The warnings as problems, first to last.
    pub fn warnings(&self) -> Vec<Problem> {
        self.problems(false)
    }

    fn problems(&self, errors: bool) -> Vec<Problem> {
        self.0
            .iter()
            .filter(|f| f.is_error() == errors)
            .map(Diagnose::problem)
            .collect()
    }
}

/// Checks a connection's name, its Client ID, its three endpoints (one by one and against each
/// other) and its settings, and the client secret when one is given (the wizard checks it on
/// submit; `wdconnect add` asks for it last). With a secret, no finding names it: a secret pasted
/// into a URL field would otherwise come back as that URL's tenant or host.
pub fn findings(profile: &Profile, client_secret: Option<&SecretString>) -> Findings {
    let mut all = match check_profile(profile) {
        Ok(warnings) => warnings,
        Err(all) => all,
    };
    let Some(secret) = client_secret.map(ExposeSecret::expose_secret) else {
        return Findings(all);
    };
    all.extend(
        endpoints::check_client_secret(secret, &profile.client_id)
            .findings
            .into_iter()
            .map(ProfileFinding::from),
    );
    for f in &mut all {
        f.message = scrub_secret(&f.message, secret);
        f.fix = scrub_secret(&f.fix, secret);
    }
    Findings(all)
}

fn check_settings(p: &Profile) -> Vec<ProfileFinding> {
    use Severity::{Error, Warning};
    let s = &p.sync;
    let mut out = Vec::new();
    let mut error = |setting, code, message| {
        out.push(ProfileFinding::setting(setting, Error, code, message));
    };

    if p.redirect_port == 0 {
        error(
            Setting::RedirectPort,
            "settings.redirect_port_invalid",
            "The redirect port is 0; the redirect URI needs a fixed port.".to_owned(),
        );
    }
    if !(1..=1000).contains(&s.page_size) {
        error(
            Setting::PageSize,
            "settings.page_size_out_of_range",
            format!(
                "The page size is {}; Workday returns 1 to 1000 activity rows per page.",
                s.page_size
            ),
        );
    }
    if s.backfill_days > 30 {
        error(
            Setting::BackfillDays,
            "settings.backfill_days_out_of_range",
            format!(
                "The backfill is {} days; at most 30 days are read back.",
                s.backfill_days
            ),
        );
    }
    if s.poll_interval_secs < 60 {
        error(
            Setting::PollInterval,
            "settings.poll_interval_too_short",
            format!(
                "The poll interval is {} s; polling more often than once a minute loads the tenant.",
                s.poll_interval_secs
            ),
        );
    }
    if s.publish_lag_secs > 3600 {
        error(
            Setting::PublishLag,
            "settings.publish_lag_out_of_range",
            format!(
                "The publishing lag is {} s; at most 3600 s (one hour) is allowed.",
                s.publish_lag_secs
            ),
        );
    }
    // Written so that NaN fails too.
    if !(s.rate_limit_per_sec > 0.0 && s.rate_limit_per_sec <= 50.0) {
        error(
            Setting::RateLimit,
            "settings.rate_limit_out_of_range",
            format!(
                "The rate limit is {} requests per second; it must be above 0 and at most 50.",
                s.rate_limit_per_sec
            ),
        );
    }
    // Works where the user may bind it, but on unix a port below 1024 needs privileges.
    if (1..1024).contains(&p.redirect_port) {
        out.push(ProfileFinding::setting(
            Setting::RedirectPort,
            Warning,
            "settings.redirect_port_privileged",
            format!(
                "The redirect port {} is below 1024; on Linux and macOS the app may not be \
                 allowed to listen on it.",
                p.redirect_port
            ),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Errors.

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{} cannot be read: {source}", path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    #[error("{} is not a valid connections file: {detail}", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("{} has version {found}; this version of the app reads version {CONFIG_VERSION}", path.display())]
    UnsupportedVersion { path: PathBuf, found: u64 },
    #[error("{} could not be written: {source}", path.display())]
    WriteFailed { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Home(#[from] HomeError),
}

impl ConfigError {
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::Unreadable { .. } => "config.unreadable",
            ConfigError::Corrupt { .. } => "config.corrupt",
            ConfigError::UnsupportedVersion { .. } => "config.unsupported_version",
            ConfigError::WriteFailed { .. } => "config.write_failed",
            ConfigError::Home(e) => e.code(),
        }
    }
}

impl Diagnose for ConfigError {
    fn problem(&self) -> Problem {
        let code = self.code();
        match self {
            ConfigError::Unreadable { path, source } => Problem::new(
                code,
                format!(
                    "The connections file {} cannot be read: {source}.",
                    path.display()
                ),
                format!(
                    "Make {} readable and writable for your user (or point --home elsewhere); it \
                     was left untouched.",
                    path.display()
                ),
            ),
            ConfigError::Corrupt { path, detail } => Problem::new(
                code,
                format!(
                    "The connections file {} is damaged: {detail}.",
                    path.display()
                ),
                format!(
                    "Repair {} in a text editor, or move it aside to start with no connections; \
                     the app left it untouched.",
                    path.display()
                ),
            ),
            ConfigError::UnsupportedVersion { path, found } => Problem::new(
                code,
                format!(
                    "The connections file {} was written by a newer version of the app (file \
                     version {found}, this app reads {CONFIG_VERSION}).",
                    path.display()
                ),
                "Update Workday Connector to the latest version; the file was left untouched.",
            ),
            ConfigError::WriteFailed { path, source } => Problem::new(
                code,
                format!(
                    "The connections file {} could not be saved: {source}.",
                    path.display()
                ),
                format!(
                    "Make the folder {} writable, check the disk has space and close any program \
                     that holds the file open (Windows cannot replace it then); the previous file \
                     is unchanged.",
                    path.parent().unwrap_or(path).display()
                ),
            ),
            ConfigError::Home(e) => e.problem(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("the connection name is empty")]
    NameEmpty,
    #[error("the connection name is not allowed: {reason}")]
    NameInvalid { reason: String },
    #[error("a connection named {existing:?} already exists")]
    DuplicateName { existing: String },
    #[error("no connection named {name:?}")]
    NotFound { name: String },
    /// The profile failed [`check_profile`]; every finding is kept for the fronts to show.
    #[error("the connection's values do not pass the checks ({})", findings.first().map_or("", |f| f.code))]
    Invalid { findings: Vec<ProfileFinding> },
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl ProfileError {
    pub fn code(&self) -> &'static str {
        match self {
            ProfileError::NameEmpty => "profile.name_empty",
            ProfileError::NameInvalid { .. } => "profile.name_invalid",
            ProfileError::DuplicateName { .. } => "profile.duplicate_name",
            ProfileError::NotFound { .. } => "profile.not_found",
            ProfileError::Invalid { findings } => {
                first_error(findings).map_or("profile.invalid", |f| f.code)
            }
            ProfileError::Config(e) => e.code(),
        }
    }
}

fn first_error(findings: &[ProfileFinding]) -> Option<&ProfileFinding> {
    findings.iter().find(|f| f.is_error())
}

impl Diagnose for ProfileError {
    /// Everything but the connections file itself is what the person typed or named.
    fn is_input(&self) -> bool {
        !matches!(self, ProfileError::Config(_))
    }

    fn problem(&self) -> Problem {
        let code = self.code();
        match self {
            ProfileError::NameEmpty => Problem::new(
                code,
                "The connection name is empty.",
                format!(
                    "Fill in the {}: {}.",
                    Setting::Name.label(),
                    range_text(Setting::Name)
                ),
            ),
            ProfileError::NameInvalid { reason } => Problem::new(
                code,
                format!("The connection name is not allowed: {reason}."),
                format!(
                    "Change the {} to {}.",
                    Setting::Name.label(),
                    range_text(Setting::Name)
                ),
            ),
            ProfileError::DuplicateName { existing } => Problem::new(
                code,
                format!(
                    "A connection named \"{existing}\" already exists (names ignore letter case)."
                ),
                "Choose another name, or change or remove the existing connection.",
            ),
            ProfileError::NotFound { name } => Problem::new(
                code,
                format!("There is no connection named \"{name}\"."),
                "Pick a connection from the app's Connections screen or `wdconnect list`, or add \
                 one (Add a connection, or `wdconnect add`).",
            ),
            ProfileError::Invalid { findings } => match first_error(findings) {
                // The first refusal speaks for the whole; `findings` carries the rest.
                Some(f) => Problem::new(f.code, f.message.clone(), f.fix.clone()),
                None => Problem::new(
                    code,
                    "The connection's values do not pass the checks.",
                    "Correct the values marked as errors.",
                ),
            },
            ProfileError::Config(e) => e.problem(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The file.

/// The file's shape on disk.
#[derive(Serialize)]
struct ConfigFileOut<'a> {
    version: u32,
    connections: &'a [Profile],
}

/// Serialises the read-modify-write cycles of this process; other processes (the CLI beside the
/// desktop app) are kept out by an OS lock on a lock file next to the config.
static WRITE_LOCK: Mutex<()> = Mutex::new(());

/// The connection profiles in `Home::config_file()` (`{"version": 1, "connections": [...]}`).
///
/// Every change is a read-modify-write under a lock, written atomically (a temp file in the same
/// directory, fsync, rename; mode 600 on unix). A file that cannot be read or understood is an
/// error and is never overwritten. Calls do blocking file I/O: async callers with many of them
/// should use `spawn_blocking`.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    path: PathBuf,
}

impl ProfileStore {
    /// A store on `path`, normally `Home::config_file()`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The store of a home: its `connections.json`.
    pub fn for_home(home: &Home) -> Self {
        Self::new(home.config_file())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every profile, in the order they were added. A missing file is no profiles.
    pub fn load(&self) -> Result<Vec<Profile>, ConfigError> {
        let text = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(ConfigError::Unreadable {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        self.parse(&text)
    }

    fn parse(&self, bytes: &[u8]) -> Result<Vec<Profile>, ConfigError> {
        // serde's messages are one line today; a Problem's message must stay one line.
        let corrupt = |detail: String| ConfigError::Corrupt {
            path: self.path.clone(),
            detail: detail.split_whitespace().collect::<Vec<_>>().join(" "),
        };
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| corrupt(format!("invalid JSON ({e})")))?;
        let serde_json::Value::Object(mut top) = value else {
            return Err(corrupt("the top level is not a JSON object".to_owned()));
        };
        // The version first: a newer file may have any shape, and must not be called corrupt.
        let version = match top.get("version") {
            Some(v) => v
                .as_u64()
                .ok_or_else(|| corrupt("\"version\" is not a whole number".to_owned()))?,
            None => return Err(corrupt("\"version\" is missing".to_owned())),
        };
        if version > u64::from(CONFIG_VERSION) {
            return Err(ConfigError::UnsupportedVersion {
                path: self.path.clone(),
                found: version,
            });
        }
        if version < 1 {
            return Err(corrupt(format!("version {version} does not exist")));
        }
        let connections = top
            .remove("connections")
            .ok_or_else(|| corrupt("\"connections\" is missing".to_owned()))?;
        let mut profiles: Vec<Profile> = serde_json::from_value(connections)
            .map_err(|e| corrupt(format!("\"connections\" does not hold connections ({e})")))?;
        for p in &mut profiles {
            p.simulated |= crate::sandbox::is_legacy_sandbox(p);
        }
        Ok(profiles)
    }

    /// The profile called `name` (letter case ignored, as for duplicates).
    pub fn get(&self, name: &str) -> Result<Profile, ProfileError> {
        let profiles = self.load()?;
        let at = find(&profiles, name)?;
        Ok(profiles[at].clone())
    }

    /// Adds a profile after normalising and checking it; returns it as stored.
    pub fn add(&self, mut profile: Profile) -> Result<Profile, ProfileError> {
        profile.normalise();
        refuse_invalid(&profile)?;
        self.modify(|profiles| {
            if let Some(existing) = profiles.iter().find(|p| same_name(&p.name, &profile.name)) {
                return Err(ProfileError::DuplicateName {
                    existing: existing.name.clone(),
                });
            }
            profiles.push(profile.clone());
            Ok(profile)
        })
    }

    /// Changes the profile called `name` with `change` (which may rename it); the result is
    /// normalised and checked before anything is written. Returns the profile as stored.
    /// A rename does not move the connection's keyring entries: the caller does that.
    pub fn update(
        &self,
        name: &str,
        change: impl FnOnce(&mut Profile),
    ) -> Result<Profile, ProfileError> {
        self.modify(|profiles| {
            let at = find(profiles, name)?;
            let mut profile = profiles[at].clone();
            change(&mut profile);
            profile.normalise();
            refuse_invalid(&profile)?;
            if let Some(other) = profiles
                .iter()
                .enumerate()
                .find(|(i, p)| *i != at && same_name(&p.name, &profile.name))
            {
                return Err(ProfileError::DuplicateName {
                    existing: other.1.name.clone(),
                });
            }
            profiles[at] = profile.clone();
            Ok(profile)
        })
    }

    /// Removes the profile called `name` and returns it. Its secrets stay in the keyring: the
    /// caller removes them with `SecretStore::delete_all`.
    pub fn remove(&self, name: &str) -> Result<Profile, ProfileError> {
        self.modify(|profiles| {
            let at = find(profiles, name)?;
            Ok(profiles.remove(at))
        })
    }

    /// One read-modify-write: nothing is written unless `change` succeeds on a file that was read
    /// and understood.
    fn modify<T>(
        &self,
        change: impl FnOnce(&mut Vec<Profile>) -> Result<T, ProfileError>,
    ) -> Result<T, ProfileError> {
        let _in_process = WRITE_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = self.dir();
        paths::create_private_dir(&dir).map_err(ConfigError::from)?;
        let _across_processes = self.lock_file(&dir)?;
        let mut profiles = self.load()?;
        let out = change(&mut profiles)?;
        self.write(&dir, &profiles)?;
        Ok(out)
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        }
    }

    /// An exclusive OS lock on `connections.json.lock`, released when the file is dropped.
    fn lock_file(&self, dir: &Path) -> Result<std::fs::File, ConfigError> {
        let mut name = self.path.file_name().unwrap_or_default().to_owned();
        name.push(".lock");
        let path = dir.join(name);
        let write_failed = |source| ConfigError::WriteFailed {
            path: path.clone(),
            source,
        };
        let file = paths::open_private_lock_file(&path).map_err(write_failed)?;
        file.lock().map_err(write_failed)?;
        Ok(file)
    }

    fn write(&self, dir: &Path, profiles: &[Profile]) -> Result<(), ConfigError> {
        let write_failed = |source| ConfigError::WriteFailed {
            path: self.path.clone(),
            source,
        };
        let mut json = serde_json::to_vec_pretty(&ConfigFileOut {
            version: CONFIG_VERSION,
            connections: profiles,
        })
        .map_err(|e| write_failed(io::Error::other(e)))?;
        json.push(b'\n');

        // Same directory, so the rename cannot cross file systems and is atomic.
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(write_failed)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(write_failed)?;
        }
        tmp.write_all(&json).map_err(write_failed)?;
        tmp.as_file().sync_all().map_err(write_failed)?;
        tmp.persist(&self.path).map_err(|e| write_failed(e.error))?;
        // The rename itself is durable only once the directory is synced (unix; Windows has no
        // directory handles to sync).
        #[cfg(unix)]
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(write_failed)?;
        Ok(())
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn find(profiles: &[Profile], name: &str) -> Result<usize, ProfileError> {
    profiles
        .iter()
        .position(|p| same_name(&p.name, name))
        .ok_or_else(|| ProfileError::NotFound {
            name: name.trim().to_owned(),
        })
}

/// The name's own error when the name is wrong (its code is what callers match on), else every
/// finding of [`findings`] when one of them is an error.
fn refuse_invalid(profile: &Profile) -> Result<(), ProfileError> {
    validate_name(&profile.name)?;
    let findings = findings(profile, None);
    if findings.has_errors() {
        Err(ProfileError::Invalid {
            findings: findings.into_vec(),
        })
    } else {
        Ok(())
    }
}
