//! Receivers for the forwarding tests: strict fakes of Splunk HEC and Elasticsearch `_bulk`
//! (every header, the auth and the body format checked; told on command to accept, answer a
//! status, take a batch and hang up without answering, or drop connections unread), and a real
//! rsyslog with TLS on a port it chose itself, writing what it receives to a file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// What the fake does with the next requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// Check and accept.
    Accept,
    /// Answer this status (with `Retry-After: secs` when given), keeping nothing.
    Status(u16, Option<u64>),
    /// Read and keep the batch, then hang up without an answer (a receiver that crashed after
    /// taking it): the sender cannot know it arrived.
    TakeAndHangUp,
    /// Close each connection as soon as it is accepted, reading nothing.
    DropConnections,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FakeKind {
    Hec,
    Elastic,
}

/// One record the fake kept: its event key, the payload it carried, and whether it was kept
/// during a `TakeAndHangUp` request.
#[derive(Debug, Clone)]
pub struct Received {
    pub key: String,
    pub payload: Value,
    pub unacknowledged: bool,
}

#[derive(Debug, Default)]
struct State {
    behaviour: Option<Behaviour>,
    received: Vec<Received>,
    /// Contract violations seen (each answered 400 or 401).
    violations: Vec<String>,
    requests: usize,
    /// Authorization headers seen, to prove the token travelled only there.
    auth_seen: HashSet<String>,
}

/// A strict fake on 127.0.0.1, bound before it is handed out.
#[derive(Debug, Clone)]
pub struct HttpFake {
    pub port: u16,
    kind: FakeKind,
    secret: String,
    index: String,
    state: Arc<Mutex<State>>,
}

impl HttpFake {
    /// A HEC fake that accepts `Authorization: Splunk {token}`.
    pub async fn hec(token: &str) -> HttpFake {
        Self::start(FakeKind::Hec, token, "").await
    }

    /// An `_bulk` fake that accepts `Authorization: ApiKey {key}` and writes to `index`.
    pub async fn elastic(api_key: &str, index: &str) -> HttpFake {
        Self::start(FakeKind::Elastic, api_key, index).await
    }

    async fn start(kind: FakeKind, secret: &str, index: &str) -> HttpFake {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake binds");
        let fake = HttpFake {
            port: listener.local_addr().expect("an address").port(),
            kind,
            secret: secret.to_string(),
            index: index.to_string(),
            state: Arc::new(Mutex::new(State {
                behaviour: Some(Behaviour::Accept),
                ..State::default()
            })),
        };
        let serving = fake.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                if serving.behaviour() == Behaviour::DropConnections {
                    drop(stream);
                    continue;
                }
                let fake = serving.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let fake = fake.clone();
                        async move { fake.handle(req).await }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        fake
    }

    pub fn set(&self, b: Behaviour) {
        self.lock().behaviour = Some(b);
    }

    pub fn behaviour(&self) -> Behaviour {
        self.lock().behaviour.clone().unwrap_or(Behaviour::Accept)
    }

    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    pub fn violations(&self) -> Vec<String> {
        self.lock().violations.clone()
    }

    pub fn requests(&self) -> usize {
        self.lock().requests
    }

