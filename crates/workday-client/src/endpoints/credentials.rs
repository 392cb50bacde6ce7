//! The Client ID and the Client Secret. Their values are never put into a finding: the secret
//! must not leak, and a client ID that equals the secret would leak it too.

use super::{Field, FieldCheck, Finding, copy_again, field_check};

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

/// `text` with every occurrence of the (trimmed) `secret`, in any ASCII letter case, replaced by
/// `[client secret]`. A secret pasted into a URL field can surface in a finding as a "tenant" or a
/// (lowercased) "host"; whoever shows findings for values that include the secret passes them
/// through here. Secrets shorter than 8 characters are left alone: scrubbing them would mangle
/// words, and no Workday secret is that short.
pub fn scrub_secret(text: &str, secret: &str) -> String {
    let secret = secret.trim();
    if secret.len() < 8 {
        return text.to_owned();
    }
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
