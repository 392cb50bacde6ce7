//! Tenant switches (how this simulated Workday tenant is configured) and faults (transient trouble
//! injected into the services host). Both are runtime-changeable through the handle and control API.

use serde::{Deserialize, Serialize};

/// Which client authentication the token endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMode {
    /// HTTP Basic or `client_id`/`client_secret` in the form body (both are seen working in
    /// production collectors).
    #[default]
    Any,
    /// Only `Authorization: Basic base64(client_id:client_secret)`.
    Basic,
    /// Only `client_id` and `client_secret` in the form body.
    Body,
}

/// How the token endpoint reports access-token expiry ("Enforce 60 Minute Access Token Expiry").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TokenExpiry {
    /// `expires_in` = `access_token_lifetime_secs`, and the token dies then.
    #[default]
    Enforced,
    /// `expires_in: -1`; the token lives 4 hours ("several hours", unverified exact figure).
    MinusOne,
    /// No `expires_in` field at all; the token lives 4 hours.
    Missing,
}

/// How the activity log applies its offset cap (about 10,000 rows per window: the exact Workday
/// behaviour at the cap is **unverified**, so both plausible readings are offered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OffsetCapMode {
    /// `total` is reported as `min(n, cap)`; rows past the cap are unreachable; any request with
    /// `offset >= cap` answers 400. A client sees `total == cap` and must split the window.
    #[default]
    CapTotal,
    /// `total` is the true `n`, but rows past the cap are still unreachable and `offset >= cap`
    /// answers 400.
    ExactTotal,
    /// `total` is the true `n`; a request with `offset >= cap` answers 200 with an empty page
    /// (what the Splunk add-on's paging expects; unverified).
    EmptyPage,
}

/// The tenant's configuration as Workday would have it: API client registration, tenant setup,
/// the consenting account's security, and activity-log publishing behaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Switches {
    /// false: the redirect URI must equal the registered one character for character.
    /// true: loopback URIs match ignoring the port (RFC 8252 style; unverified for Workday).
    pub ignore_redirect_port: bool,
    /// true ("Support Proof Key for Code Exchange" ticked): authorize requires `code_challenge`
    /// with method `S256` (`plain` refused) and the token endpoint verifies `code_verifier`.
    /// false (Workday's default, and Sentinel's flow sends none): PKCE is optional; a challenge
    /// that is sent is still checked the same way.
    pub pkce: bool,
    /// Which client authentication method(s) the token endpoint accepts.
    pub client_auth: ClientAuthMode,
    /// Lifetime of an authorization code, in seconds. Codes are single-use either way.
    pub code_lifetime_secs: u64,
    /// How `expires_in` is reported and how long access tokens live.
    pub token_expiry: TokenExpiry,
    /// Access-token lifetime when `token_expiry` is `enforced` (Workday: 3600; tests shorten it).
    pub access_token_lifetime_secs: u64,
    /// false: a refresh answers no new refresh token (the old one keeps working).
    /// true: a refresh answers a new refresh token and the old one stops working (unverified).
    pub rotate_refresh_tokens: bool,
    /// true: the tenant signs in through SAML SSO; an authorize request without `redirect=n`
    /// lands on an identity-provider page that never comes back.
    pub sso: bool,
    /// "OAuth 2.0 Clients Enabled" in Edit Tenant Setup - Security. false: the token endpoint
    /// answers 401 invalid_client to everything.
    pub oauth_clients_enabled: bool,
    /// "Enable User Activity Logging" in Edit Tenant Setup - System. false: the activity log
    /// answers empty (`total` 0) and the client's own calls are not logged.
    pub activity_logging_enabled: bool,
    /// The API client's functional area Staffing (needed by `/workers`).
    pub scope_staffing: bool,
    /// The API client's functional area System (needed by `/activityLogging`).
    pub scope_system: bool,
    /// The consenting account holds domain "Worker Data: Public Worker Reports" (`/workers`).
    pub perm_worker_reports: bool,
    /// The consenting account holds domain "System Auditing" (`/activityLogging`).
    pub perm_system_auditing: bool,
    /// REST requests per second the services host takes before it answers 429 with
    /// `Retry-After: 1` (0: no limit): a request is refused when this many REST requests already
    /// arrived (see `RequestRecord::arrived`) in the second before it. Workday publishes no figure.
    pub rate_limit_per_sec: u32,
    /// The consenting account is locked or disabled: code exchange and refresh answer 400
    /// invalid_grant, the consent page shows an error, and its access tokens stop working
    /// (the last point is unverified).
    pub account_locked: bool,
    /// Each event becomes visible only at its requestTime plus a per-event deterministic lag
    /// between max/2 and max seconds (0: visible at once). Workday: "a minute's count settles about 30 s after
    /// it ends".
    pub publish_lag_max_secs: u64,
    /// Rows reachable through offset paging in one (from, to) window (Workday: about 10,000).
    pub offset_cap: u64,
    /// How the cap shows in `total`.
    pub offset_cap_mode: OffsetCapMode,
    /// true: each authenticated REST call becomes an event in the log itself, in the shape a
    /// real tenant gives it: task `{area}/{path} ({METHOD}) (v1 -  )` (for example
    /// `privacy/activityLogging/userActivity (GET) (v1 -  )`), `deviceType` `Desktop`, a
    /// browser-like `userAgent`, `systemAccount` the consenting account, `activityAction` `READ`,
    /// visible after the publishing lag. The area of `/ccx/api/v1/...` calls (`common`) is
    /// unverified.
    pub log_own_calls: bool,
    /// true: rows within a page come in no particular order (no document promises one).
    /// false: rows come ascending by requestTime, as in every real capture.
    pub shuffle_pages: bool,
    /// true: about one event in a thousand comes without `requestTime` (every field is optional
    /// on paper; no real row seen lacks it).
    pub missing_request_times: bool,
    /// true: worker `target` objects carry an `href` (real ones carry only `id` and
    /// `descriptor`).
    pub target_href: bool,
    /// true: `from`/`to` must be whole seconds and `returnUserActivityEntryCount` exactly `true`
    /// or `false`. false: fractions of a second (`.000Z`, `.123456Z`) and any case
    /// (`False`) are accepted, as shipped collectors send them in production.
    pub strict_params: bool,
    /// false: a wrong tenant in the token URL answers 503 like every other wrong tenant.
    /// true: it answers `400 invalid_request`, as one collector's notes report (unverified).
    pub wrong_tenant_token_invalid_request: bool,
}

