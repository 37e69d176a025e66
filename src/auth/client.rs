//! The client's address, and how it is stored: never in clear.
//!
//! Behind a reverse proxy the peer is the proxy. `X-Forwarded-For` is believed only when the
//! peer is one of `DATELINE_TRUSTED_PROXIES`; then the client is the rightmost entry in that
//! header that is not itself a trusted proxy (entries further left can be forged by the client).
//! An entry there that is not an address makes the client unknown; it is never skipped.

use std::net::{IpAddr, SocketAddr};

use actix_web::HttpRequest;
use hmac::{Hmac, Mac};
use ipnet::IpNet;
use sha2::Sha256;

/// The address of the client that sent `req`, as far as it can be trusted; `None` when it cannot
/// be told (no peer, or a forwarded entry that is not an address where the client should be).
pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    let is_trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded = forwarded_for(req);
    for entry in forwarded.iter().rev() {
        match entry {
            Some(ip) if is_trusted(ip) => continue,
            Some(ip) => return Some(*ip),
            // Where the client should be stands something that is not an address. It must not
            // be skipped: the entries left of it are whatever the client wrote. Nor can it be
            // given a bucket of its own, or varying the garbage would dodge per-address limits.
            // So it is the unknown client, one bucket shared by every request like it.
            None => return None,
        }
    }
    // Every entry is a trusted proxy (or there are none): the farthest hop is the best we know.
    Some(forwarded.first().copied().flatten().unwrap_or(peer))
}

/// The entries of every `X-Forwarded-For` header, in order; `None` for one that is not an
/// address (an unreadable header counts as one such entry).
fn forwarded_for(req: &HttpRequest) -> Vec<Option<IpAddr>> {
    req.headers()
        .get_all("x-forwarded-for")
        .flat_map(|value| match value.to_str() {
            Ok(text) => text.split(',').map(parse_entry).collect(),
            Err(_) => vec![None],
        })
        .collect()
}

/// An address as proxies write them: bare, or with a port (`203.0.113.9:4711`, `[2001:db8::1]:80`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|a| a.ip()))
        .ok()
}

/// A keyed hash of an address: the same address gives the same value (for limits and audit),
/// but the address cannot be read back or found by hashing guesses without the key.
pub fn address_hash(ip: Option<IpAddr>, key: &[u8]) -> String {
    keyed_digest(
        key,
        ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
            .as_bytes(),
    )
}

/// 128 bits of HMAC-SHA256 of `value` under `key`, in hex.
pub fn keyed_digest(key: &[u8], value: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(value);
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
    fn an_entry_that_is_not_an_address_is_the_unknown_client_never_skipped() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // The client wrote "1.1.1.1, garbage"; the proxy appended nothing usable after it.
        for header in [
            "1.1.1.1, garbage",
            "1.1.1.1, garbage, 10.0.0.3",
            "1.1.1.1, , 10.0.0.3",
            "1.1.1.1,",
        ] {
            let proxied = request("10.0.0.2", Some(header));
            assert_eq!(client_ip(&proxied, &trusted), None, "{header}");
        }
        // Whatever the garbage, the same bucket.
        let key = b"k";
        let one = client_ip(&request("10.0.0.2", Some("6.6.6.6, x")), &trusted);
        let other = client_ip(&request("10.0.0.2", Some("7.7.7.7, y")), &trusted);
        assert_eq!(address_hash(one, key), address_hash(other, key));
        // Garbage left of the client is the client's own business.
        let proxied = request("10.0.0.2", Some("garbage, 198.51.100.1, 10.0.0.3"));
        assert_eq!(
            client_ip(&proxied, &trusted),
            Some("198.51.100.1".parse().unwrap())
        );
    }

    #[test]
    fn forwarded_entries_may_carry_a_port() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let v4 = request("10.0.0.2", Some("198.51.100.1:4711"));
        assert_eq!(client_ip(&v4, &trusted), Some("198.51.100.1".parse().unwrap()));
        let v6 = request("10.0.0.2", Some("[2001:db8::1]:80, 10.0.0.3"));
        assert_eq!(client_ip(&v6, &trusted), Some("2001:db8::1".parse().unwrap()));
        let all_trusted = request("10.0.0.2", Some("10.0.0.5, 10.0.0.3"));
        assert_eq!(
            client_ip(&all_trusted, &trusted),
            Some("10.0.0.5".parse().unwrap())
        );
    }

    #[test]
    fn hashes_are_keyed_and_stable() {
        let ip = Some("198.51.100.1".parse().unwrap());
        assert_eq!(address_hash(ip, b"k1"), address_hash(ip, b"k1"));
        assert_ne!(address_hash(ip, b"k1"), address_hash(ip, b"k2"));
        assert!(!address_hash(ip, b"k1").contains("198"));
    }
}
