//! Internet domain names of the sites and products a license is used on.
//!
//! Input is forgiving (`https://Shop.Example.com:443/path` is accepted), output is
//! canonical: lower-case ASCII (IDNA / punycode), no scheme, port, path or trailing dot.

use serde::Serialize;

use crate::ValidationError;

/// A canonical host name such as `shop.example.com` or `xn--bcher-kva.example`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DomainName(String);

impl DomainName {
    /// Normalises `raw` (scheme, port, path and trailing dot removed; IDNA applied).
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let host = strip_to_host(raw);
        canonical_host(host).map(Self)
    }

    /// The canonical name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A domain or a `*.` wildcard, as kept in product allow-lists.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DomainPattern(String);

impl DomainPattern {
    /// Accepts what [`DomainName::parse`] accepts, optionally behind `*.`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let host = strip_to_host(raw);
        match host.strip_prefix("*.") {
            Some(rest) => {
                let base = canonical_host(rest)?;
                if !base.contains('.') {
                    return Err(ValidationError::new(
                        "a wildcard must cover a domain with at least two labels",
                    ));
                }
                Ok(Self(format!("*.{base}")))
            }
            None => canonical_host(host).map(Self),
        }
    }

    /// The canonical pattern.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `domain` is this domain, or strictly below it for a wildcard.
    pub fn matches(&self, domain: &DomainName) -> bool {
        match self.0.strip_prefix("*.") {
            Some(base) => domain
                .as_str()
                .strip_suffix(base)
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
            None => self.0 == domain.0,
        }
    }
}

fn strip_to_host(raw: &str) -> &str {
    let raw = raw.trim();
    let without_scheme = raw.split_once("://").map_or(raw, |(_, rest)| rest);
    let authority = without_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let without_credentials = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match without_credentials.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => without_credentials,
    }
}

fn canonical_host(host: &str) -> Result<String, ValidationError> {
    const INVALID: ValidationError = ValidationError::new("must be a valid domain name");
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() {
        return Err(INVALID);
    }
    let ascii = idna::domain_to_ascii(host).map_err(|_| INVALID)?;
    let labels_ok = ascii.split('.').all(|label| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    if ascii.len() > 253 || !labels_ok {
        return Err(INVALID);
    }
    Ok(ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(raw: &str) -> String {
        DomainName::parse(raw)
            .map(|d| d.0)
            .unwrap_or_else(|e| panic!("{raw}: {e}"))
    }

    #[test]
    fn names_are_normalised_to_their_host() {
        assert_eq!(name("Shop.Example.COM"), "shop.example.com");
        assert_eq!(
            name("https://shop.example.com:8443/wp-admin?x=1"),
            "shop.example.com"
        );
        assert_eq!(name("example.com."), "example.com");
        assert_eq!(name("localhost"), "localhost");
    }

    #[test]
    fn international_names_become_punycode() {
        assert_eq!(name("Bücher.example"), "xn--bcher-kva.example");
    }

    #[test]
    fn malformed_names_are_refused() {
        for bad in [
            "",
            "exa mple.com",
            "-bad.com",
            "a..b",
            "*.example.com",
            "https://",
        ] {
            assert!(DomainName::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn wildcards_match_subdomains_only() {
        let pattern = DomainPattern::parse("*.Example.com").expect("valid pattern");
        assert_eq!(pattern.as_str(), "*.example.com");
        let matches = |d: &str| pattern.matches(&DomainName::parse(d).expect("valid"));
        assert!(matches("shop.example.com"));
        assert!(matches("a.b.example.com"));
        assert!(!matches("example.com"));
        assert!(!matches("badexample.com"));
    }

    #[test]
    fn exact_patterns_match_only_themselves() {
        let pattern = DomainPattern::parse("example.com").expect("valid pattern");
        assert!(pattern.matches(&DomainName::parse("EXAMPLE.com").expect("valid")));
        assert!(!pattern.matches(&DomainName::parse("www.example.com").expect("valid")));
    }

    #[test]
    fn a_wildcard_needs_a_registrable_base() {
        assert!(DomainPattern::parse("*.com").is_err());
    }
}
