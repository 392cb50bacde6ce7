//! Pieces shared by the OAuth and REST error models: what kind of network failure happened, and
//! turning text a server sent into one safe line (no HTML, no secrets, bounded length).

use std::error::Error as StdError;
use std::time::Duration;

use serde::Serialize;

/// An error as a person sees it (`design.md`, "One error model"): what the CLI prints, `--json`
/// emits and the shell hands to the UI unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorReport {
    pub code: &'static str,
    pub message: String,
    pub fix: String,
    pub http_status: Option<u16>,
}

/// Why a request got no HTTP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkKind {
    /// No answer within the connect or request timeout.
    Timeout,
    /// The host could not be reached: name lookup failed, connection refused or unreachable.
    Connect,
    /// The TLS handshake failed, e.g. "unknown issuer" behind corporate TLS inspection.
    Tls,
    /// The connection closed before an answer came.
    Dropped,
    /// Anything else on the way (proxy, body read).
    Other,
}

impl NetworkKind {
    /// Worth another attempt: the same request may well succeed a moment later. A TLS failure
    /// will not fix itself.
    pub fn is_transient(self) -> bool {
        !matches!(self, NetworkKind::Tls)
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            NetworkKind::Timeout => "timed out",
            NetworkKind::Connect => "could not connect",
            NetworkKind::Tls => "the secure connection (TLS) failed",
            NetworkKind::Dropped => "the connection closed before an answer",
            NetworkKind::Other => "the request failed",
        }
    }
}

/// What went wrong with a request that got no answer, and the innermost cause (which names
/// neither the URL nor anything sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NetworkFailure {
    pub kind: NetworkKind,
    pub detail: String,
}

/// The innermost cause's text: reqwest's own Display names the URL, its sources do not.
pub(crate) fn innermost(e: &(dyn StdError + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    one_line(&cur.to_string(), &[], 160)
}

pub(crate) fn classify_network(e: &reqwest::Error) -> NetworkFailure {
    // Scan the sources only (the top level holds the URL, which could contain anything).
    let mut chain = String::new();
    let mut cur = e.source();
    while let Some(s) = cur {
        chain.push_str(&s.to_string().to_ascii_lowercase());
        chain.push('\n');
        cur = s.source();
    }
    let tls = [
        "certificate",
        "tls",
        "handshake",
        "unknownissuer",
        "invalidcontenttype",
    ]
    .iter()
    .any(|w| chain.contains(w));
    let kind = if tls {
        NetworkKind::Tls
    } else if e.is_timeout() || chain.contains("timed out") {
        NetworkKind::Timeout
    } else if e.is_connect() {
        NetworkKind::Connect
    } else if e.is_request() || e.is_body() {
        NetworkKind::Dropped
    } else {
        NetworkKind::Other
    };
    NetworkFailure {
        kind,
        detail: innermost(e),
    }
}

/// Turns server text into one safe line: tags removed, control characters and runs of
/// whitespace collapsed, any known secret replaced, at most `max` characters.
pub(crate) fn one_line(text: &str, secrets: &[&str], max: usize) -> String {
    let mut s = text.to_string();
    for secret in secrets {
        // Very short values would redact ordinary words; real secrets are long.
        if secret.len() >= 6 {
            s = s.replace(secret, "[redacted]");
        }
    }
    let mut out = String::with_capacity(s.len().min(max + 1));
    let mut in_tag = false;
    let mut last_space = true;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            c if c.is_whitespace() || c.is_control() => {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            c => {
                out.push(c);
                last_space = false;
            }
        }
    }
    let out = out.trim_end();
    if out.chars().count() > max {
        let cut: String = out.chars().take(max).collect();
        format!("{}...", cut.trim_end())
    } else {
        out.to_string()
    }
}

/// `Retry-After`: delay-seconds or an HTTP date (RFC 9110 10.2.3).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// Reads at most `cap` bytes of a body; Ok(None) when it is larger (never buffered whole).
pub(crate) async fn read_capped(
    mut resp: reqwest::Response,
    cap: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if body.len() + chunk.len() > cap {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_strips_html_secrets_and_length() {
        assert_eq!(
            one_line("<p>Bad <b>thing</b></p>\n\n happened", &[], 100),
            "Bad thing happened"
        );
        assert_eq!(
            one_line("token abcdef123 leaked", &["abcdef123"], 100),
            "token [redacted] leaked"
        );
        let long = "x".repeat(500);
        assert_eq!(one_line(&long, &[], 10), format!("{}...", "x".repeat(10)));
    }

    #[test]
    fn retry_after_forms() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
