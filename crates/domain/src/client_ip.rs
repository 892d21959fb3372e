//! Who is on the other end: the client IP of a request, from the socket peer or —
//! only when the peer is a trusted proxy — from `X-Forwarded-For`.
//!
//! `X-Forwarded-For` is read right to left: each trusted proxy appends the address it
//! received the request from, so the right-most address that is not itself a trusted
//! proxy is the first one no trusted party vouches for: the client. Anything left of
//! it could have been written by the client and is ignored.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use crate::ValidationError;

/// An address block such as `10.0.0.0/8`, `2001:db8::/32` or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    address: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    /// Parses `address` or `address/prefix`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        const SHAPE: &str = "must be IP addresses or CIDR blocks such as 10.0.0.0/8";
        let raw = raw.trim();
        let (address, prefix) = match raw.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (raw, None),
        };
        let address = canonical(address.parse().map_err(|_| ValidationError::new(SHAPE))?);
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or(ValidationError::new(SHAPE))?,
            None => max,
        };
        Ok(Self { address, prefix })
    }

    /// Whether `ip` is inside the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => same_prefix(
                u128::from(net.to_bits()) << 96,
                u128::from(ip.to_bits()) << 96,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(net.to_bits(), ip.to_bits(), self.prefix)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: u128, b: u128, prefix: u8) -> bool {
    prefix == 0 || (a ^ b) >> (128 - u32::from(prefix)) == 0
}

/// An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// The proxies whose `X-Forwarded-For` is believed (`LICENTIA_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNetwork>,
}

impl TrustedProxies {
    /// Parses a comma-separated list; empty means no proxy is trusted.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        raw.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(IpNetwork::parse)
            .collect::<Result<_, _>>()
            .map(|networks| Self { networks })
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    /// Whether `ip` is a trusted proxy.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| n.contains(ip))
    }

    /// The client's address: `peer` itself, unless `peer` is trusted; then the
    /// right-most `X-Forwarded-For` address (the `forwarded` header values in order)
    /// that is not trusted. Unreadable entries end the walk at the last good address.
    pub fn client_ip<'a>(
        &self,
        peer: IpAddr,
        forwarded: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded
            .into_iter()
            .flat_map(|value| value.split(','))
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_hop(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim();
    raw.parse::<IpAddr>()
        .ok()
        .or_else(|| raw.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .map(canonical)
}

/// The part of a client address that rate limits count: an IPv4 address whole, an
/// IPv6 address by its /64 (one subscriber's network, which hands out the rest freely).
pub fn rate_limit_subject(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !(u128::MAX >> 64))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> IpAddr {
        raw.parse().expect("address")
    }

    fn trusted(raw: &str) -> TrustedProxies {
        TrustedProxies::parse(raw).expect("valid list")
    }

    #[test]
    fn networks_parse_and_contain() {
        let block = IpNetwork::parse("10.0.0.0/8").expect("valid");
        assert!(block.contains(ip("10.200.3.4")));
        assert!(block.contains(ip("::ffff:10.1.1.1")), "IPv4-mapped");
        assert!(!block.contains(ip("11.0.0.1")));
        assert!(!block.contains(ip("::1")));
        let one = IpNetwork::parse("192.168.1.7").expect("valid");
        assert!(one.contains(ip("192.168.1.7")) && !one.contains(ip("192.168.1.8")));
        let v6 = IpNetwork::parse("2001:db8::/32").expect("valid");
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        assert!(
            IpNetwork::parse("0.0.0.0/0")
                .expect("valid")
                .contains(ip("8.8.8.8"))
        );
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "example.com",
            "10.0.0/8",
            "10.0.0.0/x",
        ] {
            assert!(IpNetwork::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn lists_parse_with_spaces_and_empty_means_none() {
        assert!(trusted("").is_empty());
        assert!(trusted(" 127.0.0.1 , 10.0.0.0/8,").trusts(ip("10.1.2.3")));
        assert!(TrustedProxies::parse("127.0.0.1, nope").is_err());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let proxies = trusted("10.0.0.0/8");
        assert_eq!(
            proxies.client_ip(ip("203.0.113.9"), ["1.1.1.1"]),
            ip("203.0.113.9")
        );
        assert_eq!(
            trusted("").client_ip(ip("127.0.0.1"), ["1.1.1.1"]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn a_trusted_peer_names_the_right_most_untrusted_address() {
        let proxies = trusted("10.0.0.0/8");
        // The client forged "6.6.6.6"; our proxies appended the real addresses.
        assert_eq!(
            proxies.client_ip(ip("10.0.0.2"), ["6.6.6.6, 198.51.100.4, 10.0.0.1"]),
            ip("198.51.100.4")
        );
        assert_eq!(
            proxies.client_ip(ip("10.0.0.2"), ["6.6.6.6", "198.51.100.4:5123"]),
            ip("198.51.100.4"),
            "several headers, a port"
        );
        assert_eq!(
            proxies.client_ip(ip("10.0.0.2"), ["10.0.0.9, 10.0.0.1"]),
            ip("10.0.0.9"),
            "only proxies: the left-most"
        );
        assert_eq!(
            proxies.client_ip(ip("10.0.0.2"), []),
            ip("10.0.0.2"),
            "no header"
        );
        assert_eq!(
            proxies.client_ip(ip("10.0.0.2"), ["garbage, 10.0.0.1"]),
            ip("10.0.0.1"),
            "an unreadable hop ends the walk"
        );
        assert_eq!(
            proxies.client_ip(ip("10.0.0.2"), ["[2001:db8::7]:443"]),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(
            rate_limit_subject(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(rate_limit_subject(ip("198.51.100.4")), ip("198.51.100.4"));
        assert_eq!(
            rate_limit_subject(ip("::ffff:198.51.100.4")),
            ip("198.51.100.4")
        );
    }
}
