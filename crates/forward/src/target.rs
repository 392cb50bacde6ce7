//! Where a destination is: the URL a person types (`syslog+tls://host:port`,
//! `hec+https://host:port?index=main`, `elastic+https://host:port/index`, `otlp+https://host:port`),
//! checked and split into what the senders need. Plain `+http` only on loopback.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::format::Format;

/// The kinds of destination this build can deliver to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    SyslogTls,
    SyslogTcp,
    SyslogUdp,
    Hec,
    Elastic,
    Otlp,
}

impl Kind {
    /// The format a destination of this kind gets unless told otherwise.
    pub fn default_format(self) -> Format {
        match self {
            Kind::Elastic => Format::Ecs,
            _ => Format::Json,
        }
    }

    /// Whether a token (or API key, or `user:password`) is part of its settings.
    pub fn takes_secret(self) -> bool {
        matches!(self, Kind::Hec | Kind::Elastic | Kind::Otlp)
    }

    /// Whether it cannot work without one.
    pub fn needs_secret(self) -> bool {
        matches!(self, Kind::Hec | Kind::Elastic)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::SyslogTls => "syslog over TLS",
            Kind::SyslogTcp => "syslog over TCP",
            Kind::SyslogUdp => "syslog over UDP",
            Kind::Hec => "Splunk HTTP Event Collector",
            Kind::Elastic => "Elasticsearch _bulk",
            Kind::Otlp => "OpenTelemetry logs (OTLP/HTTP JSON)",
        }
    }
}

/// A checked destination address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    pub host: String,
    pub port: u16,
    /// For the HTTP kinds: the base URL (scheme http or https, no credentials).
    pub base: Option<Url>,
    /// Elasticsearch: the index written to.
    pub index: Option<String>,
    /// Splunk HEC: `index`, `sourcetype` and `source` from the query.
    pub hec_index: Option<String>,
    pub hec_sourcetype: Option<String>,
    pub hec_source: Option<String>,
    /// The URL as given, for listings (it holds no secret: credentials in it are refused).
    pub spec: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spec)
    }
}

/// Why a destination URL cannot be used; each says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TargetError {
    pub code: &'static str,
    pub message: String,
    pub fix: String,
}

const EXAMPLES: &str = "Use one of: syslog+tls://HOST:6514, syslog+tcp://HOST:514, \
    syslog+udp://HOST:514, hec+https://HOST:8088, elastic+https://HOST:9200/INDEX, \
    otlp+https://HOST:4318";

fn bad(code: &'static str, message: String, fix: impl Into<String>) -> TargetError {
    TargetError {
        code,
        message,
        fix: fix.into(),
    }
}

impl Target {
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let text = text.trim();
        let url = Url::parse(text).map_err(|e| {
            bad(
                "forward.bad_url",
                format!("\"{text}\" is not a destination URL ({e})."),
                EXAMPLES,
            )
        })?;
        let scheme = url.scheme().to_string();
        let (kind, transport) = match scheme.as_str() {
            "syslog+tls" => (Kind::SyslogTls, "tls"),
            "syslog+tcp" => (Kind::SyslogTcp, "tcp"),
            "syslog+udp" => (Kind::SyslogUdp, "udp"),
            "hec+https" => (Kind::Hec, "https"),
            "hec+http" => (Kind::Hec, "http"),
            "elastic+https" => (Kind::Elastic, "https"),
            "elastic+http" => (Kind::Elastic, "http"),
            "otlp+https" => (Kind::Otlp, "https"),
            "otlp+http" => (Kind::Otlp, "http"),
            "sentinel+https" | "sentinel+http" => {
                return Err(bad(
                    "forward.kind_unavailable",
                    "Microsoft Sentinel (Logs Ingestion API) destinations are not available in \
                     this version."
                        .into(),
                    "Forward to Sentinel through its syslog collector (Azure Monitor Agent): \
                     syslog+tls://COLLECTOR:6514 with --format cef.",
                ));
            }
            other => {
                return Err(bad(
                    "forward.bad_scheme",
                    format!("\"{other}\" is not a kind of destination this app knows."),
                    EXAMPLES,
                ));
            }
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "forward.credentials_in_url",
                "The destination URL holds a user name or password; URLs are kept in plain \
                 settings files and shown in listings."
                    .into(),
                "Remove them from the URL and pipe the token (or user:password) in with \
                 --token-stdin: it is kept in the OS credential store.",
            ));
        }
        let host = match url.host_str() {
            Some(h) if !h.is_empty() => h.trim_start_matches('[').trim_end_matches(']'),
            _ => {
                return Err(bad(
                    "forward.no_host",
                    format!("\"{text}\" names no host."),
                    EXAMPLES,
                ));
            }
        }
        .to_ascii_lowercase();
        if transport == "http" && !is_loopback(&host) {
            return Err(bad(
                "forward.plain_http",
                format!(
                    "{scheme} sends events and the token unencrypted; it is allowed only to this \
                     computer (127.0.0.1, ::1, localhost), not to {host}."
                ),
                format!("Use {}+https://{host}...", scheme.trim_end_matches("+http")),
            ));
        }
        let port = url.port().unwrap_or(match kind {
            Kind::SyslogTls => 6514,
            Kind::SyslogTcp | Kind::SyslogUdp => 514,
            Kind::Hec => 8088,
            Kind::Elastic => 9200,
            Kind::Otlp => 4318,
        });
        if port == 0 {
            return Err(bad(
                "forward.bad_port",
                format!("Port 0 in \"{text}\" cannot be connected to."),
                "Give the port the receiver listens on.",
            ));
        }
        let mut target = Target {
            kind,
            host: host.clone(),
            port,
            base: None,
            index: None,
            hec_index: None,
            hec_sourcetype: None,
            hec_source: None,
            spec: text.to_string(),
        };
        let path = url.path().trim_matches('/').to_string();
        match kind {
            Kind::SyslogTls | Kind::SyslogTcp | Kind::SyslogUdp => {
                if !path.is_empty() || url.query().is_some() {
                    return Err(bad(
                        "forward.bad_url",
                        format!("A syslog destination is a host and a port only, not \"{text}\"."),
                        format!("Use {scheme}://HOST:PORT."),
                    ));
                }
            }
            Kind::Elastic => {
                if path.is_empty() || path.contains('/') {
                    return Err(bad(
                        "forward.no_index",
                        format!("\"{text}\" names no index (or more than one path segment)."),
                        "Put the index after the host: elastic+https://HOST:9200/INDEX.",
                    ));
                }
                check_index(&path)?;
                target.index = Some(path);
                target.base = Some(base_url(transport, &host, port, "")?);
            }
            Kind::Hec => {
                for (k, v) in url.query_pairs() {
                    match k.as_ref() {
                        "index" => target.hec_index = Some(v.into_owned()),
                        "sourcetype" => target.hec_sourcetype = Some(v.into_owned()),
                        "source" => target.hec_source = Some(v.into_owned()),
                        other => {
                            return Err(bad(
                                "forward.bad_url",
                                format!("\"{other}\" is not a setting of a HEC destination."),
                                "Only index, sourcetype and source can follow the ?: \
                                 hec+https://HOST:8088?index=main&sourcetype=workday:activity.",
                            ));
                        }
                    }
                }
                target.base = Some(base_url(transport, &host, port, &path)?);
            }
            Kind::Otlp => {
                target.base = Some(base_url(transport, &host, port, &path)?);
            }
        }
        Ok(target)
    }
}

