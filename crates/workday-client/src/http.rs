//! The one HTTP client every Workday call goes through: no redirects, the OS certificate store
//! (plus an extra CA file when one is named), the system proxy, and connect and total timeouts.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::redirect;

/// How the HTTP client is built. `Default` is what the connector uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// TCP + TLS connect limit: a wrong host or a firewall that drops packets fails fast.
    pub connect_timeout: Duration,
    /// Limit for one whole request, body included: a stuck tenant cannot hang a sync.
    pub request_timeout: Duration,
    pub user_agent: String,
    /// A PEM file of CA certificates trusted besides the OS store (for example the CA a local
    /// `workday-sim --tls` writes). Default: the file `WDC_EXTRA_CA_FILE` names, if set.
    pub extra_ca_file: Option<PathBuf>,
}

/// The environment variable naming an extra CA file (PEM) to trust.
pub const EXTRA_CA_FILE_ENV: &str = "WDC_EXTRA_CA_FILE";

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            user_agent: format!("WorkdayConnector/{}", env!("CARGO_PKG_VERSION")),
            extra_ca_file: std::env::var_os(EXTRA_CA_FILE_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }
}

/// The HTTP client could not be built (the OS certificate store or proxy settings unreadable).
#[derive(Debug, thiserror::Error)]
#[error("the HTTP client could not be set up: {reason}")]
pub struct HttpClientError {
    reason: String,
}

impl HttpClientError {
    pub fn code(&self) -> &'static str {
        "http.client_setup"
    }
}

/// Builds the client for Workday calls.
///
/// - Follows no redirect: an open redirect at the token endpoint must not carry the
///   authorization code (or the Basic credentials) elsewhere; a 3xx is reported instead.
/// - Trusts the OS certificate store (reqwest's `rustls-tls-native-roots` in the workspace), so
///   corporate TLS inspection with a company root CA works.
/// - Honours `HTTPS_PROXY`/`ALL_PROXY`/`NO_PROXY` and the system proxy (reqwest's default).
/// - Trusts the CAs of `extra_ca_file` too, in addition to (never instead of) the OS store and
///   with certificate checks as strict as ever: a file that cannot be read or holds no
///   certificate is an error, not a silent fallback.
pub fn http_client(options: &HttpOptions) -> Result<reqwest::Client, HttpClientError> {
    let mut builder = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .connect_timeout(options.connect_timeout)
        .timeout(options.request_timeout)
        .user_agent(options.user_agent.clone());
    if let Some(path) = &options.extra_ca_file {
        let named = |why: String| HttpClientError {
            reason: format!(
                "the extra CA file {} ({EXTRA_CA_FILE_ENV}) {why}",
                path.display()
            ),
        };
        let pem = std::fs::read(path).map_err(|e| named(format!("cannot be read: {e}")))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| named(format!("is not PEM: {}", crate::errors::innermost(&e))))?;
        if certs.is_empty() {
            return Err(named("holds no certificate".into()));
        }
        for c in certs {
            builder = builder.add_root_certificate(c);
        }
    }
    builder.build().map_err(|e| HttpClientError {
        // The builder's error names no URL and holds no secret.
        reason: crate::errors::innermost(&e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_extra_ca_file_is_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("wdc-ca-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        for (path, why) in [
            (dir.join("missing.pem"), "cannot be read"),
            (empty, "holds no certificate"),
        ] {
            let e = http_client(&HttpOptions {
                extra_ca_file: Some(path.clone()),
                ..HttpOptions::default()
            })
            .expect_err("refused");
            let text = e.to_string();
            assert!(text.contains(&path.display().to_string()), "{text}");
            assert!(text.contains(why), "{text}");
            assert!(text.contains(EXTRA_CA_FILE_ENV), "{text}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn defaults() {
        let o = HttpOptions::default();
        assert_eq!(o.connect_timeout, Duration::from_secs(10));
        assert_eq!(o.request_timeout, Duration::from_secs(60));
        assert!(o.user_agent.starts_with("WorkdayConnector/"));
        http_client(&o).expect("client builds");
    }
}