    pub fn auth_headers(&self) -> HashSet<String> {
        self.lock().auth_seen.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `hec+http://127.0.0.1:PORT` or `elastic+http://127.0.0.1:PORT/INDEX`.
    pub fn url(&self) -> String {
        match self.kind {
            FakeKind::Hec => format!("hec+http://127.0.0.1:{}", self.port),
            FakeKind::Elastic => format!("elastic+http://127.0.0.1:{}/{}", self.port, self.index),
        }
    }

    async fn handle(
        &self,
        req: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, std::io::Error> {
        let behaviour = self.behaviour();
        let (parts, body) = req.into_parts();
        let body = body
            .collect()
            .await
            .map_err(std::io::Error::other)?
            .to_bytes();
        self.lock().requests += 1;
        if let Behaviour::Status(code, retry_after) = behaviour {
            let mut r = Response::builder().status(code);
            if let Some(s) = retry_after {
                r = r.header("Retry-After", s.to_string());
            }
            return Ok(r
                .body(Full::new(Bytes::from_static(
                    b"{\"text\":\"Server is busy\",\"code\":9}",
                )))
                .expect("a response"));
        }
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let auth = header("authorization");
        self.lock().auth_seen.insert(auth.clone());
        let (path, content_type, expected_auth) = match self.kind {
            FakeKind::Hec => (
                "/services/collector/event",
                "application/json",
                format!("Splunk {}", self.secret),
            ),
            FakeKind::Elastic => (
                "/_bulk",
                "application/x-ndjson",
                format!("ApiKey {}", self.secret),
            ),
        };
        if auth != expected_auth {
            self.lock()
                .violations
                .push("wrong or missing Authorization".into());
            return Ok(reply(401, json!({"text": "Invalid token", "code": 4})));
        }
        if parts.method != hyper::Method::POST || parts.uri.path() != path {
            let v = format!("{} {}", parts.method, parts.uri.path());
            self.lock()
                .violations
                .push(format!("unexpected request {v}"));
            return Ok(reply(404, json!({"text": "not found"})));
        }
        if header("content-type") != content_type {
            self.lock()
                .violations
                .push(format!("content-type {}", header("content-type")));
            return Ok(reply(400, json!({"text": "bad content type", "code": 6})));
        }
        let parsed = match self.kind {
            FakeKind::Hec => parse_hec(&body),
            FakeKind::Elastic => parse_bulk(&body, &self.index),
        };
        let records = match parsed {
            Ok(r) => r,
            Err(v) => {
                self.lock().violations.push(v.clone());
                return Ok(reply(
                    400,
                    json!({"text": "Invalid data format", "code": 6}),
                ));
            }
        };
        let n = records.len();
        let hang_up = behaviour == Behaviour::TakeAndHangUp;
        {
            let mut s = self.lock();
            s.received
                .extend(records.into_iter().map(|(key, payload)| Received {
                    key,
                    payload,
                    unacknowledged: hang_up,
                }));
        }
        if hang_up {
            return Err(std::io::Error::other("hung up after taking the batch"));
        }
        Ok(match self.kind {
            FakeKind::Hec => reply(200, json!({"text": "Success", "code": 0})),
            FakeKind::Elastic => reply(
                200,
                json!({"took": 1, "errors": false, "items": (0..n).map(|_| json!({"index": {"status": 201}})).collect::<Vec<_>>()}),
            ),
        })
    }
}

fn reply(status: u16, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a response")
}

/// HEC's body: JSON envelopes one after another, each with `event`, a numeric `time`, `host`,
/// `source`, `sourcetype`, and the key in `fields.event_key`.
fn parse_hec(body: &[u8]) -> Result<Vec<(String, Value)>, String> {
    let mut out = Vec::new();
    for env in serde_json::Deserializer::from_slice(body).into_iter::<Value>() {
        let env = env.map_err(|e| format!("not concatenated JSON: {e}"))?;
        for field in ["host", "source", "sourcetype"] {
            if !env[field].is_string() {
                return Err(format!("envelope without {field}"));
            }
        }
        if !env["time"].is_number() {
            return Err("envelope time is not epoch seconds".into());
        }
        if env.get("event").is_none() {
            return Err("envelope without event".into());
        }
        let key = env["fields"]["event_key"]
            .as_str()
            .ok_or("envelope without fields.event_key")?
            .to_string();
        if env["event"]["event_key"].as_str().is_some_and(|k| k != key) {
            return Err("event_key differs between fields and event".into());
        }
        out.push((key, env["event"].clone()));
    }
    if out.is_empty() {
        return Err("an empty batch".into());
    }
    Ok(out)
}

/// `_bulk`: action and source lines in pairs, a final newline, each action `index` into the
/// configured index with an `_id` equal to the ECS `event.id`.
fn parse_bulk(body: &[u8], index: &str) -> Result<Vec<(String, Value)>, String> {
    if !body.ends_with(b"\n") {
        return Err("NDJSON without its final newline".into());
    }
    let text = std::str::from_utf8(body).map_err(|_| "not UTF-8".to_string())?;
    let lines: Vec<&str> = text.trim_end_matches('\n').split('\n').collect();
    if !lines.len().is_multiple_of(2) {
        return Err("action and source lines do not pair".into());
    }
    let mut out = Vec::new();
    for pair in lines.chunks(2) {
        let action: Value = serde_json::from_str(pair[0]).map_err(|e| format!("action: {e}"))?;
        let source: Value = serde_json::from_str(pair[1]).map_err(|e| format!("source: {e}"))?;
        let meta = &action["index"];
        if meta["_index"] != index {
            return Err(format!("action into {} instead of {index}", meta["_index"]));
        }
        let id = meta["_id"]
            .as_str()
            .ok_or("action without _id")?
            .to_string();
        if source["event"]["id"] != id.as_str() {
            return Err("_id is not the document's event.id".into());
        }
        out.push((id, source));
    }
    Ok(out)
}

/// A test CA and a server certificate it signs for `names` (DNS names or IP addresses).
#[derive(Debug)]
pub struct TestCa {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl TestCa {
    pub fn new(names: &[&str]) -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "wdc test CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).expect("a CA certificate");
        let key = KeyPair::generate().expect("a server key");
        let mut server =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .expect("server params");
        server.distinguished_name.push(DnType::CommonName, names[0]);
        let cert = server
            .signed_by(&key, &ca_cert, &ca_key)
            .expect("a server certificate");
        TestCa {
            ca_pem: ca_cert.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// rsyslogd in the foreground with a TLS listener (openssl driver) on a port it picked, writing
/// each message's MSG part as one line of `out`. Stopped (SIGTERM) on drop.
#[derive(Debug)]
pub struct Rsyslog {
    pub port: u16,
    pub out: PathBuf,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Rsyslog {
    /// Whether rsyslogd is installed (the README's setup command installs it).
    pub fn available() -> bool {
        Path::new("/usr/sbin/rsyslogd").exists()
    }

    pub fn start_tls(ca: &TestCa) -> Rsyslog {
        let dir = tempfile::Builder::new()
            .prefix("wdc-rsyslog.")
            .tempdir()
            .expect("a directory");
        let d = dir.path();
        std::fs::write(d.join("ca.pem"), &ca.ca_pem).expect("CA written");
        std::fs::write(d.join("cert.pem"), &ca.cert_pem).expect("certificate written");
        std::fs::write(d.join("key.pem"), &ca.key_pem).expect("key written");
        let out = d.join("received.log");
        let port_file = d.join("port");
        let conf = format!(
            r#"global(workDirectory="{dir}" maxMessageSize="256k"
       defaultNetstreamDriver="ossl"
       defaultNetstreamDriverCAFile="{dir}/ca.pem"
       defaultNetstreamDriverCertFile="{dir}/cert.pem"
       defaultNetstreamDriverKeyFile="{dir}/key.pem")
module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" port="0" address="127.0.0.1" listenPortFileName="{port}")
template(name="msgonly" type="string" string="%msg%\n")
action(type="omfile" file="{out}" template="msgonly")
"#,
            dir = d.display(),
            port = port_file.display(),
            out = out.display(),
        );
        std::fs::write(d.join("rsyslog.conf"), conf).expect("config written");
        let child = std::process::Command::new("/usr/sbin/rsyslogd")
            .arg("-n")
            .arg("-f")
            .arg(d.join("rsyslog.conf"))
            .arg("-i")
            .arg(d.join("rsyslogd.pid"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(
                std::fs::File::create(d.join("rsyslogd.err"))
                    .map(Into::into)
                    .unwrap_or(std::process::Stdio::null()),
            )
            .spawn()
            .expect("rsyslogd starts");
        // rsyslog binds port 0 itself and writes the port it got: read it, no port to guess.
        let mut port = 0;
        for _ in 0..300 {
            if let Ok(t) = std::fs::read_to_string(&port_file)
                && let Ok(p) = t.trim().parse::<u16>()
                && p != 0
            {
                port = p;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let err = std::fs::read_to_string(d.join("rsyslogd.err")).unwrap_or_default();
        assert!(port != 0, "rsyslogd wrote no listening port: {err}");
        Rsyslog {
            port,
            out,
            child,
            _dir: dir,
        }
    }

    /// The lines received so far.
    pub fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| l.trim_start().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}
