//! Where the server listens, and with what protection: an address, and TLS from a certificate
//! and key (rustls, through pgwire). Without TLS only loopback addresses are allowed, since
//! SCRAM protects the password but not the results: a non-loopback `--listen` without
//! `--tls-cert`/`--tls-key` is refused before anything starts.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use pgwire::tokio::TlsAcceptor;
use pgwire::tokio::tokio_rustls::rustls;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The addresses `--listen` names (a host name may name several).
pub fn resolve(listen: &str) -> anyhow::Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = listen
        .to_socket_addrs()
        .with_context(|| {
            format!("--listen {listen:?} is not an address: give ADDR:PORT, e.g. 127.0.0.1:5433")
        })?
        .collect();
    if addrs.is_empty() {
        bail!("--listen {listen:?} names no address");
    }
    Ok(addrs)
}

/// Refuses a non-loopback address without TLS.
pub fn check(listen: &str, addrs: &[SocketAddr], tls: bool) -> anyhow::Result<()> {
    if tls {
        return Ok(());
    }
    if let Some(open) = addrs.iter().find(|a| !a.ip().is_loopback()) {
        bail!(
            "refusing to listen on {listen} ({}) without TLS: results would cross the network \
             unencrypted. Give --tls-cert FILE --tls-key FILE, or listen on a loopback address \
             such as 127.0.0.1:5433",
            open.ip()
        );
    }
    Ok(())
}

/// A TLS acceptor for the certificate chain and private key in two PEM files.
pub fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect())
        .map_err(|e| anyhow::anyhow!("cannot read the TLS certificate {}: {e}", cert.display()))?;
    if certs.is_empty() {
        bail!(
            "the TLS certificate file {} holds no certificate (expected PEM)",
            cert.display()
        );
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| anyhow::anyhow!("cannot read the TLS private key {}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("cannot set up TLS")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .with_context(|| {
            format!(
                "the TLS certificate {} and key do not go together",
                cert.display()
            )
        })?;
    // PostgreSQL 17 clients may start TLS at once ("direct" negotiation), naming this protocol.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only_without_tls() {
        let local = resolve("127.0.0.1:5433").unwrap();
        assert!(check("127.0.0.1:5433", &local, false).is_ok());
        assert!(check("[::1]:5433", &resolve("[::1]:5433").unwrap(), false).is_ok());
        let open = resolve("0.0.0.0:5433").unwrap();
        let err = check("0.0.0.0:5433", &open, false).unwrap_err().to_string();
        assert!(
            err.contains("without TLS") && err.contains("--tls-cert"),
            "{err}"
        );
        assert!(check("0.0.0.0:5433", &open, true).is_ok());
        assert!(resolve("nonsense").is_err());
    }
}
