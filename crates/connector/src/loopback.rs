//! The loopback redirect URI that the app listens on and that the admin registers in Workday.

/// Below 49152: Windows reserves parts of the dynamic range for Hyper-V, WSL and Docker.
pub const DEFAULT_REDIRECT_PORT: u16 = 8413;

/// The path the listener answers on; anything else is a stray request.
pub const CALLBACK_PATH: &str = "/callback";

/// How the redirect URI names the loopback host. Workday stores one exact URI per client, so the
/// form is part of the connection's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectHost {
    /// `127.0.0.1`: no name resolution, so no IPv4/IPv6 mismatch (RFC 8252 recommends it).
    #[default]
    Ipv4Literal,
    /// `localhost`, only for tenants that insist on it; then both 127.0.0.1 and ::1 are bound.
    Localhost,
}

/// The exact URI to paste into Workday's "Redirection URI" field, character for character.
pub fn redirect_uri(port: u16, host: RedirectHost) -> String {
    let host = match host {
        RedirectHost::Ipv4Literal => "127.0.0.1",
        RedirectHost::Localhost => "localhost",
    };
    format!("http://{host}:{port}{CALLBACK_PATH}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_uri_to_register() {
        assert_eq!(
            redirect_uri(DEFAULT_REDIRECT_PORT, RedirectHost::Ipv4Literal),
            "http://127.0.0.1:8413/callback"
        );
        assert_eq!(
            redirect_uri(9000, RedirectHost::Localhost),
            "http://localhost:9000/callback"
        );
    }
}
