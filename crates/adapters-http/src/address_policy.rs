//! Which IP addresses a webhook may never reach (SSRF guard): cloud metadata and
//! host-agent services always; loopback, private, shared, link-local, unique-local,
//! site-local, multicast, unspecified and reserved ranges unless the operator allows
//! private addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `address` belongs to a cloud's instance-metadata or host-agent service:
/// 169.254.169.0/24 (AWS, GCP, Azure, OpenStack), 169.254.170.0/24 (AWS ECS and EKS
/// Pod Identity agents), fd00:ec2::/32 (AWS over IPv6), 100.100.100.200 (Alibaba
/// Cloud), 168.63.129.16 (Azure WireServer). Refused even when private addresses are
/// allowed.
fn is_metadata(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            (a == 169 && b == 254 && (c == 169 || c == 170))
                || v4 == Ipv4Addr::new(100, 100, 100, 200)
                || v4 == Ipv4Addr::new(168, 63, 129, 16)
        }
        IpAddr::V6(v6) => v6.segments()[..2] == [0xfd00, 0x0ec2],
    }
}

/// Why `address` may not be called (an article and an adjective, for messages:
/// "a loopback"), or `None` when it may.
pub fn forbidden_kind(address: IpAddr, allow_private: bool) -> Option<&'static str> {
    let address = canonical(address);
    if is_metadata(address) {
        return Some("a cloud metadata");
    }
    if allow_private {
        return None;
    }
    match address {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => v6_kind(v6),
    }
}

/// IPv4 addresses hidden in IPv6 forms (mapped `::ffff:a.b.c.d`, the deprecated
/// compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`) are judged as the IPv4 address they
/// reach.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let s = v6.segments();
            let compatible =
                s[..6] == [0, 0, 0, 0, 0, 0] && !v6.is_loopback() && !v6.is_unspecified();
            if compatible || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return IpAddr::V4(Ipv4Addr::new(a, b, c, d));
            }
            address
        }
        IpAddr::V4(_) => address,
    }
}

fn v4_kind(v4: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = v4.octets();
    if v4.is_unspecified() || a == 0 {
        Some("an unspecified")
    } else if v4.is_loopback() {
        Some("a loopback")
    } else if v4.is_private() {
        Some("a private")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (carrier-grade NAT)")
    } else if v4.is_link_local() {
        Some("a link-local")
    } else if v4.is_multicast() {
        Some("a multicast")
    } else if v4.is_broadcast() || a >= 240 || (a == 198 && (b == 18 || b == 19)) {
        Some("a reserved")
    } else {
        None
    }
}

fn v6_kind(v6: Ipv6Addr) -> Option<&'static str> {
    let s = v6.segments();
    if v6.is_unspecified() {
        Some("an unspecified")
    } else if v6.is_loopback() {
        Some("a loopback")
    } else if s[0] & 0xfe00 == 0xfc00 {
        Some("a unique-local")
    } else if s[0] & 0xffc0 == 0xfe80 {
        Some("a link-local")
    } else if s[0] & 0xffc0 == 0xfec0 {
        Some("a site-local")
    } else if v6.is_multicast() {
        Some("a multicast")
    } else if s[..3] == [0x64, 0xff9b, 1] || s[..4] == [0x100, 0, 0, 0] || s[..2] == [0x2001, 0xdb8]
    {
        Some("a reserved")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(address: &str, allow_private: bool) -> Option<&'static str> {
        forbidden_kind(address.parse().expect("an address"), allow_private)
    }

    #[test]
    fn public_addresses_are_allowed() {
        for public in [
            "93.184.215.14",
            "8.8.8.8",
            "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
        ] {
            assert_eq!(kind(public, false), None, "{public}");
        }
    }

    #[test]
    fn internal_ranges_are_refused_unless_allowed() {
        for (address, expected) in [
            ("127.0.0.1", "a loopback"),
            ("127.8.9.10", "a loopback"),
            ("::1", "a loopback"),
            ("10.1.2.3", "a private"),
            ("172.16.0.1", "a private"),
            ("192.168.1.1", "a private"),
            ("100.64.0.1", "a shared (carrier-grade NAT)"),
            ("169.254.1.1", "a link-local"),
            ("fe80::1", "a link-local"),
            ("fd12:3456::1", "a unique-local"),
            ("224.0.0.1", "a multicast"),
            ("ff02::1", "a multicast"),
            ("0.0.0.0", "an unspecified"),
            ("::", "an unspecified"),
            ("255.255.255.255", "a reserved"),
            ("::ffff:127.0.0.1", "a loopback"),
            ("::ffff:10.0.0.1", "a private"),
            ("64:ff9b::a00:1", "a private"),
            ("::10.0.0.1", "a private"),
            ("fec0::1", "a site-local"),
            ("64:ff9b:1::1", "a reserved"),
            ("2001:db8::1", "a reserved"),
        ] {
            assert_eq!(kind(address, false), Some(expected), "{address}");
            assert_eq!(kind(address, true), None, "{address} when allowed");
        }
    }

    #[test]
    fn metadata_services_are_refused_always() {
        for metadata in [
            "169.254.169.254",
            "169.254.169.123",
            "fd00:ec2::254",
            "fd00:ec2::23",
            "::ffff:169.254.169.254",
            "169.254.170.2",
            "169.254.170.23",
            "100.100.100.200",
            "168.63.129.16",
        ] {
            assert_eq!(
                kind(metadata, false),
                Some("a cloud metadata"),
                "{metadata}"
            );
            assert_eq!(kind(metadata, true), Some("a cloud metadata"), "{metadata}");
        }
    }
}
