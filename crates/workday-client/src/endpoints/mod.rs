//! Checks the five values an admin copies from Workday's "View API Clients" page (Client ID, Client
//! Secret and the three endpoint URLs), field by field as typed and across fields, and reads those
//! values out of a pasted copy of the page. Pure functions: no I/O.
//!
//! URLs are taken verbatim as pasted (only surrounding whitespace and one trailing slash are
//! forgiven) and never rebuilt from parts: Workday hands out the exact URLs, and a rebuilt one hides
//! the admin's typo instead of pointing at it.

//!
//! One file a job: `urls` checks the three endpoint URLs, `credentials` the Client ID and secret,
//! `paste` reads a paste; this file holds the types they share and the fix texts.

use std::fmt;

use serde::Serialize;
use url::Url;

mod credentials;
mod paste;
#[cfg(test)]
mod tests;
mod urls;

pub use credentials::{check_client_id, check_client_secret, scrub_secret};
pub use paste::{PastedValues, parse_view_api_clients};
pub use urls::{
    check_all, check_authorization_endpoint, check_rest_endpoint, check_token_endpoint,
};

/// One of the five values, named as Workday labels it on "View API Clients".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Field {
    ClientId,
    ClientSecret,
    RestApi,
    Token,
    Authorization,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::ClientId,
        Field::ClientSecret,
        Field::RestApi,
        Field::Token,
        Field::Authorization,
    ];

    /// The label exactly as Workday shows it, so the admin can find the field.
    pub fn label(self) -> &'static str {
        match self {
            Field::ClientId => "Client ID",
            Field::ClientSecret => "Client Secret",
            Field::RestApi => "Workday REST API Endpoint",
            Field::Token => "Token Endpoint",
            Field::Authorization => "Authorization Endpoint",
        }
    }

    /// The shape Workday gives this value, for fixes that say what it should look like.
    fn shape(self) -> &'static str {
        match self {
            Field::ClientId | Field::ClientSecret => "an opaque string",
            Field::RestApi => "https://{services-host}/ccx/api/v1/{tenant}",
            Field::Token => "https://{services-host}/ccx/oauth2/{tenant}/token",
            Field::Authorization => "https://{website-host}/{tenant}/authorize",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Severity {
    /// The value cannot work: it is refused.
    Error,
    /// The value may work but deserves a second look.
    Warning,
}

/// One verdict about one field, in the shape of the app's error model (`design.md`, "One error
/// model"). Never contains a client ID or secret: messages name parts of URLs (host, tenant) only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub field: Field,
    pub severity: Severity,
    /// Stable and dotted, e.g. `endpoint.tenant_mismatch`: fronts and tests match on it.
    pub code: &'static str,
    /// One line, naming the field by its Workday label.
    pub message: String,
    /// What to change where: the Workday task, the field.
    pub fix: String,
}

impl Finding {
    fn error(field: Field, code: &'static str, message: String, fix: String) -> Self {
        Self {
            field,
            severity: Severity::Error,
            code,
            message,
            fix,
        }
    }

    fn warning(field: Field, code: &'static str, message: String, fix: String) -> Self {
        Self {
            field,
            severity: Severity::Warning,
            code,
            message,
            fix,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]\n  fix: {}", self.message, self.code, self.fix)
    }
}

/// The verdict on one field as typed: what the wizard shows beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldCheck {
    pub field: Field,
    pub findings: Vec<Finding>,
}

impl FieldCheck {
    /// True when nothing is refused (warnings may remain).
    pub fn is_ok(&self) -> bool {
        !self.findings.iter().any(Finding::is_error)
    }

    pub fn codes(&self) -> Vec<&'static str> {
        self.findings.iter().map(|f| f.code).collect()
    }
}

/// A value that passed every check, with the warnings that remain to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked<T> {
    pub value: T,
    pub warnings: Vec<Finding>,
}

/// The three endpoint URLs, checked and consistent with each other.
///
/// Built by [`check_all`]; the derived URLs below rely on `rest_api` having the checked shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub rest_api: Url,
    pub token: Url,
    pub authorization: Url,
    pub tenant: String,
    /// Scheme, host and port shared by the REST and token URLs, e.g.
    /// `https://wd2-impl-services1.workday.com`.
    pub services_origin: String,
}

impl Endpoints {
    /// The activity log URL: the REST endpoint with `/api/v1/` replaced by `/api/privacy/v1/`,
    /// plus `/activityLogging` (derived from the pasted URL, so a custom host or port carries over).
    pub fn activity_logging(&self) -> Url {
        let mut url = self.rest_api.clone();
        let path = self
            .rest_api
            .path()
            .replacen("/api/v1/", "/api/privacy/v1/", 1);
        url.set_path(&format!("{}/activityLogging", path.trim_end_matches('/')));
        url
    }

    /// `{REST endpoint}/workers`, the users collection the connection test reads.
    pub fn workers(&self) -> Url {
        let mut url = self.rest_api.clone();
        url.set_path(&format!(
            "{}/workers",
            self.rest_api.path().trim_end_matches('/')
        ));
        url
    }
}

/// The one trailing-slash rule: a single trailing slash is a copy artefact and is forgiven, but
/// not the slash of `://` nor the second of a doubled slash (those are checked, not hidden).
pub fn without_trailing_slash(text: &str) -> &str {
    match text.strip_suffix('/') {
        Some(rest) if !rest.ends_with('/') => rest,
        _ => text,
    }
}

fn field_check(field: Field, findings: Vec<Finding>) -> FieldCheck {
    FieldCheck { field, findings }
}

// ---------------------------------------------------------------------------------------------
// Fix texts. Each names the Workday task and the field label, so the admin knows where to look.

fn copy_again(field: Field) -> String {
    format!(
        "In Workday, open the task View API Clients and copy the {} value again; it looks like {}.",
        field.label(),
        field.shape()
    )
}

fn paste_other_field(field: Field, belongs: Field) -> String {
    format!(
        "Move this URL to the {} field, then copy the {} value from the task View API Clients; it \
         looks like {}.",
        belongs.label(),
        field.label(),
        field.shape()
    )
}
