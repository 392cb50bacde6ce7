//! The three endpoint URL fields: each parsed as pasted, its shape checked against the one
//! Workday gives it, its host looked at twice; then the three against each other (one tenant, one
//! services host).

use url::{Host, Url};

use super::{
    Checked, Endpoints, Field, FieldCheck, Finding, copy_again, field_check, paste_other_field,
    without_trailing_slash,
};

/// What a URL path looks like, typos included. Shared by the field checks and the paste parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape<'a> {
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

pub(super) fn classify(path: &str) -> Shape<'_> {
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

/// One URL field: parsed as pasted, then its errors, then the warnings about its host.
fn check_url(field: Field, input: &str) -> UrlField {
    let url = match parse_url(field, input) {
        Ok(url) => url,
        Err(finding) => {
            return UrlField {
                url: None,
                tenant: None,
                findings: vec![finding],
            };
        }
    };
    let (tenant, mut findings) = url_errors(field, &url);
    findings.extend(host_warnings(field, &url, tenant));
    UrlField {
        tenant: tenant.map(str::to_owned),
        url: Some(url),
        findings,
    }
}

/// Parses the text as the admin pasted it, or says in one finding why it is not a URL at all.
fn parse_url(field: Field, input: &str) -> Result<Url, Finding> {
    let label = field.label();
    let err = |code, message: String, fix: String| Finding::error(field, code, message, fix);
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(err(
            "endpoint.empty",
            format!("The {label} is empty."),
            copy_again(field),
        ));
    }
    let text = without_trailing_slash(trimmed);

    // The URL parser silently drops tabs and line breaks and turns `\` into `/`: refuse them here
    // so that what is stored is what the admin sees.
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err(
            "endpoint.contains_whitespace",
            format!("The {label} contains spaces or line breaks inside it."),
            format!(
                "Paste only the URL, without its label or other text. {}",
                copy_again(field)
            ),
        ));
    }
    let has_scheme = text.split_once("://").is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if !has_scheme {
        return Err(err(
            "endpoint.missing_scheme",
            format!("The {label} does not start with https://."),
            format!(
                "Paste the whole URL, including https://. {}",
                copy_again(field)
            ),
        ));
    }
    match Url::parse(text) {
        Ok(url) if !text.contains('\\') && url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url),
        _ => Err(err(
            "endpoint.not_a_url",
            format!("The {label} is not a valid URL."),
            copy_again(field),
        )),
    }
}

/// What makes a parsed URL unusable (scheme, user info, query, fragment, path), and the tenant
/// when the path names one.
fn url_errors(field: Field, url: &Url) -> (Option<&str>, Vec<Finding>) {
    let label = field.label();
    let err = |code, message: String, fix: String| Finding::error(field, code, message, fix);
    let mut findings = Vec::new();
    match url.scheme() {
        "https" => {}
        // The sandbox tenant speaks plain http on 127.0.0.1; nothing else may.
        "http" if is_loopback(url) => {}
        _ => findings.push(err(
            "endpoint.not_https",
            format!("The {label} must start with https:// (plain http only works on this computer's loopback address)."),
            format!("Change the start of the {label} to https://, as shown in the task View API Clients."),
        )),
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo the user info: it may hold a password or the client secret.
        findings.push(err(
            "endpoint.has_userinfo",
            format!("The {label} contains a user name or password before the host (user@host)."),
            format!(
                "Remove everything between https:// and @ from the {label}; credentials go in the \
                 Client ID and Client Secret fields."
            ),
        ));
    }
    if url.query().is_some() {
        findings.push(err(
            "endpoint.has_query",
            format!("The {label} contains a query (a part starting with ?)."),
            format!(
                "Remove the ? and everything after it from the {label}; the app adds the \
                 parameters it needs."
            ),
        ));
    }
    if url.fragment().is_some() {
        findings.push(err(
            "endpoint.has_fragment",
            format!("The {label} contains a fragment (a part starting with #)."),
            format!("Remove the # and everything after it from the {label}."),
        ));
    }
    if url.path().contains("//") {
        findings.push(err(
            "endpoint.extra_slashes",
            format!("The {label} contains an empty path segment (two slashes in a row)."),
            format!(
                "Remove the doubled slash from the {label}. {}",
                copy_again(field)
            ),
        ));
        return (None, findings);
    }
    let (tenant, finding) = check_path(field, url.path());
    findings.extend(finding);
    (tenant, findings)
}

/// Warnings: the URL can work, but its host or tenant deserves a second look.
fn host_warnings(field: Field, url: &Url, tenant: Option<&str>) -> Vec<Finding> {
    let label = field.label();
    let host = url.host_str().unwrap_or_default().to_owned();
    let warn = |code, message: String, fix: String| Finding::warning(field, code, message, fix);
    let mut findings = Vec::new();
    if !is_loopback(url) && !looks_like_workday(&host) {
        findings.push(warn(
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
        findings.push(warn(
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
        findings.push(warn(
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
    if let Some(tenant) = tenant
        && tenant.chars().any(char::is_uppercase)
    {
        findings.push(warn(
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
    findings
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
