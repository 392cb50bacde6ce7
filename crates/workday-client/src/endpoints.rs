//! Checks the five values an admin copies from Workday's "View API Clients" page (Client ID, Client
//! Secret and the three endpoint URLs), field by field as typed and across fields, and reads those
//! values out of a pasted copy of the page. Pure functions: no I/O.
//!
//! URLs are taken verbatim as pasted (only surrounding whitespace and one trailing slash are
//! forgiven) and never rebuilt from parts: Workday hands out the exact URLs, and a rebuilt one hides
//! the admin's typo instead of pointing at it.

use std::fmt;

use serde::Serialize;
use url::{Host, Url};

/// One of the five values, named as Workday labels it on "View API Clients".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
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

/// All five values checked together, trimmed. Debug never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct CheckedValues {
    pub client_id: String,
    pub client_secret: String,
    pub endpoints: Endpoints,
}

impl fmt::Debug for CheckedValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckedValues")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

/// The five values as typed, for [`check_values`]. Debug never prints the secret.
#[derive(Clone, Copy, Default)]
pub struct EnteredValues<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub rest_api: &'a str,
    pub token: &'a str,
    pub authorization: &'a str,
}

impl fmt::Debug for EnteredValues<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnteredValues")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("rest_api", &self.rest_api)
            .field("token", &self.token)
            .field("authorization", &self.authorization)
            .finish()
    }
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

// ---------------------------------------------------------------------------------------------
// URL fields.

