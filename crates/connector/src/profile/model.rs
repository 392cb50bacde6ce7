//! What a connection is: Workday's five values and the app's settings for it, and the findings
//! its checks return (one type for errors and warnings). Secrets never live here: they are in
//! the OS credential store (`crate::secrets`).

use std::fmt;

use serde::{Deserialize, Serialize};
use workday_client::endpoints::{self, Field, Finding, Severity};

#[cfg(doc)]
use super::{ProfileStore, check_profile};
use crate::loopback::{self, RedirectHost};
use crate::problem::{Diagnose, Problem};

/// The version of `connections.json` this build writes and reads.
pub const CONFIG_VERSION: u32 = 1;

/// The longest profile name: it appears in the tray menu and in keyring entry names.
pub const NAME_MAX_CHARS: usize = 64;

/// The name of the connection that points at the sandbox tenant. Reserved for it in any letter
/// case: a real connection cannot take it.
pub const SANDBOX_CONNECTION: &str = "sandbox";

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
    /// Days of activity kept in the store; older events (and alerts) are deleted after each
    /// sync. 0 keeps everything.
    pub retention_days: u32,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            poll_interval_secs: 300,
            backfill_days: 7,
            publish_lag_secs: 120,
            page_size: 1000,
            rate_limit_per_sec: 10.0,
            retention_days: 90,
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
    /// before this field are read by the legacy-sandbox rule of [`ProfileStore::load`].
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
    RetentionDays,
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
            Setting::RetentionDays => "Keep events for",
        }
    }
}

/// What a setting accepts, as the fixes say it.
pub(super) fn range_text(setting: Setting) -> &'static str {
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
        Setting::RetentionDays => {
            "0 (keep everything) or a number of days at least the backfill (the default is 90)"
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

    pub(super) fn setting(
        setting: Setting,
        severity: Severity,
        code: &'static str,
        message: String,
    ) -> Self {
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

/// Every finding about a connection's values, errors and warnings alike, in the order the fields
/// appear. Serialises as the bare list the wizard shows beside its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Findings(pub(super) Vec<ProfileFinding>);

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
