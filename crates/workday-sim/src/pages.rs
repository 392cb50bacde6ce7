//! The website host's HTML: consent page, error pages and the SSO identity-provider page. Pages
//! are self-contained (inline CSS, no external assets, no scripts).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// The API client's name as registered in the sandbox tenant.
pub const CLIENT_NAME: &str = "Workday Connector sandbox";

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn shell(title: &str, tenant: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f5f8;margin:0;color:#1f2933}}
header{{background:#005cb9;color:#fff;padding:14px 24px;font-weight:600}}
main{{max-width:560px;margin:40px auto;background:#fff;border-radius:8px;padding:28px 32px;box-shadow:0 1px 4px rgba(0,0,0,.15)}}
h1{{font-size:1.3em;margin-top:0}} ul{{padding-left:1.2em}} .muted{{color:#616e7c;font-size:.9em}}
.buttons{{display:flex;gap:12px;margin-top:24px}}
button{{font-size:1em;padding:9px 22px;border-radius:4px;border:1px solid #005cb9;cursor:pointer}}
button.allow{{background:#005cb9;color:#fff}} button.deny{{background:#fff;color:#005cb9}}
.error{{border-left:4px solid #c0392b;padding-left:12px}}
</style></head>
<body><header>workday. &middot; {tenant}</header><main>
{body}
</main></body></html>"#,
        title = esc(title),
        tenant = esc(tenant),
    )
}

/// The consent page: ONE form (`id="consent"`) posting the pending request id with either
/// `decision=allow` or `decision=deny`.
pub fn consent(
    tenant: &str,
    account: &str,
    account_name: &str,
    areas: &[&str],
    pending_id: &str,
) -> Response {
    let areas_html: String = if areas.is_empty() {
        "<li><em>No functional areas</em></li>".to_string()
    } else {
        areas
            .iter()
            .map(|a| format!("<li>{}</li>", esc(a)))
            .collect()
    };
    let body = format!(
        r#"<h1>Allow {client} to access your Workday account?</h1>
<p>Signed in as <strong id="account">{account}</strong> ({account_name}).</p>
<p>{client} is requesting access to these functional areas:</p>
<ul id="scopes">{areas_html}</ul>
<p class="muted">It will be able to act with your security permissions in these areas until you revoke its access.</p>
<form id="consent" method="post" action="/{tenant}/authorize/decision">
<input type="hidden" name="request" value="{pending}">
<div class="buttons"><button class="allow" type="submit" name="decision" value="allow">Allow</button>
<button class="deny" type="submit" name="decision" value="deny">Deny</button></div>
</form>"#,
        client = esc(CLIENT_NAME),
        account = esc(account),
        account_name = esc(account_name),
        tenant = esc(tenant),
        pending = esc(pending_id),
    );
    Html(shell("Authorize API Client", tenant, &body)).into_response()
}

/// An error page: shown instead of redirecting when the redirect target cannot be trusted.
pub fn error(status: StatusCode, tenant: &str, message: &str) -> Response {
    let body = format!(
        r#"<div class="error" id="error"><h1>Something went wrong</h1><p id="message">{}</p></div>"#,
        esc(message)
    );
    (status, Html(shell("Error", tenant, &body))).into_response()
}

/// The identity provider page of an SSO tenant: a SAML hand-off that never comes back.
pub fn sso(tenant: &str) -> Response {
    let body = r#"<h1 id="sso">Signing you in with your organization's identity provider</h1>
<p>Redirecting to single sign-on (SAML)&hellip;</p>
<p class="muted">Your organization signs in through an identity provider. If this page does not move on,
ask your administrator, or add <code>redirect=n</code> to the authorization URL.</p>"#;
    Html(shell("Single Sign-On", tenant, body)).into_response()
}
