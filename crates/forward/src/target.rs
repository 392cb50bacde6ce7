//! Where a destination is: the URL a person types (`syslog+tls://host:port`,
//! `hec+https://host:port?index=main`, `elastic+https://host:port/index`, `otlp+https://host:port`,
//! `sentinel+https://DCE?dcr=..&stream=..&tenant=..&client=..`), checked and split into what the
//! senders need. Plain `+http` only on loopback.

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
    Sentinel,
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
        matches!(
            self,
            Kind::Hec | Kind::Elastic | Kind::Otlp | Kind::Sentinel
        )
    }

    /// Whether it cannot work without one.
    pub fn needs_secret(self) -> bool {
        matches!(self, Kind::Hec | Kind::Elastic | Kind::Sentinel)
    }

    /// Whether `--format` means anything for it (Sentinel's records have fixed columns).
    pub fn takes_format(self) -> bool {
        self != Kind::Sentinel
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::SyslogTls => "syslog over TLS",
            Kind::SyslogTcp => "syslog over TCP",
            Kind::SyslogUdp => "syslog over UDP",
            Kind::Hec => "Splunk HTTP Event Collector",
            Kind::Elastic => "Elasticsearch _bulk",
            Kind::Otlp => "OpenTelemetry logs (OTLP/HTTP)",
            Kind::Sentinel => "Microsoft Sentinel (Logs Ingestion API)",
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
    /// Splunk HEC `?ack=true`: a batch counts only once indexer acknowledgement confirms it.
    pub hec_ack: bool,
    /// OTLP `?encoding=protobuf`: binary protobuf instead of the default JSON.
    pub otlp_protobuf: bool,
    /// Microsoft Sentinel / Azure Monitor Logs Ingestion: the DCR, stream and Entra app.
    pub sentinel: Option<Sentinel>,
    /// The URL as given, for listings (it holds no secret: credentials in it are refused).
    pub spec: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spec)
    }
}

/// Where a Logs Ingestion API destination sends, and as whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentinel {
    /// The data collection rule's immutable id, `dcr-` and 32 hex digits.
    pub dcr: String,
    /// The DCR's input stream, `Custom-NAME`.
    pub stream: String,
    /// The Entra (Azure AD) tenant id, a GUID.
    pub tenant: String,
    /// The Entra app's application (client) id, a GUID.
    pub client: String,
    /// Where tokens come from: `https://login.microsoftonline.com` unless `authority=` says
    /// otherwise (a sovereign cloud's login host, or a loopback test authority).
    pub authority: Url,
    /// The token scope of the cloud the endpoint is in (`https://monitor.azure.com//.default`).
    pub scope: String,
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
    otlp+https://HOST:4318, \
    sentinel+https://DCE-HOST?dcr=DCR-ID&stream=Custom-NAME&tenant=TENANT-ID&client=CLIENT-ID";

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
            "sentinel+https" => (Kind::Sentinel, "https"),
            "sentinel+http" => (Kind::Sentinel, "http"),
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
            Kind::Sentinel => 443,
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
            hec_ack: false,
            otlp_protobuf: false,
            sentinel: None,
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
                        "ack" => {
                            target.hec_ack = match v.as_ref() {
                                "true" | "1" => true,
                                "false" | "0" => false,
                                other => {
                                    return Err(bad(
                                        "forward.bad_url",
                                        format!("ack={other} is neither true nor false."),
                                        "Use ?ack=true when the HEC token has indexer acknowledgement enabled, or leave ack out.",
                                    ));
                                }
                            }
                        }
                        other => {
                            return Err(bad(
                                "forward.bad_url",
                                format!("\"{other}\" is not a setting of a HEC destination."),
                                "Only index, sourcetype, source and ack can follow the ?: \
                                 hec+https://HOST:8088?index=main&sourcetype=workday:activity&ack=true.",
                            ));
                        }
                    }
                }
                target.base = Some(base_url(transport, &host, port, &path)?);
            }
            Kind::Otlp => {
                for (k, v) in url.query_pairs() {
                    match (k.as_ref(), v.as_ref()) {
                        ("encoding", "json") => target.otlp_protobuf = false,
                        ("encoding", "protobuf") => target.otlp_protobuf = true,
                        (k, v) => {
                            return Err(bad(
                                "forward.bad_url",
                                format!("{k}={v} is not a setting of an OTLP destination."),
                                "Only encoding=json (the default) or encoding=protobuf can follow \
                                 the ?: otlp+https://HOST:4318?encoding=protobuf.",
                            ));
                        }
                    }
                }
                target.base = Some(base_url(transport, &host, port, &path)?);
            }
            Kind::Sentinel => {
                if !path.is_empty() {
                    return Err(bad(
                        "forward.bad_url",
                        format!(
                            "A Sentinel destination is the data collection endpoint's host, without a path, not \"{text}\"."
                        ),
                        SENTINEL_FORM,
                    ));
                }
                target.sentinel = Some(sentinel(&url, &host)?);
                target.base = Some(base_url(transport, &host, port, "")?);
            }
        }
        Ok(target)
    }
}

