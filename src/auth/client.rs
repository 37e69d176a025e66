//! The client's address, and how it is stored: never in clear.
//!
//! Behind a reverse proxy the peer is the proxy. `X-Forwarded-For` is believed only when the
//! peer is one of `DATELINE_TRUSTED_PROXIES`; then the client is the rightmost address in that
//! header that is not itself a trusted proxy (entries further left can be forged by the client).

use std::net::IpAddr;

use actix_web::HttpRequest;
use hmac::{Hmac, Mac};
use ipnet::IpNet;
use sha2::Sha256;

/// The address of the client that sent `req`, as far as it can be trusted.
pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    let is_trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .iter()
            .rev()
            .find(|ip| !is_trusted(ip))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer),
    )
}

/// A keyed hash of an address: the same address gives the same value (for limits and audit),
/// but the address cannot be read back or found by hashing guesses without the key.
pub fn address_hash(ip: Option<IpAddr>, key: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(
        ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
            .as_bytes(),
    );
    hex::encode(&mac.finalize().into_bytes()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request(peer: &str, forwarded: Option<&str>) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(format!("{peer}:1234").parse().unwrap());
        if let Some(f) = forwarded {
            req = req.insert_header(("X-Forwarded-For", f));
        }
        req.to_http_request()
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_trusted() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let direct = request("203.0.113.9", Some("198.51.100.1"));
        assert_eq!(client_ip(&direct, &trusted), Some("203.0.113.9".parse().unwrap()));
        let proxied = request("10.0.0.2", Some("1.1.1.1, 198.51.100.1, 10.0.0.3"));
        assert_eq!(
            client_ip(&proxied, &trusted),
            Some("198.51.100.1".parse().unwrap())
        );
        assert_eq!(client_ip(&proxied, &[]), Some("10.0.0.2".parse().unwrap()));
    }

    #[test]
    fn hashes_are_keyed_and_stable() {
        let ip = Some("198.51.100.1".parse().unwrap());
        assert_eq!(address_hash(ip, b"k1"), address_hash(ip, b"k1"));
        assert_ne!(address_hash(ip, b"k1"), address_hash(ip, b"k2"));
        assert!(!address_hash(ip, b"k1").contains("198"));
    }
}