/// What a URL path looks like, typos included. Shared by the field checks and the paste parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape<'a> {
    Rest(&'a str),
    RestV2(&'a str),
    RestExtra(&'a str),
    RestNoTenant,
    Activity(&'a str),
    Token(&'a str),
    TokenOauthTypo(&'a str),
    Authorize(&'a str),
    Other,
}

fn classify(path: &str) -> Shape<'_> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let activity = |s: &str| s.eq_ignore_ascii_case("activityLogging");
    match segments.as_slice() {
        ["ccx", "api", "privacy", _, t, ..] if !t.is_empty() => Shape::Activity(t),
        ["ccx", "api", _, t, last] if !t.is_empty() && activity(last) => Shape::Activity(t),
        ["ccx", "api", "v1", t] if !t.is_empty() => Shape::Rest(t),
        ["ccx", "api", "v2", t] if !t.is_empty() => Shape::RestV2(t),
        ["ccx", "api", "v1", t, ..] if !t.is_empty() => Shape::RestExtra(t),
        ["ccx", "api", "v1"] => Shape::RestNoTenant,
        ["ccx", "oauth2", t, "token"] if !t.is_empty() => Shape::Token(t),
        ["ccx", "oauth", t, "token"] if !t.is_empty() => Shape::TokenOauthTypo(t),
        [t, "authorize"] if !t.is_empty() && *t != "ccx" => Shape::Authorize(t),
        _ => Shape::Other,
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn looks_like_workday(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    ["workday.com", "myworkday.com"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// A URL field's parse: the URL and tenant when recognisable (even beside errors, so cross-field
/// checks can still say more), and the findings.
struct UrlField {
    url: Option<Url>,
    tenant: Option<String>,
    findings: Vec<Finding>,
}

fn check_url(field: Field, input: &str) -> UrlField {
    let label = field.label();
    let mut out = UrlField {
        url: None,
        tenant: None,
        findings: Vec::new(),
    };
    let err = |code, message: String, fix: String| Finding::error(field, code, message, fix);

    let trimmed = input.trim();
    if trimmed.is_empty() {
        out.findings.push(err(
            "endpoint.empty",
            format!("The {label} is empty."),
            copy_again(field),
        ));
        return out;
    }
    // One trailing slash is a common copy artefact; more than one is checked below.
    // (Not when that slash belongs to `://` or to a doubled slash.)
    let text = match trimmed.strip_suffix('/') {
        Some(rest) if !rest.ends_with('/') => rest,
        _ => trimmed,
    };

    // The URL parser silently drops tabs and line breaks and turns `\` into `/`: refuse them here
    // so that what is stored is what the admin sees.
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        out.findings.push(err(
            "endpoint.contains_whitespace",
            format!("The {label} contains spaces or line breaks inside it."),
            format!(
                "Paste only the URL, without its label or other text. {}",
                copy_again(field)
            ),
        ));
        return out;
    }
    let has_scheme = text.split_once("://").is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if !has_scheme {
        out.findings.push(err(
            "endpoint.missing_scheme",
            format!("The {label} does not start with https://."),
            format!(
                "Paste the whole URL, including https://. {}",
                copy_again(field)
            ),
        ));
        return out;
    }
    let url = match Url::parse(text) {
        Ok(url) if !text.contains('\\') && url.host_str().is_some_and(|h| !h.is_empty()) => url,
        _ => {
            out.findings.push(err(
                "endpoint.not_a_url",
                format!("The {label} is not a valid URL."),
                copy_again(field),
            ));
            return out;
        }
    };

    let loopback = is_loopback(&url);
    match url.scheme() {
        "https" => {}
        // The sandbox tenant speaks plain http on 127.0.0.1; nothing else may.
        "http" if loopback => {}
        _ => out.findings.push(err(
            "endpoint.not_https",
            format!("The {label} must start with https:// (plain http only works on this computer's loopback address)."),
            format!("Change the start of the {label} to https://, as shown in the task View API Clients."),
        )),
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo the user info: it may hold a password or the client secret.
        out.findings.push(err(
            "endpoint.has_userinfo",
            format!("The {label} contains a user name or password before the host (user@host)."),
            format!(
                "Remove everything between https:// and @ from the {label}; credentials go in the \
                 Client ID and Client Secret fields."
            ),
        ));
    }
    if url.query().is_some() {
        out.findings.push(err(
            "endpoint.has_query",
            format!("The {label} contains a query (a part starting with ?)."),
            format!(
                "Remove the ? and everything after it from the {label}; the app adds the \
                 parameters it needs."
            ),
        ));
    }
    if url.fragment().is_some() {
        out.findings.push(err(
            "endpoint.has_fragment",
            format!("The {label} contains a fragment (a part starting with #)."),
            format!("Remove the # and everything after it from the {label}."),
        ));
    }

    if url.path().contains("//") {
        out.findings.push(err(
            "endpoint.extra_slashes",
            format!("The {label} contains an empty path segment (two slashes in a row)."),
            format!(
                "Remove the doubled slash from the {label}. {}",
                copy_again(field)
            ),
        ));
    } else {
        let (tenant, finding) = check_path(field, url.path());
        out.tenant = tenant.map(str::to_owned);
        out.findings.extend(finding);
    }

    // Warnings: the URL can work but something about it deserves a second look.
    let host = url.host_str().unwrap_or_default().to_owned();
    let warn = |code, message: String, fix: String| Finding::warning(field, code, message, fix);
    if !loopback && !looks_like_workday(&host) {
        out.findings.push(warn(
            "endpoint.host_not_workday",
            format!("The {label} is on {host}, which does not look like a Workday host (*.workday.com or *.myworkday.com)."),
            format!("Check the host of the {label} against the task View API Clients."),
        ));
    }
    // `impl` as a host part (`impl.workday.com`, `wd2-impl-services1`), not inside a word.
    let impl_host = host
        .to_ascii_lowercase()
        .split(['.', '-'])
        .any(|part| part.starts_with("impl"));
    if impl_host {
        out.findings.push(warn(
            "endpoint.sandbox_tenant_refresh",
            format!(
                "The {label} points at an implementation (impl) tenant: Workday refreshes these \
                 sandbox tenants weekly, which breaks this connection."
            ),
            "Expect to register the API client and reconnect after each weekly refresh, or use \
             the production tenant's values from the task View API Clients for a lasting \
             connection."
                .to_owned(),
        ));
    }
    if field == Field::Authorization && host.to_ascii_lowercase().contains("-services") {
        out.findings.push(warn(
            "endpoint.authorization_on_services_host",
            format!(
                "The {label} is on the services host {host}; it normally lives on the website \
                 host (like impl.workday.com or wd5.myworkday.com)."
            ),
            format!(
                "Copy the {label} from the task View API Clients rather than adapting the Token \
                 Endpoint."
            ),
        ));
    }
    if let Some(tenant) = &out.tenant
        && tenant.chars().any(char::is_uppercase)
    {
        out.findings.push(warn(
            "endpoint.tenant_uppercase",
            format!(
                "The tenant `{tenant}` in the {label} has uppercase letters, which is unusual."
            ),
            format!(
                "Check that the tenant in the {label} matches, letter case included, the one \
                 shown in the task View API Clients."
            ),
        ));
    }
    out.url = Some(url);
    out
}

/// Checks the path of one URL field against the shape Workday gives it, naming the well-known
/// mix-ups with their own codes. Returns the tenant when one is recognisable.
fn check_path(field: Field, path: &str) -> (Option<&str>, Option<Finding>) {
    let label = field.label();
    let err = |code, message: String, fix: String| Some(Finding::error(field, code, message, fix));
    let shape = classify(path);
    let tenant = match shape {
        Shape::Rest(t)
        | Shape::RestV2(t)
        | Shape::RestExtra(t)
        | Shape::Activity(t)
        | Shape::Token(t)
        | Shape::TokenOauthTypo(t)
        | Shape::Authorize(t) => Some(t),
        Shape::RestNoTenant | Shape::Other => None,
    };
    let finding = match (field, shape) {
        (Field::RestApi, Shape::Rest(_))
        | (Field::Token, Shape::Token(_))
        | (Field::Authorization, Shape::Authorize(_)) => None,

        (Field::RestApi, Shape::RestV2(_)) => err(
            "endpoint.rest_v2_typo",
            format!("The {label} says /v2 where Workday uses /v1."),
            format!(
                "Change /ccx/api/v2/ to /ccx/api/v1/ in the {label}, as shown in the task View API Clients."
            ),
        ),
        (Field::RestApi, Shape::Activity(_)) => err(
            "endpoint.rest_is_activity_url",
            format!("The {label} is the activity log URL, not the REST API endpoint."),
            format!(
                "Paste the {label} exactly as shown in the task View API Clients ({}): without \
                 /privacy and without /activityLogging. The app derives the activity log URL itself.",
                field.shape()
            ),
        ),
        (Field::RestApi, Shape::RestExtra(_)) => err(
            "endpoint.rest_extra_path",
            format!("The {label} goes on past the tenant."),
            format!(
                "Remove everything after the tenant from the {label}; it ends /ccx/api/v1/{{tenant}}."
            ),
        ),
        (Field::RestApi, Shape::RestNoTenant) => err(
            "endpoint.rest_missing_tenant",
            format!("The {label} has no tenant after /ccx/api/v1."),
            copy_again(field),
        ),
        (Field::RestApi, Shape::Token(_) | Shape::TokenOauthTypo(_)) => err(
            "endpoint.rest_is_token_url",
            format!("The {label} is a token endpoint URL."),
            paste_other_field(field, Field::Token),
        ),
        (Field::RestApi, Shape::Authorize(_)) => err(
            "endpoint.rest_is_authorization_url",
            format!("The {label} is an authorization endpoint URL."),
            paste_other_field(field, Field::Authorization),
        ),
        (Field::RestApi, _) => err(
            "endpoint.rest_bad_path",
            format!("The {label} does not have the form .../ccx/api/v1/{{tenant}}."),
            copy_again(field),
        ),

        (Field::Token, Shape::TokenOauthTypo(_)) => err(
            "endpoint.token_oauth_typo",
            format!("The {label} says /oauth/ where Workday uses /oauth2/."),
            format!(
                "Change /ccx/oauth/ to /ccx/oauth2/ in the {label}, as shown in the task View API Clients."
            ),
        ),
        (Field::Token, Shape::Authorize(_)) => err(
            "endpoint.token_is_authorization_url",
            format!("The {label} is the authorization endpoint URL (it ends in /authorize)."),
            paste_other_field(field, Field::Authorization),
        ),
        (
            Field::Token,
            Shape::Rest(_)
            | Shape::RestV2(_)
            | Shape::RestExtra(_)
            | Shape::RestNoTenant
            | Shape::Activity(_),
        ) => err(
            "endpoint.token_is_rest_url",
            format!("The {label} is a REST API URL, not the token endpoint."),
            paste_other_field(field, Field::RestApi),
        ),
        (Field::Token, _) => err(
            "endpoint.token_bad_path",
            format!("The {label} does not have the form .../ccx/oauth2/{{tenant}}/token."),
            copy_again(field),
        ),

        (Field::Authorization, Shape::Token(_) | Shape::TokenOauthTypo(_)) => err(
            "endpoint.authorization_is_token_url",
            format!("The {label} is the token endpoint URL (it ends in /token)."),
            paste_other_field(field, Field::Token),
        ),
        (
            Field::Authorization,
            Shape::Rest(_)
            | Shape::RestV2(_)
            | Shape::RestExtra(_)
            | Shape::RestNoTenant
            | Shape::Activity(_),
        ) => err(
            "endpoint.authorization_is_rest_url",
            format!("The {label} is a REST API URL, not the authorization endpoint."),
            paste_other_field(field, Field::RestApi),
        ),
        (Field::Authorization, _) => err(
            "endpoint.authorization_bad_path",
            format!(
                "The {label} does not have the form https://{{website-host}}/{{tenant}}/authorize."
            ),
            copy_again(field),
        ),

        // Not URL fields: check_url is never called for them.
        (Field::ClientId | Field::ClientSecret, _) => None,
    };
    (tenant, finding)
}

/// Checks the Workday REST API Endpoint as typed.
pub fn check_rest_endpoint(input: &str) -> FieldCheck {
    field_check(Field::RestApi, check_url(Field::RestApi, input).findings)
}

/// Checks the Token Endpoint as typed.
pub fn check_token_endpoint(input: &str) -> FieldCheck {
    field_check(Field::Token, check_url(Field::Token, input).findings)
}

/// Checks the Authorization Endpoint as typed.
pub fn check_authorization_endpoint(input: &str) -> FieldCheck {
    field_check(
        Field::Authorization,
        check_url(Field::Authorization, input).findings,
    )
}

fn field_check(field: Field, findings: Vec<Finding>) -> FieldCheck {
    FieldCheck { field, findings }
}

/// Checks the three endpoint URLs one by one and against each other (one tenant; REST and token
/// on the same services host and port). On success, returns the URLs with the warnings left;
/// otherwise every finding, errors and warnings alike, so the admin sees everything at once.
pub fn check_all(
    rest: &str,
    token: &str,
    authorize: &str,
) -> Result<Checked<Endpoints>, Vec<Finding>> {
    let fields = [
        (Field::RestApi, check_url(Field::RestApi, rest)),
        (Field::Token, check_url(Field::Token, token)),
        (
            Field::Authorization,
            check_url(Field::Authorization, authorize),
        ),
    ];
    let mut findings: Vec<Finding> = Vec::new();
    for (_, f) in &fields {
        for finding in &f.findings {
            // The weekly-refresh warning is about the tenant, not a field: say it once.
            let repeated = finding.code == "endpoint.sandbox_tenant_refresh"
                && findings.iter().any(|g| g.code == finding.code);
            if !repeated {
                findings.push(finding.clone());
            }
        }
    }

    // One tenant across the three; the first recognisable one is the reference.
    let tenants: Vec<(Field, &str)> = fields
        .iter()
        .filter_map(|(field, f)| f.tenant.as_deref().map(|t| (*field, t)))
        .collect();
    if let Some(&(ref_field, ref_tenant)) = tenants.first() {
        for &(field, tenant) in &tenants[1..] {
            if tenant != ref_tenant {
                let case = if tenant.eq_ignore_ascii_case(ref_tenant) {
                    " (they differ only in letter case, and tenants are case-sensitive)"
                } else {
                    ""
                };
                findings.push(Finding::error(
                    field,
                    "endpoint.tenant_mismatch",
                    format!(
                        "The {} names tenant `{tenant}` but the {} names tenant `{ref_tenant}`{case}.",
                        field.label(),
                        ref_field.label()
                    ),
                    format!(
                        "Copy the {} and the {} again from the same API client in the task View \
                         API Clients: all three endpoints carry the same tenant.",
                        field.label(),
                        ref_field.label()
                    ),
                ));
            }
        }
    }

    // REST and token URLs live on the same services host, port included.
    let [(_, rest_f), (_, token_f), (_, auth_f)] = &fields;
    if let (Some(r), Some(t)) = (&rest_f.url, &token_f.url)
        && r.origin() != t.origin()
    {
        findings.push(Finding::error(
            Field::Token,
            "endpoint.host_mismatch",
            format!(
                "The {} is on {} but the {} is on {}: both must be on the same services host.",
                Field::Token.label(),
                t.origin().ascii_serialization(),
                Field::RestApi.label(),
                r.origin().ascii_serialization()
            ),
            format!(
                "Copy the {} and the {} again from the same API client in the task View API Clients.",
                Field::Token.label(),
                Field::RestApi.label()
            ),
        ));
    }

    if findings.iter().any(Finding::is_error) {
        return Err(findings);
    }
    match (&rest_f.url, &token_f.url, &auth_f.url, &rest_f.tenant) {
        (Some(r), Some(t), Some(a), Some(tenant)) => Ok(Checked {
            value: Endpoints {
                rest_api: r.clone(),
                token: t.clone(),
                authorization: a.clone(),
                tenant: tenant.clone(),
                services_origin: r.origin().ascii_serialization(),
            },
            warnings: findings,
        }),
        // Unreachable when every field passed, but a refusal beats a panic.
        _ => Err(findings),
    }
}

// ---------------------------------------------------------------------------------------------
// Client ID and secret. Their values are never put into a finding: the secret must not leak, and
// a client ID that equals the secret would leak it too.

fn check_credential(field: Field, value: &str) -> Vec<Finding> {
    let label = field.label();
    let value = value.trim();
    let mut findings = Vec::new();
    if value.is_empty() {
        let code = match field {
            Field::ClientSecret => "client_secret.empty",
            _ => "client_id.empty",
        };
        findings.push(Finding::error(
            field,
            code,
            format!("The {label} is empty."),
            credential_fix(field),
        ));
        return findings;
    }
    let codes = match field {
        Field::ClientSecret => [
            "client_secret.control_characters",
            "client_secret.contains_whitespace",
            "client_secret.looks_like_url",
        ],
        _ => [
            "client_id.control_characters",
            "client_id.contains_whitespace",
            "client_id.looks_like_url",
        ],
    };
    if value.chars().any(char::is_control) {
        findings.push(Finding::error(
            field,
            codes[0],
            format!("The {label} contains a tab, line break or other control character."),
            format!(
                "Paste only the {label} value, without its label. {}",
                credential_fix(field)
            ),
        ));
    } else if value.chars().any(char::is_whitespace) {
        findings.push(Finding::warning(
            field,
            codes[1],
            format!("The {label} contains spaces; Workday's values have none."),
            format!(
                "Paste only the {label} value, without its label. {}",
                credential_fix(field)
            ),
        ));
    }
    let lower = value.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.contains("://") {
        findings.push(Finding::warning(
            field,
            codes[2],
            format!("The {label} looks like a URL; it is normally an opaque string."),
            format!("Put URLs in the endpoint fields. {}", credential_fix(field)),
        ));
    }
    findings
}

fn credential_fix(field: Field) -> String {
    match field {
        Field::ClientSecret => {
            "Copy the Client Secret shown when the API client was registered; if it \
                                is lost, use \"Generate New API Client Secret\" on the API client \
                                (this breaks connections that use the old secret)."
                .to_owned()
        }
        _ => copy_again(field),
    }
}

/// Checks the Client ID as typed.
pub fn check_client_id(input: &str) -> FieldCheck {
    field_check(Field::ClientId, check_credential(Field::ClientId, input))
}

/// Checks the Client Secret as typed; `client_id` is used only to refuse a secret that repeats it.
pub fn check_client_secret(secret: &str, client_id: &str) -> FieldCheck {
    let mut findings = check_credential(Field::ClientSecret, secret);
    let (secret, client_id) = (secret.trim(), client_id.trim());
    if !secret.is_empty() && secret == client_id {
        findings.push(Finding::error(
            Field::ClientSecret,
            "client_secret.same_as_id",
            "The Client Secret is the same as the Client ID.".to_owned(),
            format!(
                "Paste the Client Secret into the Client Secret field, not the Client ID. {}",
                credential_fix(Field::ClientSecret)
            ),
        ));
    }
    field_check(Field::ClientSecret, findings)
}

/// Checks all five values as `wdconnect add` and the wizard's last step do: each field, then the
/// endpoints against each other. Returns the trimmed values, or every finding.
pub fn check_values(values: &EnteredValues<'_>) -> Result<Checked<CheckedValues>, Vec<Finding>> {
    let mut findings = check_client_id(values.client_id).findings;
    findings.extend(check_client_secret(values.client_secret, values.client_id).findings);
    let endpoints = check_all(values.rest_api, values.token, values.authorization);
    let result = match endpoints {
        Ok(checked) if !findings.iter().any(Finding::is_error) => {
            findings.extend(checked.warnings);
            Ok(Checked {
                value: CheckedValues {
                    client_id: values.client_id.trim().to_owned(),
                    client_secret: values.client_secret.trim().to_owned(),
                    endpoints: checked.value,
                },
                warnings: findings,
            })
        }
        Ok(checked) => {
            findings.extend(checked.warnings);
            Err(findings)
        }
        Err(more) => {
            findings.extend(more);
            Err(findings)
        }
    };
    // Belt and braces: a secret pasted into a URL field could surface as a "tenant" or "host"
    // (lowercased, for a host). Short values are left alone: scrubbing them would mangle words.
    let secret = values.client_secret.trim();
    let scrub = |mut list: Vec<Finding>| {
        if secret.len() >= 8 {
            for f in &mut list {
                f.message = scrub_secret(&f.message, secret);
                f.fix = scrub_secret(&f.fix, secret);
            }
        }
        list
    };
    match result {
        Ok(mut checked) => {
            checked.warnings = scrub(checked.warnings);
            Ok(checked)
        }
        Err(list) => Err(scrub(list)),
    }
}

/// `text` with every occurrence of `secret`, in any ASCII letter case, replaced.
fn scrub_secret(text: &str, secret: &str) -> String {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` are valid in `text`.
    let (lower, needle) = (text.to_ascii_lowercase(), secret.to_ascii_lowercase());
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find(&needle) {
        out.push_str(&text[at..at + found]);
        out.push_str("[client secret]");
        at += found + needle.len();
    }
    out.push_str(&text[at..]);
    out
}

// ---------------------------------------------------------------------------------------------
// Reading a paste of the "View API Clients" page.

/// The values found in a paste; `None` where the paste did not hold that value. Debug never
/// prints the secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PastedValues {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub rest_api: Option<String>,
    pub token: Option<String>,
    pub authorization: Option<String>,
}

impl fmt::Debug for PastedValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PastedValues")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("rest_api", &self.rest_api)
            .field("token", &self.token)
            .field("authorization", &self.authorization)
            .finish()
    }
}

impl PastedValues {
    pub fn get(&self, field: Field) -> Option<&str> {
        self.slot(field).as_deref()
    }

    /// How many of the five values the paste held: a front fills the fields only when this is
    /// more than zero, and otherwise lets the paste land as typed.
    pub fn count(&self) -> usize {
        Field::ALL
            .iter()
            .filter(|f| self.get(**f).is_some())
            .count()
    }

    fn slot(&self, field: Field) -> &Option<String> {
        match field {
            Field::ClientId => &self.client_id,
            Field::ClientSecret => &self.client_secret,
            Field::RestApi => &self.rest_api,
            Field::Token => &self.token,
            Field::Authorization => &self.authorization,
        }
    }

    fn slot_mut(&mut self, field: Field) -> &mut Option<String> {
        match field {
            Field::ClientId => &mut self.client_id,
            Field::ClientSecret => &mut self.client_secret,
            Field::RestApi => &mut self.rest_api,
            Field::Token => &mut self.token,
            Field::Authorization => &mut self.authorization,
        }
    }
}

/// Labels as Workday shows them, plus the short form admins write by hand.
const LABELS: [(&str, Field); 6] = [
    ("Workday REST API Endpoint", Field::RestApi),
    ("REST API Endpoint", Field::RestApi),
    ("Token Endpoint", Field::Token),
    ("Authorization Endpoint", Field::Authorization),
    ("Client ID", Field::ClientId),
    ("Client Secret", Field::ClientSecret),
];

/// If `line` starts with a known label, the field and what follows the label (maybe empty).
fn labelled(line: &str) -> Option<(Field, &str)> {
    LABELS.iter().find_map(|(label, field)| {
        let head = line.get(..label.len())?;
        let rest = &line[label.len()..];
        let boundary = rest.is_empty() || rest.starts_with(|c: char| c.is_whitespace() || c == ':');
        (head.eq_ignore_ascii_case(label) && boundary).then(|| {
            (
                *field,
                rest.trim_start_matches(|c: char| c.is_whitespace() || c == ':')
                    .trim(),
            )
        })
    })
}

/// Whether `value` can be the value of `field`: guards a label on its own line against taking
/// the next label's text (e.g. an empty "Client Secret" followed by "Client Grant Type").
fn plausible(field: Field, value: &str) -> bool {
    match field {
        // Workday's IDs and secrets are long opaque strings (the ID alone is about 48 characters);
        // a short word on the next line is another label or value, not one of them.
        Field::ClientId | Field::ClientSecret => {
            value.len() >= 16 && !value.chars().any(char::is_whitespace)
        }
        Field::RestApi | Field::Token | Field::Authorization => {
            let lower = value.to_ascii_lowercase();
            lower.starts_with("https://") || lower.starts_with("http://")
        }
    }
}

/// The field a bare, unlabelled URL belongs to, judged only by its unmistakable path shape.
fn classify_bare_url(line: &str) -> Option<Field> {
    let text = line.strip_suffix('/').unwrap_or(line);
    let lower = text.to_ascii_lowercase();
    if text.chars().any(char::is_whitespace)
        || !(lower.starts_with("https://") || lower.starts_with("http://"))
    {
        return None;
    }
    let url = Url::parse(text).ok()?;
    match classify(url.path()) {
        Shape::Rest(_) => Some(Field::RestApi),
        Shape::Token(_) => Some(Field::Token),
        Shape::Authorize(_) => Some(Field::Authorization),
        _ => None,
    }
}

/// Reads the values out of text copied from Workday's "View API Clients" page (or the "Register
/// API Client" result): `Label<tab or spaces>value` lines, or a label on its own line with the
/// value on the next. Only labelled values are taken, except that a bare URL on its own line is
/// recognised by its shape (REST, token or authorization). Values are returned as pasted (trimmed);
/// check them with the `check_*` functions.
pub fn parse_view_api_clients(text: &str) -> PastedValues {
    let mut found = PastedValues::default();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();

    let mut bare: Vec<(Field, &str)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some((field, rest)) = labelled(line) {
            let value = if !rest.is_empty() {
                Some(rest)
            } else {
                // The label stands alone: the value is the next line, unless that is a label too.
                match lines.get(i) {
                    Some(next) if labelled(next).is_none() && plausible(field, next) => {
                        i += 1;
                        Some(*next)
                    }
                    _ => None,
                }
            };
            if let Some(value) = value {
                let slot = found.slot_mut(field);
                // The first labelled value wins: a page lists each value once.
                if slot.is_none() {
                    *slot = Some(value.to_owned());
                }
            }
        } else if let Some(field) = classify_bare_url(line) {
            bare.push((field, line));
        }
    }

    // Bare URLs only fill gaps, and only when one URL of that shape appeared: two would be a guess.
    for field in [Field::RestApi, Field::Token, Field::Authorization] {
        let mut of_field = bare.iter().filter(|(f, _)| *f == field).map(|(_, l)| *l);
        if let (Some(only), None) = (of_field.next(), of_field.next()) {
            let slot = found.slot_mut(field);
            if slot.is_none() {
                *slot = Some(only.to_owned());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const REST: &str = "https://wd2-impl-services1.workday.com/ccx/api/v1/acme_preview";
    const TOKEN: &str = "https://wd2-impl-services1.workday.com/ccx/oauth2/acme_preview/token";
    const AUTH: &str = "https://impl.workday.com/acme_preview/authorize";

    const PROD_REST: &str = "https://wd5-services1.myworkday.com/ccx/api/v1/acme";
    const PROD_TOKEN: &str = "https://wd5-services1.myworkday.com/ccx/oauth2/acme/token";
    const PROD_AUTH: &str = "https://wd5.myworkday.com/acme/authorize";

    const SECRET: &str = "s3cr3tVALUEthatMustNeverLeak0123456789";

    /// Asserts `code` is among the findings and that its message names its field's label.
    fn finding<'a>(findings: &'a [Finding], code: &str) -> &'a Finding {
        let f = findings
            .iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("no {code} in {findings:#?}"));
        assert!(
            f.message.contains(f.field.label()),
            "message of {code} does not name {}: {}",
            f.field.label(),
            f.message
        );
        f
    }

    fn error(check: &FieldCheck, code: &str) -> Finding {
        let f = finding(&check.findings, code);
        assert_eq!(f.severity, Severity::Error, "{code}");
        assert_eq!(f.field, check.field);
        assert!(!check.is_ok());
        f.clone()
    }

    fn warning(check: &FieldCheck, code: &str) -> Finding {
        let f = finding(&check.findings, code);
        assert_eq!(f.severity, Severity::Warning, "{code}");
        assert_eq!(f.field, check.field);
        f.clone()
    }

    fn all_err(rest: &str, token: &str, auth: &str) -> Vec<Finding> {
        check_all(rest, token, auth).expect_err("should be refused")
    }

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn documented_impl_example_passes_with_the_weekly_refresh_warning() {
        let checked = check_all(REST, TOKEN, AUTH).expect("documented example");
        let e = &checked.value;
        assert_eq!(e.rest_api.as_str(), REST);
        assert_eq!(e.token.as_str(), TOKEN);
        assert_eq!(e.authorization.as_str(), AUTH);
        assert_eq!(e.tenant, "acme_preview");
        assert_eq!(e.services_origin, "https://wd2-impl-services1.workday.com");
        // Said once for the connection, not once per field.
        assert_eq!(
            codes(&checked.warnings),
            ["endpoint.sandbox_tenant_refresh"]
        );
        let w = finding(&checked.warnings, "endpoint.sandbox_tenant_refresh");
        assert_eq!(w.severity, Severity::Warning);
        assert!(w.message.contains("weekly"), "{}", w.message);
        assert!(w.message.contains("breaks"), "{}", w.message);
    }

    #[test]
    fn production_and_newer_data_centre_forms_pass_without_warnings() {
        let checked = check_all(PROD_REST, PROD_TOKEN, PROD_AUTH).unwrap();
        assert!(checked.warnings.is_empty(), "{:#?}", checked.warnings);

        let checked = check_all(
            "https://acme-services1.wd101.myworkday.com/ccx/api/v1/acme",
            "https://acme-services1.wd101.myworkday.com/ccx/oauth2/acme/token",
            "https://www.myworkday.com/acme/authorize",
        )
        .unwrap();
        assert!(checked.warnings.is_empty(), "{:#?}", checked.warnings);
        assert_eq!(
            checked.value.services_origin,
            "https://acme-services1.wd101.myworkday.com"
        );
    }

    #[test]
    fn loopback_sandbox_form_passes_over_plain_http() {
        let checked = check_all(
            "http://127.0.0.1:41001/ccx/api/v1/acme_sandbox",
            "http://127.0.0.1:41001/ccx/oauth2/acme_sandbox/token",
            "http://127.0.0.1:41000/acme_sandbox/authorize",
        )
        .unwrap();
        assert!(checked.warnings.is_empty(), "{:#?}", checked.warnings);
        assert_eq!(checked.value.services_origin, "http://127.0.0.1:41001");
        assert_eq!(
            checked.value.activity_logging().as_str(),
            "http://127.0.0.1:41001/ccx/api/privacy/v1/acme_sandbox/activityLogging"
        );
        // The other loopback spellings are accepted too.
        assert!(check_rest_endpoint("http://localhost:41001/ccx/api/v1/acme").is_ok());
        assert!(check_rest_endpoint("http://[::1]:41001/ccx/api/v1/acme").is_ok());
        assert!(check_rest_endpoint("http://127.9.9.9/ccx/api/v1/acme").is_ok());
    }

    #[test]
    fn derived_urls_replace_api_v1_and_append() {
        let e = check_all(REST, TOKEN, AUTH).unwrap().value;
        assert_eq!(
            e.activity_logging().as_str(),
            "https://wd2-impl-services1.workday.com/ccx/api/privacy/v1/acme_preview/activityLogging"
        );
        assert_eq!(
            e.workers().as_str(),
            "https://wd2-impl-services1.workday.com/ccx/api/v1/acme_preview/workers"
        );
    }

    #[test]
    fn surrounding_whitespace_and_one_trailing_slash_are_forgiven() {
        let checked = check_all(
            &format!("  {PROD_REST}/ \n"),
            &format!("\t{PROD_TOKEN}/"),
            &format!("{PROD_AUTH}/  "),
        )
        .unwrap();
        assert_eq!(checked.value.rest_api.as_str(), PROD_REST);
        assert_eq!(checked.value.token.as_str(), PROD_TOKEN);
        assert_eq!(checked.value.authorization.as_str(), PROD_AUTH);
        // Two trailing slashes are not a copy artefact any more.
        error(
            &check_rest_endpoint(&format!("{PROD_REST}//")),
            "endpoint.extra_slashes",
        );
    }

    #[test]
    fn unusable_urls_are_refused() {
        error(&check_rest_endpoint("   "), "endpoint.empty");
        error(&check_token_endpoint(""), "endpoint.empty");
        error(
            &check_rest_endpoint("wd5-services1.myworkday.com/ccx/api/v1/acme"),
            "endpoint.missing_scheme",
        );
        error(&check_token_endpoint("https://"), "endpoint.not_a_url");
        error(
            &check_rest_endpoint("https://wd5-services1.myworkday.com\\ccx\\api\\v1\\acme"),
            "endpoint.not_a_url",
        );
        error(
            &check_rest_endpoint("https://wd5-services1.myworkday.com/ccx/api/v1/ac me"),
            "endpoint.contains_whitespace",
        );
        // A label pasted along with the value.
        error(
            &check_token_endpoint(&format!("Token Endpoint\t{PROD_TOKEN}")),
            "endpoint.contains_whitespace",
        );
    }

    #[test]
    fn plain_http_is_refused_off_loopback() {
        for input in [
            "http://wd5-services1.myworkday.com/ccx/api/v1/acme",
            "http://10.0.0.5:41001/ccx/api/v1/acme",
            "ftp://wd5-services1.myworkday.com/ccx/api/v1/acme",
        ] {
            error(&check_rest_endpoint(input), "endpoint.not_https");
        }
        error(
            &check_authorization_endpoint("http://wd5.myworkday.com/acme/authorize"),
            "endpoint.not_https",
        );
    }

    #[test]
    fn userinfo_query_and_fragment_are_refused_without_echoing_them() {
        let c = check_token_endpoint(&format!(
            "https://client:{SECRET}@wd5-services1.myworkday.com/ccx/oauth2/acme/token"
        ));
        error(&c, "endpoint.has_userinfo");
        for f in &c.findings {
            assert!(!f.message.contains(SECRET) && !f.fix.contains(SECRET));
        }
        error(
            &check_authorization_endpoint(&format!("{PROD_AUTH}?response_type=code&client_id=x")),
            "endpoint.has_query",
        );
        error(
            &check_rest_endpoint(&format!("{PROD_REST}?")),
            "endpoint.has_query",
        );
        error(
            &check_rest_endpoint(&format!("{PROD_REST}#top")),
            "endpoint.has_fragment",
        );
    }

    #[test]
    fn rest_endpoint_shape_and_its_typos() {
        let c = check_rest_endpoint("https://wd5-services1.myworkday.com/ccx/api/v2/acme");
        let f = error(&c, "endpoint.rest_v2_typo");
        assert!(f.fix.contains("/v1/") && f.fix.contains("View API Clients"));
        assert_eq!(c.findings.len(), 1);

        let f = error(
            &check_rest_endpoint(
                "https://wd5-services1.myworkday.com/ccx/api/v1/acme/activityLogging",
            ),
            "endpoint.rest_is_activity_url",
        );
        assert!(f.fix.contains("Workday REST API Endpoint"));
        error(
            &check_rest_endpoint(
                "https://wd5-services1.myworkday.com/ccx/api/privacy/v1/acme/activityLogging",
            ),
            "endpoint.rest_is_activity_url",
        );
        error(
            &check_rest_endpoint("https://wd5-services1.myworkday.com/ccx/api/v1/acme/workers"),
            "endpoint.rest_extra_path",
        );
        error(
            &check_rest_endpoint("https://wd5-services1.myworkday.com/ccx/api/v1"),
            "endpoint.rest_missing_tenant",
        );
        error(
            &check_rest_endpoint(PROD_TOKEN),
            "endpoint.rest_is_token_url",
        );
        error(
            &check_rest_endpoint(PROD_AUTH),
            "endpoint.rest_is_authorization_url",
        );
        error(
            &check_rest_endpoint("https://wd5-services1.myworkday.com/api/v1/acme"),
            "endpoint.rest_bad_path",
        );
        error(
            &check_rest_endpoint("https://wd5-services1.myworkday.com"),
            "endpoint.rest_bad_path",
        );
    }

    #[test]
    fn token_endpoint_shape_and_its_typos() {
        let f = error(
            &check_token_endpoint("https://wd5-services1.myworkday.com/ccx/oauth/acme/token"),
            "endpoint.token_oauth_typo",
        );
        assert!(f.fix.contains("/oauth2/") && f.fix.contains("Token Endpoint"));
        let f = error(
            &check_token_endpoint(PROD_AUTH),
            "endpoint.token_is_authorization_url",
        );
        assert!(f.fix.contains("Authorization Endpoint"));
        error(
            &check_token_endpoint(PROD_REST),
            "endpoint.token_is_rest_url",
        );
        error(
            &check_token_endpoint("https://wd5-services1.myworkday.com/ccx/oauth2/acme"),
            "endpoint.token_bad_path",
        );
        error(
            &check_token_endpoint("https://wd5-services1.myworkday.com/oauth2/acme/token"),
            "endpoint.token_bad_path",
        );
    }

    #[test]
    fn authorization_endpoint_shape_and_swaps() {
        let f = error(
            &check_authorization_endpoint(PROD_TOKEN),
            "endpoint.authorization_is_token_url",
        );
        assert!(f.fix.contains("Token Endpoint"));
        error(
            &check_authorization_endpoint(PROD_REST),
            "endpoint.authorization_is_rest_url",
        );
        error(
            &check_authorization_endpoint("https://wd5.myworkday.com/acme/login"),
            "endpoint.authorization_bad_path",
        );
        error(
            &check_authorization_endpoint("https://wd5.myworkday.com/authorize"),
            "endpoint.authorization_bad_path",
        );
        // Swapped fields are refused by check_all too.
        let all = all_err(PROD_REST, PROD_AUTH, PROD_TOKEN);
        finding(&all, "endpoint.token_is_authorization_url");
        finding(&all, "endpoint.authorization_is_token_url");
    }

    #[test]
    fn tenant_mismatch_names_both_tenants() {
        let all = all_err(
            PROD_REST,
            "https://wd5-services1.myworkday.com/ccx/oauth2/acme_preview/token",
            PROD_AUTH,
        );
        let f = finding(&all, "endpoint.tenant_mismatch");
        assert_eq!(f.field, Field::Token);
        assert_eq!(f.severity, Severity::Error);
        assert!(
            f.message.contains("`acme_preview`") && f.message.contains("`acme`"),
            "{}",
            f.message
        );
        assert!(f.message.contains("Workday REST API Endpoint"));

        let all = all_err(
            PROD_REST,
            PROD_TOKEN,
            "https://wd5.myworkday.com/other/authorize",
        );
        let f = finding(&all, "endpoint.tenant_mismatch");
        assert_eq!(f.field, Field::Authorization);
        assert!(f.message.contains("`other`") && f.message.contains("`acme`"));
        assert_eq!(codes(&all), ["endpoint.tenant_mismatch"]);

        // Letter case counts, and the message says so.
        let all = all_err(
            PROD_REST,
            PROD_TOKEN,
            "https://wd5.myworkday.com/Acme/authorize",
        );
        let f = finding(&all, "endpoint.tenant_mismatch");
        assert!(f.message.contains("letter case"), "{}", f.message);
    }

    #[test]
    fn rest_and_token_must_share_host_and_port() {
        let all = all_err(
            PROD_REST,
            "https://wd3-services1.myworkday.com/ccx/oauth2/acme/token",
            PROD_AUTH,
        );
        let f = finding(&all, "endpoint.host_mismatch");
        assert_eq!(f.severity, Severity::Error);
        assert!(
            f.message.contains("wd3-services1.myworkday.com")
                && f.message.contains("wd5-services1")
        );

        let all = all_err(
            "http://127.0.0.1:41001/ccx/api/v1/acme_sandbox",
            "http://127.0.0.1:41002/ccx/oauth2/acme_sandbox/token",
            "http://127.0.0.1:41000/acme_sandbox/authorize",
        );
        assert_eq!(codes(&all), ["endpoint.host_mismatch"]);
        // An explicit default port is the same origin.
        assert!(
            check_all(
                "https://wd5-services1.myworkday.com:443/ccx/api/v1/acme",
                PROD_TOKEN,
                PROD_AUTH
            )
            .is_ok()
        );
    }

    #[test]
    fn warnings_do_not_refuse() {
        let c = check_authorization_endpoint("https://wd5-services1.myworkday.com/acme/authorize");
        warning(&c, "endpoint.authorization_on_services_host");
        assert!(c.is_ok());

        let c = check_rest_endpoint("https://workday.example.com/ccx/api/v1/acme");
        warning(&c, "endpoint.host_not_workday");
        assert!(c.is_ok());
        let c = check_rest_endpoint("https://evilworkday.com/ccx/api/v1/acme");
        warning(&c, "endpoint.host_not_workday");

        let c =
            check_token_endpoint("https://wd2-impl-services1.workday.com/ccx/oauth2/acme/token");
        let f = warning(&c, "endpoint.sandbox_tenant_refresh");
        assert!(f.message.contains("weekly"));
        assert!(c.is_ok());
        let c = check_authorization_endpoint("https://impl.workday.com/acme/authorize");
        warning(&c, "endpoint.sandbox_tenant_refresh");
        // Only `impl` as a host part counts, not the letters inside a word.
        let c = check_authorization_endpoint("https://simplify.workday.com/acme/authorize");
        assert!(c.findings.is_empty(), "{:#?}", c.findings);

        let c = check_rest_endpoint("https://wd5-services1.myworkday.com/ccx/api/v1/AcmeCorp");
        let f = warning(&c, "endpoint.tenant_uppercase");
        assert!(f.message.contains("AcmeCorp"));
        assert!(c.is_ok());

        // check_all passes them through as warnings.
        let checked = check_all(
            "https://wd5-services1.myworkday.com/ccx/api/v1/Acme",
            "https://wd5-services1.myworkday.com/ccx/oauth2/Acme/token",
            "https://wd5-services1.myworkday.com/Acme/authorize",
        )
        .unwrap();
        finding(&checked.warnings, "endpoint.authorization_on_services_host");
        assert_eq!(
            checked
                .warnings
                .iter()
                .filter(|f| f.code == "endpoint.tenant_uppercase")
                .count(),
            3
        );
    }

    #[test]
    fn client_id_checks() {
        assert!(check_client_id("ZmM1YjE2YTgtNTc0").findings.is_empty());
        assert!(check_client_id("  ZmM1YjE2YTgtNTc0\n").findings.is_empty());
        error(&check_client_id(" \t "), "client_id.empty");
        error(
            &check_client_id("ZmM1\u{7}YjE2"),
            "client_id.control_characters",
        );
        error(
            &check_client_id("Client ID\tZmM1YjE2"),
            "client_id.control_characters",
        );
        let c = check_client_id("ZmM1 YjE2");
        warning(&c, "client_id.contains_whitespace");
        assert!(c.is_ok());
        let c = check_client_id(PROD_TOKEN);
        warning(&c, "client_id.looks_like_url");
        assert!(c.is_ok());
    }

    #[test]
    fn client_secret_checks() {
        assert!(check_client_secret(SECRET, "ZmM1YjE2").findings.is_empty());
        error(&check_client_secret("", "ZmM1YjE2"), "client_secret.empty");
        error(
            &check_client_secret("abc\ndef", "ZmM1YjE2"),
            "client_secret.control_characters",
        );
        warning(
            &check_client_secret("abc def", "ZmM1YjE2"),
            "client_secret.contains_whitespace",
        );
        warning(
            &check_client_secret(PROD_REST, "ZmM1YjE2"),
            "client_secret.looks_like_url",
        );
        let c = check_client_secret(" ZmM1YjE2", "ZmM1YjE2 ");
        error(&c, "client_secret.same_as_id");
        // Two empty values are "empty", not "the same".
        assert_eq!(check_client_secret("", "").codes(), ["client_secret.empty"]);
    }

    #[test]
    fn no_finding_ever_contains_the_secret() {
        let bad_secrets = [
            format!("{SECRET} "),
            format!("{SECRET} tail"),
            format!("{SECRET}\u{7}"),
            format!("https://{SECRET}"),
        ];
        for secret in &bad_secrets {
            for f in check_client_secret(secret, "ZmM1YjE2").findings {
                assert!(
                    !f.message.contains(SECRET) && !f.fix.contains(SECRET),
                    "{f:?}"
                );
            }
        }
        let same = check_client_secret(SECRET, SECRET);
        assert_eq!(same.codes(), ["client_secret.same_as_id"]);
        // The secret pasted everywhere, including where a URL would show its host or tenant.
        let entered = EnteredValues {
            client_id: SECRET,
            client_secret: SECRET,
            rest_api: &format!("https://wd5-services1.myworkday.com/ccx/api/v1/{SECRET}"),
            token: &format!("https://{SECRET}.example.com/ccx/oauth2/x/token"),
            authorization: SECRET,
        };
        let findings = check_values(&entered).unwrap_err();
        assert!(findings.len() >= 4, "{findings:#?}");
        let lower = SECRET.to_ascii_lowercase();
        for f in &findings {
            let (message, fix) = (f.message.to_ascii_lowercase(), f.fix.to_ascii_lowercase());
            assert!(!message.contains(&lower) && !fix.contains(&lower), "{f:?}");
        }
        // The scrub had something to do: the tenant and the host were named.
        assert!(
            findings
                .iter()
                .any(|f| f.message.contains("[client secret]")),
            "{findings:#?}"
        );
        let json = serde_json::to_string(&findings)
            .unwrap()
            .to_ascii_lowercase();
        assert!(!json.contains(&lower));
    }

    #[test]
    fn check_values_checks_all_five() {
        let checked = check_values(&EnteredValues {
            client_id: " ZmM1YjE2 ",
            client_secret: SECRET,
            rest_api: REST,
            token: TOKEN,
            authorization: AUTH,
        })
        .unwrap();
        assert_eq!(checked.value.client_id, "ZmM1YjE2");
        assert_eq!(checked.value.client_secret, SECRET);
        assert_eq!(
            codes(&checked.warnings),
            ["endpoint.sandbox_tenant_refresh"]
        );
        assert!(!format!("{checked:?}").contains(SECRET));
        let entered = EnteredValues {
            client_secret: SECRET,
            ..EnteredValues::default()
        };
        assert!(!format!("{entered:?}").contains(SECRET));

        let findings = check_values(&EnteredValues {
            client_id: "",
            client_secret: SECRET,
            rest_api: PROD_REST,
            token: PROD_TOKEN,
            authorization: PROD_AUTH,
        })
        .unwrap_err();
        assert_eq!(codes(&findings), ["client_id.empty"]);
    }

    #[test]
    fn findings_serialise_in_snake_case() {
        let f =
            &check_rest_endpoint("https://wd5-services1.myworkday.com/ccx/api/v2/acme").findings[0];
        let json = serde_json::to_value(f).unwrap();
        assert_eq!(json["field"], "rest_api");
        assert_eq!(json["severity"], "error");
        assert_eq!(json["code"], "endpoint.rest_v2_typo");
        assert!(
            json["message"]
                .as_str()
                .unwrap()
                .contains("Workday REST API Endpoint")
        );
        assert!(json["fix"].as_str().unwrap().contains("View API Clients"));
        let check = serde_json::to_value(check_client_id("")).unwrap();
        assert_eq!(check["field"], "client_id");
        assert_eq!(check["findings"][0]["code"], "client_id.empty");
    }

    #[test]
    fn every_fix_names_a_workday_field() {
        let mut all = Vec::new();
        for input in [
            "",
            "x",
            "http://a.workday.com/x",
            PROD_REST,
            PROD_TOKEN,
            PROD_AUTH,
        ] {
            all.extend(check_rest_endpoint(input).findings);
            all.extend(check_token_endpoint(input).findings);
            all.extend(check_authorization_endpoint(input).findings);
        }
        all.extend(check_client_id("").findings);
        all.extend(check_client_secret("a b", "a b").findings);
        assert!(all.len() > 15);
        for f in &all {
            assert!(
                Field::ALL.iter().any(|field| f.fix.contains(field.label())),
                "{}: {}",
                f.code,
                f.fix
            );
            assert!(f.code.contains('.') && !f.message.contains('\n'), "{f:?}");
        }
    }

    #[test]
    fn parses_a_multi_line_view_api_clients_paste() {
        let paste = "\
API Client
My Connector
Client ID
ZmM1YjE2YTgtNTc0Ni00
Client Grant Type
Authorization Code Grant
Access Token Type
Bearer
Redirection URI
http://127.0.0.1:8413/callback
Workday REST API Endpoint
https://wd2-impl-services1.workday.com/ccx/api/v1/acme_preview
Token Endpoint
https://wd2-impl-services1.workday.com/ccx/oauth2/acme_preview/token
Authorization Endpoint
https://impl.workday.com/acme_preview/authorize
Client Secret
Scope (Functional Areas)
Staffing
System
";
        let p = parse_view_api_clients(paste);
        assert_eq!(p.client_id.as_deref(), Some("ZmM1YjE2YTgtNTc0Ni00"));
        assert_eq!(p.rest_api.as_deref(), Some(REST));
        assert_eq!(p.token.as_deref(), Some(TOKEN));
        assert_eq!(p.authorization.as_deref(), Some(AUTH));
        // "Client Secret" without a value must not swallow the next label.
        assert_eq!(p.client_secret, None);
        assert_eq!(p.count(), 4);
        // Nor a short word that is some other label.
        let short =
            parse_view_api_clients("Client Secret\nActive\nClient ID\nZmM1YjE2YTgtNTc0Ni00");
        assert_eq!(short.client_secret, None);
        assert_eq!(short.client_id.as_deref(), Some("ZmM1YjE2YTgtNTc0Ni00"));
        assert!(
            check_all(
                p.rest_api.as_deref().unwrap(),
                p.token.as_deref().unwrap(),
                AUTH
            )
            .is_ok()
        );
    }

    #[test]
    fn parses_a_same_line_tab_separated_paste() {
        let paste = format!(
            "Client ID\tZmM1YjE2\r\nClient Secret\t{SECRET}\r\nWorkday REST API Endpoint\t{PROD_REST}\r\n\
             Token Endpoint:  {PROD_TOKEN}\r\nAuthorization Endpoint    {PROD_AUTH}\r\n\
             Redirection URI\thttp://127.0.0.1:8413/callback\r\n"
        );
        let p = parse_view_api_clients(&paste);
        assert_eq!(p.client_id.as_deref(), Some("ZmM1YjE2"));
        assert_eq!(p.client_secret.as_deref(), Some(SECRET));
        assert_eq!(p.rest_api.as_deref(), Some(PROD_REST));
        assert_eq!(p.token.as_deref(), Some(PROD_TOKEN));
        assert_eq!(p.authorization.as_deref(), Some(PROD_AUTH));
        assert_eq!(p.get(Field::Token), Some(PROD_TOKEN));
        assert!(!format!("{p:?}").contains(SECRET));
    }

    #[test]
    fn bare_urls_are_classified_by_shape_only() {
        let p = parse_view_api_clients(&format!(
            "{PROD_AUTH}\n{PROD_TOKEN}\n{PROD_REST}/\nhttp://127.0.0.1:8413/callback\nZmM1YjE2"
        ));
        assert_eq!(
            p.rest_api.as_deref(),
            Some(format!("{PROD_REST}/").as_str())
        );
        assert_eq!(p.token.as_deref(), Some(PROD_TOKEN));
        assert_eq!(p.authorization.as_deref(), Some(PROD_AUTH));
        // An unlabelled opaque string is never guessed to be the Client ID.
        assert_eq!(p.client_id, None);
        assert_eq!(p.client_secret, None);

        // A labelled value beats a bare URL; two bare URLs of one shape are ambiguous.
        let p = parse_view_api_clients(&format!(
            "{REST}\nWorkday REST API Endpoint {PROD_REST}\n{TOKEN}\n{PROD_TOKEN}"
        ));
        assert_eq!(p.rest_api.as_deref(), Some(PROD_REST));
        assert_eq!(p.token, None);

        // The activity log URL and typo'd URLs are not taken for anything.
        let p = parse_view_api_clients(
            "https://wd5-services1.myworkday.com/ccx/api/privacy/v1/acme/activityLogging\n\
             https://wd5-services1.myworkday.com/ccx/oauth/acme/token",
        );
        assert_eq!(p.count(), 0);
        assert_eq!(parse_view_api_clients("ZmM1YjE2").count(), 0);
    }
}
