//! Syslog senders: RFC 5424 messages, over TCP+TLS (RFC 5425 octet-counting framing), plain TCP
//! (the same framing, RFC 6587) or UDP (one message a datagram). One connection is kept across
//! batches and made again after any failure. Syslog has no acknowledgement: a batch counts as
//! accepted once every byte is written and flushed to a connection the receiver had not closed.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::rustls::pki_types::ServerName;

use crate::format::{self, Format};
use crate::target::{Kind, Target};
use crate::{Destination, Record, SendError, SendFuture};

/// `<PRI>`: facility 13 (log audit) at severity 6 (informational).
const PRI: u8 = 13 * 8 + 6;

/// The largest UDP payload over IPv4.
const UDP_MAX: usize = 65_507;

trait Stream: AsyncRead + AsyncWrite + Unpin + Send + Sync {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync> Stream for T {}

pub struct Syslog {
    kind: Kind,
    host: String,
    port: u16,
    format: Format,
    timeout: Duration,
    tls: Option<Arc<ClientConfig>>,
    hostname: String,
    stream: Option<Box<dyn Stream>>,
    udp: Option<UdpSocket>,
}

impl std::fmt::Debug for Syslog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syslog")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("connected", &self.stream.is_some())
            .finish_non_exhaustive()
    }
}

impl Syslog {
    pub fn new(
        target: &Target,
        format: Format,
        ca_file: Option<&Path>,
        timeout: Duration,
    ) -> Result<Syslog, SendError> {
        let tls = match target.kind {
            Kind::SyslogTls => Some(crate::tls::client_config(ca_file)?),
            _ => None,
        };
        Ok(Syslog {
            kind: target.kind,
            host: target.host.clone(),
            port: target.port,
            format,
            timeout,
            tls,
            hostname: hostname(),
            stream: None,
            udp: None,
        })
    }

    fn unreachable(&self, e: &std::io::Error) -> SendError {
        SendError::retryable(
            "forward.unreachable",
            format!(
                "The syslog receiver {}:{} could not be reached: {e}.",
                self.host, self.port
            ),
            "Check that the receiver runs and listens on this host and port, and that no \
             firewall is in the way; delivery resumes by itself when it answers.",
        )
    }

    async fn connect(&self) -> Result<Box<dyn Stream>, SendError> {
        let addr = (self.host.as_str(), self.port);
        let tcp = tokio::time::timeout(self.timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| self.timed_out())?
            .map_err(|e| self.unreachable(&e))?;
        let _ = tcp.set_nodelay(true);
        let Some(config) = &self.tls else {
            return Ok(Box::new(tcp));
        };
        let name = ServerName::try_from(self.host.clone()).map_err(|_| {
            SendError::setup(
                "forward.bad_host",
                format!("\"{}\" is not a host name TLS can verify.", self.host),
                "Use the receiver's DNS name or IP address in --to.",
            )
        })?;
        let tls = tokio::time::timeout(
            self.timeout,
            TlsConnector::from(config.clone()).connect(name, tcp),
        )
        .await
        .map_err(|_| self.timed_out())?
        .map_err(|e| crate::tls::handshake_error(&self.host, self.port, &e))?;
        Ok(Box::new(tls))
    }

    fn timed_out(&self) -> SendError {
        SendError::retryable(
            "forward.timeout",
            format!(
                "The syslog receiver {}:{} did not answer within {}s.",
                self.host,
                self.port,
                self.timeout.as_secs()
            ),
            "Check that the receiver runs and is not overloaded; delivery resumes by itself.",
        )
    }

    /// One RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`.
    fn message(&self, r: &Record) -> String {
        let time = r
            .time
            .unwrap_or_else(Utc::now)
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        let (pri, msgid) = match r.kind {
            // An alert at notice, warning or error by its severity.
            crate::RecordKind::Alert => (13 * 8 + [5, 4, 3][format::alert_rank(r)], "alert"),
            crate::RecordKind::Event if r.own_call => (PRI, "own_call"),
            crate::RecordKind::Event => (PRI, "activity"),
        };
        let payload = format::line(r, self.format);
        format!(
            "<{pri}>1 {time} {} wdconnect - {msgid} - {payload}",
            self.hostname
        )
    }

    async fn send_stream(&mut self, batch: &[Record]) -> Result<(), SendError> {
        let mut frames = Vec::with_capacity(batch.len() * 512);
        for r in batch {
            let msg = self.message(r);
            frames.extend_from_slice(msg.len().to_string().as_bytes());
            frames.push(b' ');
            frames.extend_from_slice(msg.as_bytes());
        }
        // A receiver that restarted since the last batch has closed the kept connection: see
        // that (end of stream) before writing, rather than writing into a dead socket.
        if let Some(stream) = self.stream.as_mut() {
            let mut probe = [0u8; 64];
            if let Ok(read) = tokio::time::timeout(Duration::ZERO, stream.read(&mut probe)).await
                && !matches!(read, Ok(n) if n > 0)
            {
                self.stream = None;
            }
        }
        if self.stream.is_none() {
            self.stream = Some(self.connect().await?);
        }
        let stream = self.stream.as_mut().expect("connected above");
        let written = tokio::time::timeout(self.timeout, async {
            stream.write_all(&frames).await?;
            stream.flush().await
        })
        .await;
        match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                self.stream = None;
                Err(self.unreachable(&e))
            }
            Err(_) => {
                self.stream = None;
                Err(self.timed_out())
            }
        }
    }

    async fn send_udp(&mut self, batch: &[Record]) -> Result<(), SendError> {
        if self.udp.is_none() {
            let local = if self.host.contains(':') {
                "[::]:0"
            } else {
                "0.0.0.0:0"
            };
            let socket = UdpSocket::bind(local)
                .await
                .map_err(|e| self.unreachable(&e))?;
            socket
                .connect((self.host.as_str(), self.port))
                .await
                .map_err(|e| self.unreachable(&e))?;
            self.udp = Some(socket);
        }
        for r in batch {
            let msg = self.message(r);
            if msg.len() > UDP_MAX {
                return Err(SendError::refused(
                    "forward.too_large",
                    format!(
                        "Event {} is {} bytes as a syslog message, more than one UDP datagram holds.",
                        r.key,
                        msg.len()
                    ),
                    "Forward over syslog+tcp:// or syslog+tls:// instead, which have no such limit.",
                ));
            }
            let socket = self.udp.as_ref().expect("bound above");
            if let Err(e) = socket.send(msg.as_bytes()).await {
                self.udp = None;
                return Err(self.unreachable(&e));
            }
        }
        Ok(())
    }
}