const SENTINEL_FORM: &str = "Use sentinel+https://DCE-HOST?dcr=dcr-...&stream=Custom-NAME&tenant=TENANT-ID&client=CLIENT-ID \
    (DCE-HOST: Azure portal > Monitor > Data Collection Endpoints > your endpoint > Overview: \
    Logs Ingestion, without https://).";

/// The Logs Ingestion settings in the query, each checked against the form Azure gives it, with
/// the portal page to copy it from.
fn sentinel(url: &Url, host: &str) -> Result<Sentinel, TargetError> {
    let mut values: std::collections::BTreeMap<String, String> = Default::default();
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "dcr" | "stream" | "tenant" | "client" | "authority" => {
                values.insert(k.into_owned(), v.trim().to_string());
            }
            "secret" | "client_secret" | "token" => {
                return Err(bad(
                    "forward.credentials_in_url",
                    "The destination URL holds the client secret; URLs are kept in plain \
                     settings files and shown in listings."
                        .into(),
                    "Remove it from the URL and pipe the client secret in with --token-stdin: it \
                     is kept in the OS credential store.",
                ));
            }
            other => {
                return Err(bad(
                    "forward.bad_url",
                    format!("\"{other}\" is not a setting of a Sentinel destination."),
                    format!(
                        "Only dcr, stream, tenant and client (and authority) can follow the ?. {SENTINEL_FORM}"
                    ),
                ));
            }
        }
    }
    let get = |name: &str| values.get(name).map(String::as_str).unwrap_or_default();
    let dcr = get("dcr").to_ascii_lowercase();
    let dcr_ok = dcr
        .strip_prefix("dcr-")
        .is_some_and(|h| h.len() == 32 && h.chars().all(|c| c.is_ascii_hexdigit()));
    if !dcr_ok {
        return Err(bad(
            "forward.sentinel_dcr",
            if dcr.is_empty() {
                "The Sentinel destination names no data collection rule (dcr=).".into()
            } else {
                format!(
                    "\"{dcr}\" is not a data collection rule's immutable id (dcr- and 32 hex digits)."
                )
            },
            "Copy the rule's immutable id into dcr=: Azure portal > Monitor > Data Collection \
             Rules > your rule > JSON View: immutableId (dcr-...).",
        ));
    }
    let stream = get("stream");
    let stream_ok = stream.strip_prefix("Custom-").is_some_and(|n| {
        !n.is_empty() && n.len() <= 100 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    if !stream_ok {
        return Err(bad(
            "forward.sentinel_stream",
            if stream.is_empty() {
                "The Sentinel destination names no stream (stream=).".into()
            } else {
                format!(
                    "\"{stream}\" is not a custom stream name (Custom- then letters, digits, _)."
                )
            },
            "Copy the stream into stream=: Azure portal > Monitor > Data Collection Rules > your \
             rule > JSON View: streamDeclarations (e.g. Custom-WorkdayActivity).",
        ));
    }
    let tenant = get("tenant").to_ascii_lowercase();
    if !is_guid(&tenant) {
        return Err(bad(
            "forward.sentinel_tenant",
            if tenant.is_empty() {
                "The Sentinel destination names no Entra tenant (tenant=).".into()
            } else {
                format!("\"{tenant}\" is not a tenant id (a GUID).")
            },
            "Copy the Tenant ID into tenant=: Azure portal > Microsoft Entra ID > Overview: \
             Tenant ID.",
        ));
    }
    let client = get("client").to_ascii_lowercase();
    if !is_guid(&client) {
        return Err(bad(
            "forward.sentinel_client",
            if client.is_empty() {
                "The Sentinel destination names no Entra app (client=).".into()
            } else {
                format!("\"{client}\" is not an application (client) id (a GUID).")
            },
            "Copy the app's id into client=: Azure portal > Microsoft Entra ID > App \
             registrations > your app > Overview: Application (client) ID.",
        ));
    }
    let authority = match values.get("authority") {
        None => Url::parse(DEFAULT_AUTHORITY).expect("a URL"),
        Some(a) => authority(a)?,
    };
    Ok(Sentinel {
        dcr,
        stream: stream.to_string(),
        tenant,
        client,
        authority,
        scope: scope_for(host).to_string(),
    })
}

/// Entra ID's global login host.
const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com/";

/// `authority=`: a sovereign cloud's login host over https (login.microsoftonline.us,
/// login.chinacloudapi.cn), or plain http to this computer (a test authority).
fn authority(text: &str) -> Result<Url, TargetError> {
    let fix = "Leave authority= out for Azure's global cloud; for a sovereign cloud give its \
               login host, e.g. authority=https://login.microsoftonline.us.";
    let url = Url::parse(text).map_err(|e| {
        bad(
            "forward.sentinel_authority",
            format!("\"{text}\" is not an authority URL ({e})."),
            fix,
        )
    })?;
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let ok = match url.scheme() {
        "https" => !host.is_empty(),
        "http" => is_loopback(&host),
        _ => false,
    };
    if !ok
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || !url.path().trim_matches('/').is_empty()
    {
        return Err(bad(
            "forward.sentinel_authority",
            format!(
                "\"{text}\" is not an authority this app sends a client secret to (https, or \
                 http to this computer only; no path)."
            ),
            fix,
        ));
    }
    let mut url = url;
    url.set_path("/");
    Ok(url)
}

/// The token scope of the cloud a data collection endpoint is in: the endpoint's host says it.
fn scope_for(dce_host: &str) -> &'static str {
    if dce_host.ends_with(".azure.us") {
        "https://monitor.azure.us//.default"
    } else if dce_host.ends_with(".azure.cn") {
        "https://monitor.azure.cn//.default"
    } else {
        "https://monitor.azure.com//.default"
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits.
fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
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
        assert!(!h.hec_ack);
        assert!(
            Target::parse("hec+https://splunk:8088?ack=true")
                .unwrap()
                .hec_ack
        );
        assert_eq!(
            Target::parse("hec+https://splunk:8088?ack=yes")
                .unwrap_err()
                .code,
            "forward.bad_url"
        );
        assert!(
            Target::parse("otlp+https://c:4318?encoding=protobuf")
                .unwrap()
                .otlp_protobuf
        );
        assert_eq!(
            Target::parse("otlp+https://c:4318?encoding=xml")
                .unwrap_err()
                .code,
            "forward.bad_url"
        );
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
            ("sentinel+https://dce.example.com", "forward.sentinel_dcr"),
            ("syslog+tcp://host:0", "forward.bad_port"),
        ] {
            let e = Target::parse(text).unwrap_err();
            assert_eq!(e.code, code, "{text}: {e:?}");
            assert!(!e.fix.is_empty() && !e.message.contains('\n'));
        }
    }

    const DCR: &str = "dcr-00112233445566778899aabbccddeeff";
    const GUID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    fn sentinel_url(dce: &str, extra: &str) -> String {
        format!(
            "sentinel+https://{dce}?dcr={DCR}&stream=Custom-WorkdayActivity&tenant={GUID}&client={GUID}{extra}"
        )
    }

    #[test]
    fn a_sentinel_url_names_its_rule_stream_app_and_cloud() {
        let t = Target::parse(&sentinel_url(
            "wd-a1b2.westeurope-1.ingest.monitor.azure.com",
            "",
        ))
        .unwrap();
        assert_eq!((t.kind, t.port), (Kind::Sentinel, 443));
        let s = t.sentinel.unwrap();
        assert_eq!(s.dcr, DCR);
        assert_eq!(s.stream, "Custom-WorkdayActivity");
        assert_eq!(s.authority.as_str(), "https://login.microsoftonline.com/");
        assert_eq!(s.scope, "https://monitor.azure.com//.default");
        let gov = Target::parse(&sentinel_url(
            "x.usgovvirginia-1.ingest.monitor.azure.us",
            "&authority=https://login.microsoftonline.us",
        ))
        .unwrap()
        .sentinel
        .unwrap();
        assert_eq!(gov.scope, "https://monitor.azure.us//.default");
        assert_eq!(gov.authority.as_str(), "https://login.microsoftonline.us/");
        let local = Target::parse(
            &sentinel_url("h", "&authority=http://127.0.0.1:9")
                .replace("sentinel+https://h", "sentinel+http://127.0.0.1:8"),
        )
        .unwrap();
        assert_eq!(local.base.unwrap().as_str(), "http://127.0.0.1:8/");
    }

    #[test]
    fn each_bad_sentinel_setting_names_the_portal_place_to_copy_it_from() {
        let good = sentinel_url("dce.example.com", "");
        for (text, code, fix) in [
            (
                good.replace(DCR, "dcr-123"),
                "forward.sentinel_dcr",
                "immutableId",
            ),
            (
                good.replace("Custom-WorkdayActivity", "WorkdayActivity"),
                "forward.sentinel_stream",
                "streamDeclarations",
            ),
            (
                good.replace(&format!("tenant={GUID}"), "tenant=contoso"),
                "forward.sentinel_tenant",
                "Tenant ID",
            ),
            (
                good.replace(&format!("&client={GUID}"), ""),
                "forward.sentinel_client",
                "Application (client) ID",
            ),
            (
                format!("{good}&authority=http://login.example.com"),
                "forward.sentinel_authority",
                "sovereign",
            ),
            (
                format!("{good}&client_secret=x"),
                "forward.credentials_in_url",
                "--token-stdin",
            ),
            (format!("{good}&region=x"), "forward.bad_url", "dcr"),
            (
                good.replace("dce.example.com", "dce.example.com/path"),
                "forward.bad_url",
                "Data Collection Endpoints",
            ),
            (
                good.replace(
                    "sentinel+https://dce.example.com",
                    "sentinel+http://dce.example.com",
                ),
                "forward.plain_http",
                "sentinel+https",
            ),
        ] {
            let e = Target::parse(&text).unwrap_err();
            assert_eq!(e.code, code, "{text}: {e:?}");
            assert!(e.fix.contains(fix), "{text}: {}", e.fix);
        }
    }
}
