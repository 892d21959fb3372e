//! `cargo xtask dev`: PostgreSQL up, database created, then `licentia serve` in the foreground.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use anyhow::Result;

use crate::{cargo, database, postgres};

/// The server's default listen address (SPEC §16).
const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Runs the server until it stops; returns its exit code.
pub(crate) fn run() -> Result<i32> {
    let target = postgres::ensure_postgres()?;
    database::ensure_database(&target)?;
    let bind = std::env::var("LICENTIA_BIND")
        .ok()
        .filter(|bind| !bind.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_BIND.to_owned());
    let base = base_url(bind.trim());
    say!("starting the server on {bind}; base URL {base}");
    say!("once it is up, check it and register a user with:");
    eprintln!("  curl -s {base}/v1/health");
    eprintln!(
        "  curl -s -X POST {base}/v1/auth/register -H 'content-type: application/json' \
         -d '{{\"email\":\"you@example.com\",\"password\":\"correct-horse-battery\",\"name\":\"You\"}}'"
    );
    cargo::run(
        cargo::cargo()
            .args(["run", "--package", "licentia", "--", "serve"])
            .env("DATABASE_URL", &target.url),
    )
}

/// `http://<bind>`, with a wildcard address (0.0.0.0, ::) replaced by loopback.
fn base_url(bind: &str) -> String {
    match bind.parse::<SocketAddr>() {
        Ok(address) => {
            let ip = match address.ip() {
                IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
                ip => ip,
            };
            format!("http://{}", SocketAddr::new(ip, address.port()))
        }
        Err(_) => format!("http://{bind}"),
    }
}

#[cfg(test)]
mod tests {
    use super::base_url;

    #[test]
    fn wildcard_binds_become_loopback() {
        assert_eq!(base_url("127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(base_url("0.0.0.0:9000"), "http://127.0.0.1:9000");
        assert_eq!(base_url("[::]:9000"), "http://[::1]:9000");
        assert_eq!(base_url("localhost:8080"), "http://localhost:8080");
    }
}
