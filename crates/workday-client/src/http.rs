//! The one HTTP client every Workday call goes through: no redirects, the OS certificate store,
//! the system proxy, and connect and total timeouts.

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
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            user_agent: format!("WorkdayConnector/{}", env!("CARGO_PKG_VERSION")),
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
pub fn http_client(options: &HttpOptions) -> Result<reqwest::Client, HttpClientError> {
    reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .connect_timeout(options.connect_timeout)
        .timeout(options.request_timeout)
        .user_agent(options.user_agent.clone())
        .build()
        .map_err(|e| HttpClientError {
            // The builder's error names no URL and holds no secret.
            reason: crate::errors::innermost(&e),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let o = HttpOptions::default();
        assert_eq!(o.connect_timeout, Duration::from_secs(10));
        assert_eq!(o.request_timeout, Duration::from_secs(60));
        assert!(o.user_agent.starts_with("WorkdayConnector/"));
        http_client(&o).expect("client builds");
    }
}