impl Destination for Syslog {
    fn send<'a>(&'a mut self, batch: &'a [Record]) -> SendFuture<'a> {
        Box::pin(async move {
            if batch.is_empty() {
                return Ok(());
            }
            match self.kind {
                Kind::SyslogUdp => self.send_udp(batch).await,
                _ => self.send_stream(batch).await,
            }
        })
    }
}

/// This computer's name for the HOSTNAME field, or `-` (RFC 5424's nil) when unknown. Spaces
/// are not allowed there.
pub(crate) fn hostname() -> String {
    let name = std::env::var("COMPUTERNAME")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .unwrap_or_default();
    let name: String = name
        .trim()
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(255)
        .collect();
    if name.is_empty() { "-".into() } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncBufReadExt;
    use tokio::net::TcpListener;

    fn record(i: i64) -> Record {
        Record {
            kind: crate::RecordKind::Event,
            id: i,
            key: format!("k{i}"),
            connection: "acme".into(),
            own_call: i == 2,
            time: "2026-04-17T08:00:00Z".parse().ok(),
            event: serde_json::json!({"systemAccount": "ann", "n": i}),
        }
    }

    /// Reads octet-counted frames until `n` arrived.
    async fn read_frames(listener: TcpListener, n: usize) -> Vec<String> {
        let (sock, _) = listener.accept().await.unwrap();
        let mut r = tokio::io::BufReader::new(sock);
        let mut out = Vec::new();
        while out.len() < n {
            let mut len = Vec::new();
            r.read_until(b' ', &mut len).await.unwrap();
            let len: usize = String::from_utf8(len).unwrap().trim().parse().unwrap();
            let mut msg = vec![0; len];
            r.read_exact(&mut msg).await.unwrap();
            out.push(String::from_utf8(msg).unwrap());
        }
        out
    }

    #[tokio::test]
    async fn tcp_frames_are_octet_counted_rfc5424_with_the_key() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let reader = tokio::spawn(read_frames(listener, 3));
        let target = Target::parse(&format!("syslog+tcp://127.0.0.1:{port}")).unwrap();
        let mut s = Syslog::new(&target, Format::Json, None, Duration::from_secs(5)).unwrap();
        let batch: Vec<_> = (1..=3).map(record).collect();
        s.send(&batch).await.unwrap();
        let frames = reader.await.unwrap();
        assert_eq!(frames.len(), 3);
        assert!(
            frames[0].starts_with("<110>1 2026-04-17T08:00:00.000Z "),
            "{}",
            frames[0]
        );
        assert!(
            frames[1].contains(" wdconnect - own_call - {"),
            "{}",
            frames[1]
        );
        let payload: serde_json::Value = serde_json::from_str(
            frames[2]
                .split_once(" - {")
                .map(|(_, p)| p)
                .map(|p| format!("{{{p}"))
                .unwrap()
                .as_str(),
        )
        .unwrap();
        assert_eq!(payload["event_key"], "k3");
    }

    #[tokio::test]
    async fn a_peer_that_hangs_up_during_the_handshake_is_retryable() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let (sock, _) = listener.accept().await.unwrap();
                drop(sock);
            }
        });
        let target = Target::parse(&format!("syslog+tls://127.0.0.1:{port}")).unwrap();
        let mut s = Syslog::new(&target, Format::Cef, None, Duration::from_secs(5)).unwrap();
        let e = s.send(&[record(1)]).await.unwrap_err();
        assert_eq!(e.kind, crate::FailureKind::Retryable, "{e:?}");
        assert_eq!(e.code, "forward.tls_failed");
    }

    #[tokio::test]
    async fn udp_sends_one_message_a_datagram() {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = socket.local_addr().unwrap().port();
        let target = Target::parse(&format!("syslog+udp://127.0.0.1:{port}")).unwrap();
        let mut s = Syslog::new(&target, Format::Cef, None, Duration::from_secs(5)).unwrap();
        s.send(&[record(1), record(2)]).await.unwrap();
        let mut buf = vec![0u8; 65_536];
        for key in ["k1", "k2"] {
            let n = socket.recv(&mut buf).await.unwrap();
            let msg = String::from_utf8_lossy(&buf[..n]);
            assert!(msg.starts_with("<110>1 "), "{msg}");
            assert!(
                msg.contains("CEF:0|Workday Connector|")
                    && msg.contains(&format!("externalId={key} ")),
                "{msg}"
            );
        }
    }
}