fn base_url(scheme: &str, host: &str, port: u16, path: &str) -> Result<Url, TargetError> {
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let mut text = format!("{scheme}://{host}:{port}/");
    if !path.is_empty() {
        text.push_str(path);
        text.push('/');
    }
    Url::parse(&text).map_err(|e| {
        bad(
            "forward.bad_url",
            format!("{text} is not a usable address ({e})."),
            EXAMPLES,
        )
    })
}

/// Elasticsearch's own rules for index names, so a typo is caught here, not at the first batch.
fn check_index(name: &str) -> Result<(), TargetError> {
    let bad_char = name
        .chars()
        .find(|c| c.is_ascii_uppercase() || " \"*\\<|,>/?#:".contains(*c));
    if let Some(c) = bad_char {
        return Err(bad(
            "forward.bad_index",
            format!("The index name \"{name}\" holds '{c}', which Elasticsearch refuses."),
            "Use lower-case letters, digits, '-', '_' and '.', e.g. workday-activity.",
        ));
    }
    if name.starts_with(['-', '_', '+']) || name == "." || name == ".." {
        return Err(bad(
            "forward.bad_index",
            format!("The index name \"{name}\" is not allowed by Elasticsearch."),
            "Start the index name with a letter or digit, e.g. workday-activity.",
        ));
    }
    Ok(())
}

/// 127.0.0.0/8, ::1 and localhost: what plain HTTP may reach.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scheme_names_its_kind_and_default_port() {
        let t = Target::parse("syslog+tls://siem.example.com").unwrap();
        assert_eq!(
            (t.kind, t.port, t.host.as_str()),
            (Kind::SyslogTls, 6514, "siem.example.com")
        );
        assert_eq!(
            Target::parse("syslog+udp://10.0.0.1:1514").unwrap().port,
            1514
        );
        let e = Target::parse("elastic+https://es:9243/workday-activity").unwrap();
        assert_eq!(e.index.as_deref(), Some("workday-activity"));
        assert_eq!(e.base.unwrap().as_str(), "https://es:9243/");
        let h = Target::parse("hec+https://splunk:8088?index=sec&sourcetype=wd").unwrap();
        assert_eq!(h.hec_index.as_deref(), Some("sec"));
        assert_eq!(h.hec_sourcetype.as_deref(), Some("wd"));
        let o = Target::parse("otlp+http://127.0.0.1:4318").unwrap();
        assert_eq!(o.base.unwrap().as_str(), "http://127.0.0.1:4318/");
    }

    #[test]
    fn plain_http_is_for_loopback_only() {
        assert!(Target::parse("hec+http://127.0.0.1:8088").is_ok());
        assert!(Target::parse("hec+http://[::1]:8088").is_ok());
        assert!(Target::parse("elastic+http://localhost:9200/x").is_ok());
        let e = Target::parse("hec+http://splunk.example.com:8088").unwrap_err();
        assert_eq!(e.code, "forward.plain_http");
        assert!(
            e.fix.contains("hec+https://splunk.example.com"),
            "{}",
            e.fix
        );
    }

    #[test]
    fn bad_urls_say_what_to_type() {
        for (text, code) in [
            ("https://splunk:8088", "forward.bad_scheme"),
            ("not a url", "forward.bad_url"),
            ("elastic+https://es:9200", "forward.no_index"),
            ("elastic+https://es:9200/Workday", "forward.bad_index"),
            ("hec+https://u:p@splunk:8088", "forward.credentials_in_url"),
            ("syslog+tls://host:6514/path", "forward.bad_url"),
            ("hec+https://splunk:8088?token=x", "forward.bad_url"),
            (
                "sentinel+https://dce.example.com",
                "forward.kind_unavailable",
            ),
            ("syslog+tcp://host:0", "forward.bad_port"),
        ] {
            let e = Target::parse(text).unwrap_err();
            assert_eq!(e.code, code, "{text}: {e:?}");
            assert!(!e.fix.is_empty() && !e.message.contains('\n'));
        }
    }
}