impl Default for Switches {
    fn default() -> Self {
        Switches {
            ignore_redirect_port: false,
            pkce: false,
            client_auth: ClientAuthMode::Any,
            code_lifetime_secs: 120,
            token_expiry: TokenExpiry::Enforced,
            access_token_lifetime_secs: 3600,
            rotate_refresh_tokens: false,
            sso: false,
            oauth_clients_enabled: true,
            activity_logging_enabled: true,
            scope_staffing: true,
            scope_system: true,
            perm_worker_reports: true,
            perm_system_auditing: true,
            account_locked: false,
            rate_limit_per_sec: 0,
            publish_lag_max_secs: 30,
            offset_cap: 10_000,
            offset_cap_mode: OffsetCapMode::CapTotal,
            log_own_calls: true,
            shuffle_pages: false,
            missing_request_times: false,
            target_href: false,
            strict_params: false,
            wrong_tenant_token_invalid_request: false,
        }
    }
}

/// Which services requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FaultScope {
    /// Every services request.
    #[default]
    All,
    /// Only the token endpoint.
    Token,
    /// Only REST calls (`/ccx/api/...`).
    Rest,
}

impl FaultScope {
    pub(crate) fn matches(self, class: PathClass) -> bool {
        match self {
            FaultScope::All => true,
            FaultScope::Token => class == PathClass::Token,
            FaultScope::Rest => class == PathClass::Rest,
        }
    }
}

/// What part of the services host a request went to (for fault scoping).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathClass {
    Token,
    Rest,
    Other,
}

/// A status storm: the next `remaining` matching services requests answer `status` instead of
/// being served. Counting ("next N") was chosen over probabilities so tests are exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Storm {
    /// The status to answer: 429 carries `Retry-After`, others Workday's `{"error": ...}` body.
    pub status: u16,
    /// How many more requests get it (counts down to 0).
    pub remaining: u32,
    /// `Retry-After` seconds sent with 429.
    pub retry_after_secs: u64,
    /// Which requests it hits.
    pub scope: FaultScope,
}

impl Default for Storm {
    fn default() -> Self {
        Storm {
            status: 429,
            remaining: 0,
            retry_after_secs: 1,
            scope: FaultScope::All,
        }
    }
}

/// Transient trouble on the services host (Workday itself has no such switch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added before every services answer, in milliseconds.
    pub latency_ms: u64,
    /// A status storm, if any.
    pub storm: Option<Storm>,
    /// The next N matching services requests are read and then their connection is closed with
    /// no answer at all (counts down to 0).
    pub drop_next: u32,
    /// Which requests `drop_next` hits.
    pub drop_scope: FaultScope,
    /// true: each activity page after the first starts one row early and holds as many rows as
    /// it should, as when the tenant moves rows between pages during a read: the row before
    /// the first page boundary comes twice and the window's last row never; `total` unchanged.
    pub shift_rows: bool,
    /// true: each activity page after the first holds one row fewer than it should (a page of
    /// one row comes empty), as a tenant that answers short or empty pages before the end;
    /// `total` unchanged.
    pub short_pages: bool,
}
