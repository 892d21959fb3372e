//! The database we talk to: DATABASE_URL (or the documented default), split by hand.

use std::net::IpAddr;

use anyhow::{Context, Result, anyhow};

/// Used when DATABASE_URL is unset (SPEC §16).
const DEFAULT_DATABASE_URL: &str = "postgres://postgres@localhost:5432/licentia";

/// PostgreSQL's default port.
const DEFAULT_PORT: u16 = 5432;

/// A database URL with the host and port it points at.
#[derive(Clone)]
pub(crate) struct Target {
    /// The full URL, credentials included; passed to children as DATABASE_URL.
    pub(crate) url: String,
    pub(crate) host: String,
    pub(crate) port: u16,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Target({})", self.redacted())
    }
}

impl Target {
    /// DATABASE_URL when set and not blank, else the default.
    pub(crate) fn from_env() -> Result<Self> {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => Self::parse(url.trim()),
            _ => Self::parse(DEFAULT_DATABASE_URL),
        }
    }

    /// Parses `postgres://[user[:password]@]host[:port][/database][?params]`.
    fn parse(url: &str) -> Result<Self> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| anyhow!("DATABASE_URL must start with postgres:// or postgresql://"))?;
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        let host_port = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host_port)| host_port);
        let (host, port) = match host_port.strip_prefix('[') {
            Some(bracketed) => {
                let (host, after) = bracketed
                    .split_once(']')
                    .ok_or_else(|| anyhow!("DATABASE_URL has an unclosed '[' in its host"))?;
                (host, after.strip_prefix(':'))
            }
            None => match host_port.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (host_port, None),
            },
        };
        let port = match port {
            None | Some("") => DEFAULT_PORT,
            Some(port) => port
                .parse()
                .with_context(|| format!("DATABASE_URL has a bad port {port:?}"))?,
        };
        let host = if host.is_empty() { "localhost" } else { host };
        Ok(Self {
            url: url.to_owned(),
            host: host.to_owned(),
            port,
        })
    }

    /// `host:port`, with brackets around IPv6 hosts.
    pub(crate) fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL with any password replaced by `***`, for messages.
    pub(crate) fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.url.split_once("://") else {
            return "<DATABASE_URL>".into();
        };
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        match authority.rsplit_once('@') {
            Some((user_info, host)) => {
                let user = user_info
                    .split_once(':')
                    .map_or(user_info, |(user, _)| user);
                let password = if user_info.contains(':') { ":***" } else { "" };
                format!("{scheme}://{user}{password}@{host}{tail}")
            }
            None => self.url.clone(),
        }
    }

    /// Whether the host is this machine (so we may start or install a server).
    pub(crate) fn is_local(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(url: &str) -> Target {
        Target::parse(url).expect("valid url")
    }

    #[test]
    fn the_default_points_at_local_5432() {
        let target = parsed(DEFAULT_DATABASE_URL);
        assert_eq!((target.host.as_str(), target.port), ("localhost", 5432));
        assert!(target.is_local());
    }

    #[test]
    fn hosts_ports_and_credentials_are_split() {
        let target = parsed("postgresql://u:p@w@db.example:6543/app?sslmode=require");
        assert_eq!((target.host.as_str(), target.port), ("db.example", 6543));
        assert!(!target.is_local());
        assert_eq!(
            target.redacted(),
            "postgresql://u:***@db.example:6543/app?sslmode=require"
        );
    }

    #[test]
    fn ipv6_and_missing_ports_are_understood() {
        let target = parsed("postgres://[::1]/app");
        assert_eq!((target.host.as_str(), target.port), ("::1", 5432));
        assert_eq!(target.address(), "[::1]:5432");
        assert!(target.is_local());
    }

    #[test]
    fn other_schemes_and_bad_ports_are_refused() {
        assert!(Target::parse("mysql://localhost/app").is_err());
        assert!(Target::parse("postgres://localhost:port/app").is_err());
    }
}
