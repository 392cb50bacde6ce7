//! The endpoint checks and the paste parser, pinned field by field.

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
        &check_rest_endpoint("https://wd5-services1.myworkday.com/ccx/api/v1/acme/activityLogging"),
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
        f.message.contains("wd3-services1.myworkday.com") && f.message.contains("wd5-services1")
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

    let c = check_token_endpoint("https://wd2-impl-services1.workday.com/ccx/oauth2/acme/token");
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
    // The secret pasted into a URL field surfaces as its tenant or (lowercased) host; the scrub
    // takes it out in any letter case, and leaves too-short values alone.
    let rest = format!("https://wd5-services1.myworkday.com/ccx/api/v1/{SECRET}");
    let token = format!("https://{SECRET}.example.com/ccx/oauth2/x/token");
    let findings = check_all(&rest, &token, PROD_AUTH).expect_err("tenants differ");
    let lower = SECRET.to_ascii_lowercase();
    assert!(
        findings
            .iter()
            .any(|f| f.message.to_ascii_lowercase().contains(&lower)),
        "the raw findings name the secret, so the scrub has work: {findings:#?}"
    );
    for f in &findings {
        let message = scrub_secret(&f.message, &format!(" {SECRET} "));
        let fix = scrub_secret(&f.fix, SECRET);
        assert!(!message.to_ascii_lowercase().contains(&lower), "{message}");
        assert!(!fix.to_ascii_lowercase().contains(&lower), "{fix}");
    }
    assert_eq!(
        scrub_secret(&format!("on {lower}.example.com"), SECRET),
        "on [client secret].example.com"
    );
    assert_eq!(scrub_secret("the tenant acme", "acme"), "the tenant acme");
}

#[test]
fn findings_serialise_in_snake_case() {
    let f = &check_rest_endpoint("https://wd5-services1.myworkday.com/ccx/api/v2/acme").findings[0];
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
    let short = parse_view_api_clients("Client Secret\nActive\nClient ID\nZmM1YjE2YTgtNTc0Ni00");
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
