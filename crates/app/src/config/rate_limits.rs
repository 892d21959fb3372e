//! Rate-limit settings: which limiter, the limits per tier and per runtime subject,
//! and the proxies whose `X-Forwarded-For` is believed.
//!
//! Limits are three numbers, per second, minute and hour: `LICENTIA_RATE_LIMIT_PRO=50,1000,20000`
//! (in the TOML file `rate_limit_pro = "50,1000,20000"` or `[50, 1000, 20000]`).

use licentia_domain::account::Tier;
use licentia_domain::client_ip::TrustedProxies;
use licentia_domain::rate_limit::Limits;

use super::{ConfigError, Source, problem};

/// Where budgets are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitMode {
    /// No limits at all (benchmarks; a gateway in front that limits).
    Off,
    /// In this process: exact per instance; N instances admit up to N times the limits.
    Memory,
    /// In PostgreSQL: one budget shared by every instance.
    Postgres,
}

/// Everything about rate limits.
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    pub mode: RateLimitMode,
    /// Management API, per API key or session, by the owner's tier.
    pub start: Limits,
    pub pro: Limits,
    pub enterprise: Limits,
    /// Runtime endpoints, per client IP.
    pub runtime_ip: Limits,
    /// Runtime endpoints, per license key.
    pub runtime_key: Limits,
    /// `POST /v1/auth/login` and `/register`, per client IP (password guessing).
    pub auth_ip: Limits,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// Budgets the in-process limiter holds (least recently used ones are dropped).
    pub capacity: u64,
}

impl RateLimitSettings {
    /// The management limits of a tier.
    pub fn for_tier(&self, tier: Tier) -> Limits {
        match tier {
            Tier::Start => self.start,
            Tier::Pro => self.pro,
            Tier::Enterprise => self.enterprise,
        }
    }
}

/// `[10, 100, 1000]` or `"10,100,1000"` (a TOML array arrives as its text).
fn list_text(raw: &str) -> String {
    raw.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .replace('"', "")
}

fn limits(source: &Source<'_>, variable: &str, default: &str) -> Result<Limits, ConfigError> {
    match source.get(variable) {
        None => Limits::parse(default).map_err(|e| problem(variable, e.message())),
        Some((name, raw)) => {
            Limits::parse(&list_text(&raw)).map_err(|e| problem(&name, e.message()))
        }
    }
}

/// Reads the `LICENTIA_RATE_LIMIT*` and `LICENTIA_TRUSTED_PROXIES` variables.
pub(super) fn read(source: &Source<'_>) -> Result<RateLimitSettings, ConfigError> {
    let mode = match source.get("LICENTIA_RATE_LIMITS") {
        None => RateLimitMode::Memory,
        Some((name, raw)) => match raw.trim().to_lowercase().as_str() {
            "memory" | "on" | "true" => RateLimitMode::Memory,
            "postgres" => RateLimitMode::Postgres,
            "off" | "false" => RateLimitMode::Off,
            _ => return Err(problem(&name, "must be memory, postgres or off")),
        },
    };
    let trusted_proxies = match source.get("LICENTIA_TRUSTED_PROXIES") {
        None => TrustedProxies::default(),
        Some((name, raw)) => {
            TrustedProxies::parse(&list_text(&raw)).map_err(|e| problem(&name, e.message()))?
        }
    };
    let capacity: u64 = source.parse(
        "LICENTIA_RATE_LIMIT_CAPACITY",
        Some(100_000),
        "must be a number of budgets, at least 1000",
    )?;
    if capacity < 1000 {
        return Err(problem(
            "LICENTIA_RATE_LIMIT_CAPACITY",
            "must be a number of budgets, at least 1000",
        ));
    }
    Ok(RateLimitSettings {
        mode,
        start: limits(source, "LICENTIA_RATE_LIMIT_START", "10,100,1000")?,
        pro: limits(source, "LICENTIA_RATE_LIMIT_PRO", "50,1000,20000")?,
        enterprise: limits(source, "LICENTIA_RATE_LIMIT_ENTERPRISE", "200,10000,200000")?,
        runtime_ip: limits(source, "LICENTIA_RATE_LIMIT_RUNTIME_IP", "50,1000,20000")?,
        runtime_key: limits(source, "LICENTIA_RATE_LIMIT_RUNTIME_KEY", "20,600,10000")?,
        auth_ip: limits(source, "LICENTIA_RATE_LIMIT_AUTH_IP", "5,20,100")?,
        trusted_proxies,
        capacity,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use licentia_domain::rate_limit::Window;

    use super::*;
    use crate::config::Settings;

    fn settings(env: &[(&str, &str)], file: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        Settings::from_sources(&map(env), &map(file))
    }

    #[test]
    fn the_defaults_are_the_spec_table() {
        let s = settings(&[], &[]).expect("defaults").rate_limits;
        assert_eq!(s.mode, RateLimitMode::Memory);
        assert_eq!(s.for_tier(Tier::Start).to_string(), "10,100,1000");
        assert_eq!(s.for_tier(Tier::Pro).to_string(), "50,1000,20000");
        assert_eq!(s.for_tier(Tier::Enterprise).to_string(), "200,10000,200000");
        assert_eq!(s.runtime_ip.to_string(), "50,1000,20000");
        assert_eq!(s.runtime_key.to_string(), "20,600,10000");
        assert!(s.trusted_proxies.is_empty());
    }

    #[test]
    fn limits_come_from_the_environment_or_the_file() {
        let s = settings(
            &[
                ("LICENTIA_RATE_LIMITS", "postgres"),
                ("LICENTIA_RATE_LIMIT_PRO", "60, 1200, 30000"),
            ],
            &[
                ("rate_limit_start", "[1, 2, 3]"),
                ("rate_limit_runtime_key", "4,5,6"),
                ("trusted_proxies", r#"["10.0.0.0/8", "127.0.0.1"]"#),
            ],
        )
        .expect("valid")
        .rate_limits;
        assert_eq!(s.mode, RateLimitMode::Postgres);
        assert_eq!(s.pro.get(Window::Minute), 1200);
        assert_eq!(s.start.to_string(), "1,2,3");
        assert_eq!(s.runtime_key.to_string(), "4,5,6");
        assert!(s.trusted_proxies.trusts("10.9.9.9".parse().expect("ip")));
        let on = settings(&[("LICENTIA_RATE_LIMITS", "on")], &[]).expect("valid");
        assert_eq!(on.rate_limits.mode, RateLimitMode::Memory);
        let off = settings(&[], &[("rate_limits", "off")]).expect("valid");
        assert_eq!(off.rate_limits.mode, RateLimitMode::Off);
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (variable, value) in [
            ("LICENTIA_RATE_LIMITS", "redis"),
            ("LICENTIA_RATE_LIMIT_START", "10,100"),
            ("LICENTIA_RATE_LIMIT_ENTERPRISE", "0,1,1"),
            ("LICENTIA_RATE_LIMIT_RUNTIME_IP", "a,b,c"),
            ("LICENTIA_TRUSTED_PROXIES", "10.0.0.0/40"),
            ("LICENTIA_RATE_LIMIT_CAPACITY", "10"),
        ] {
            let error = settings(&[(variable, value)], &[]).expect_err(variable);
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("configuration error: {variable}:")),
                "{error}"
            );
        }
        let error = settings(&[], &[("rate_limit_pro", "1,2")]).expect_err("file");
        assert!(
            error
                .to_string()
                .contains("rate_limit_pro (in LICENTIA_CONFIG)"),
            "{error}"
        );
    }
}
