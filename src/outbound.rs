//! Outgoing HTTPS (webhook deliveries, CDN purges): certificates are checked against the
//! system's certificate authorities. The OpenSSL built into the binary does not know where a
//! given system keeps them, so they are found the way `openssl-probe` finds them (the
//! `SSL_CERT_FILE` and `SSL_CERT_DIR` variables first, then the usual places).

use std::sync::LazyLock;

use actix_tls::connect::openssl::reexports::{SslConnector, SslMethod};

/// Where the system's certificate authorities were found, probed once.
static CA: LazyLock<openssl_probe::ProbeResult> = LazyLock::new(openssl_probe::probe);

/// The certificate authorities' bundle this process trusts, if one was found.
pub fn ca_file() -> Option<&'static std::path::Path> {
    CA.cert_file.as_deref()
}

/// A TLS connector that verifies servers against the system's certificate authorities, for
/// HTTP/1.1.
pub fn tls_connector() -> SslConnector {
    let mut builder = SslConnector::builder(SslMethod::tls()).expect("an OpenSSL context");
    if let Some(file) = ca_file()
        && let Err(e) = builder.set_ca_file(file)
    {
        tracing::warn!(file = %file.display(), error = %e, "cannot read the certificate authorities");
    }
    for dir in &CA.cert_dir {
        if let Some(dir) = dir.to_str() {
            let _ = builder
                .cert_store_mut()
                .add_lookup(openssl::x509::store::X509Lookup::hash_dir())
                .and_then(|lookup| lookup.add_dir(dir, openssl::ssl::SslFiletype::PEM));
        }
    }
    let _ = builder.set_alpn_protos(b"\x08http/1.1");
    builder.build()
}

/// An HTTP client for outgoing calls: system certificate authorities, no redirects followed.
pub fn client(timeout: std::time::Duration) -> awc::Client {
    awc::Client::builder()
        .connector(awc::Connector::new().openssl(tls_connector()).timeout(timeout))
        .disable_redirects()
        .timeout(timeout)
        .finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_system_certificate_authorities_are_found() {
        // Debian and most distributions keep a bundle; without one no https call would verify.
        assert!(super::ca_file().is_some_and(|f| f.exists()), "no CA bundle found");
        drop(super::tls_connector());
    }
}
