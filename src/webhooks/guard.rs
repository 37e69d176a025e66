//! Where webhooks may go: no server-side request forgery through them. A target URL must be
//! http(s) (https in production) without credentials; the addresses its host resolves to are
//! checked when each delivery connects (so a name that later resolves elsewhere is caught), and
//! loopback, private, link-local (cloud metadata) and other non-public addresses are refused
//! unless `DATELINE_WEBHOOK_ALLOWED_NETWORKS` names them. Redirects are never followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use actix_tls::connect::Resolve;
use futures_util::future::LocalBoxFuture;
use ipnet::IpNet;

/// Why a target URL is refused, in words for the field error.
pub fn url_problem(url: &str, production: bool, allowed: &[IpNet]) -> Option<String> {
    let Ok(uri) = url.parse::<awc::http::Uri>() else {
        return Some("is not a URL".into());
    };
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if !production => {}
        Some("http") => return Some("must be https in production".into()),
        _ => return Some("must be an http(s) URL".into()),
    }
    let Some(authority) = uri.authority() else {
        return Some("has no host".into());
    };
    if authority.as_str().contains('@') {
        return Some("must not carry credentials".into());
    }
    let host = authority.host().trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Some("has no host".into());
    }
    if let Ok(ip) = host.parse::<IpAddr>()
        && !is_allowed(ip, allowed)
    {
        return Some(format!("names {ip}, a non-public address"));
    }
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
        if !is_allowed(loopback, allowed) {
            return Some("names localhost, a non-public address".into());
        }
    }
    None
}

/// Refuses a URL whose host is an IP address that is not allowed (names go through
/// [`GuardedResolver`]).
pub fn check_literal_address(url: &str, allowed: &[IpNet]) -> Result<(), String> {
    let uri: awc::http::Uri = url.parse().map_err(|_| "the URL no longer parses".to_owned())?;
    let host = uri
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(ip) if !is_allowed(ip, allowed) => Err(format!("{ip} is a non-public address")),
        _ => Ok(()),
    }
}

/// Whether a delivery may connect to `ip`.
pub fn is_allowed(ip: IpAddr, allowed: &[IpNet]) -> bool {
    is_public(ip) || allowed.iter().any(|net| net.contains(&ip))
}

/// Public unicast addresses only.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254.0.0/16: cloud metadata services live here
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier-grade NAT)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let first = segments[0];
    // IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48),
    // 6to4 (2002::/16) and Teredo (2001::/32) carry an IPv4 address a gateway may route to;
    // site-local (fec0::/10) is private.
    let embeds_v4 = segments[..6].iter().all(|s| *s == 0)
        || (first == 0x64 && segments[1] == 0xff9b)
        || first == 0x2002
        || (first == 0x2001 && segments[1] == 0);
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || embeds_v4
        || (first & 0xffc0) == 0xfec0
        || (first & 0xfe00) == 0xfc00 // unique local, AWS's fd00:ec2::254 metadata among them
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)) // NAT64 to anything, private included
}

/// The resolver deliveries connect through: the system's, keeping only allowed addresses.
#[derive(Clone)]
pub struct GuardedResolver {
    pub allowed: Vec<IpNet>,
}

impl Resolve for GuardedResolver {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn std::error::Error>>> {
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|addr| is_allowed(addr.ip(), &self.allowed))
                .collect();
            if kept.is_empty() {
                let shown = found.first().map_or("nothing".to_owned(), |a| a.ip().to_string());
                return Err(format!("{host} resolves to {shown}, a non-public address").into());
            }
            Ok(kept)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_refused_unless_allowed() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "2002:7f00:1::1",
            "64:ff9b::a00:1",
            "64:ff9b:1::a00:1",
            "2001:0:4136:e378::1",
            "fec0::1",
        ] {
            assert!(!is_allowed(bad.parse().unwrap(), &[]), "{bad}");
        }
        for good in ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"] {
            assert!(is_allowed(good.parse().unwrap(), &[]), "{good}");
        }
        let loopback: IpNet = "127.0.0.0/8".parse().unwrap();
        assert!(is_allowed("127.0.0.1".parse().unwrap(), &[loopback]));
    }

    #[test]
    fn urls_are_checked_for_scheme_credentials_and_literal_addresses() {
        assert_eq!(url_problem("https://hooks.example.com/in", true, &[]), None);
        assert_eq!(url_problem("http://hooks.example.com/in", false, &[]), None);
        assert!(url_problem("http://hooks.example.com/in", true, &[]).is_some());
        assert!(url_problem("ftp://hooks.example.com/in", false, &[]).is_some());
        assert!(url_problem("https://user:pw@hooks.example.com/", false, &[]).is_some());
        assert!(url_problem("https://169.254.169.254/latest", false, &[]).is_some());
        assert!(url_problem("http://[::1]:8080/", false, &[]).is_some());
        assert!(url_problem("http://localhost:8080/", false, &[]).is_some());
        assert!(url_problem("not a url", false, &[]).is_some());
        let loopback: IpNet = "127.0.0.0/8".parse().unwrap();
        assert_eq!(url_problem("http://127.0.0.1:9/", false, &[loopback]), None);
    }
}
