//! Whom the TLS senders trust: the platform's roots plus, optionally, a PEM file of a private CA.
//! The host name is always verified; a failed handshake is explained (untrusted CA, wrong name).

use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use crate::SendError;

/// The certificates of a CA file, or why it cannot be used.
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, SendError> {
    let bytes = std::fs::read(path).map_err(|e| {
        SendError::setup(
            "forward.ca_unreadable",
            format!("The CA file {} could not be read: {e}.", path.display()),
            "Give --ca the path of a readable PEM file holding the CA certificate(s).",
        )
    })?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| {
            SendError::setup(
                "forward.ca_invalid",
                format!(
                    "The CA file {} is not PEM certificates: {e}.",
                    path.display()
                ),
                "Give --ca a PEM file (-----BEGIN CERTIFICATE-----) of the CA that signed the \
                 receiver's certificate.",
            )
        })?;
    if certs.is_empty() {
        return Err(SendError::setup(
            "forward.ca_invalid",
            format!("The CA file {} holds no certificate.", path.display()),
            "Give --ca a PEM file (-----BEGIN CERTIFICATE-----) of the CA that signed the \
             receiver's certificate.",
        ));
    }
    Ok(certs)
}

/// A client configuration trusting the platform's roots and the certificates of `ca_file`.
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, SendError> {
    let mut roots = RootCertStore::empty();
    // A platform store that cannot be read leaves only the CA file; the handshake then says so.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = ca_file {
        for cert in read_ca_file(path)? {
            roots.add(cert).map_err(|e| {
                SendError::setup(
                    "forward.ca_invalid",
                    format!(
                        "A certificate in {} cannot be trusted: {e}.",
                        path.display()
                    ),
                    "Give --ca the CA certificate that signed the receiver's certificate.",
                )
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| {
            SendError::setup(
                "forward.tls_setup",
                format!("TLS could not be set up: {e}."),
                "Report this: the TLS library refused its own defaults.",
            )
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A failed handshake as a person can act on it: which certificate problem, and what to change.
pub fn handshake_error(host: &str, port: u16, e: &std::io::Error) -> SendError {
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidCertificate(cert)) => {
            use rustls::CertificateError as C;
            let (code, what, fix) = match cert {
                C::NotValidForName | C::NotValidForNameContext { .. } => (
                    "forward.tls_wrong_name",
                    format!(
                        "the certificate of {host}:{port} is not issued for the name \"{host}\""
                    ),
                    "Use the host name the receiver's certificate names (its subject alternative \
                     names) in --to, or have a certificate issued for this name.",
                ),
                C::UnknownIssuer | C::BadSignature => (
                    "forward.tls_untrusted",
                    format!(
                        "the certificate of {host}:{port} is signed by a CA this computer does not trust"
                    ),
                    "Pass the receiver's CA certificate with --ca FILE (forward remove, then forward \
                     add again with --ca), or install that CA in the system's trust store.",
                ),
                C::Expired
                | C::ExpiredContext { .. }
                | C::NotValidYet
                | C::NotValidYetContext { .. } => (
                    "forward.tls_expired",
                    format!("the certificate of {host}:{port} is outside its validity period"),
                    "Renew the receiver's certificate, and check this computer's clock.",
                ),
                other => (
                    "forward.tls_refused",
                    format!("the certificate of {host}:{port} was refused ({other:?})"),
                    "Check the receiver's certificate and the CA given with --ca.",
                ),
            };
            SendError::setup(code, format!("TLS to {host}:{port} failed: {what}."), fix)
        }
        _ => SendError::retryable(
            "forward.tls_failed",
            format!("The TLS handshake with {host}:{port} failed: {e}."),
            "Check that the receiver speaks TLS on this port (syslog over TLS is usually 6514).",
        ),
    }
}
