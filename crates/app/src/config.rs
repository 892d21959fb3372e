//! Settings from the environment and an optional TOML file (`LICENTIA_CONFIG`).
//!
//! Precedence: environment, then the TOML file, then defaults. A bad value stops the
//! server at start with one line naming the variable — never echoing a secret.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;

mod rate_limits;
mod telemetry;

pub use rate_limits::{RateLimitMode, RateLimitSettings};
pub use telemetry::TelemetrySettings;

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: SecretString,
    pub bind: SocketAddr,
    pub open_registration: bool,
    pub auto_migrate: bool,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub db_pool_size: usize,
    /// How often buffered `lastUsedAt` times are written.
    pub last_used_flush_interval: Duration,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// How long a login session lasts.
    pub session_ttl: Duration,
    /// Base64 of the 32-byte key sealing signing keys; `None`: a development key in
    /// `data_dir`.
    pub master_key: Option<SecretString>,
    /// Base64 of the master key being replaced (`LICENTIA_PREVIOUS_MASTER_KEY`): what it
    /// sealed still opens, nothing new is sealed with it. Blank counts as unset.
    pub previous_master_key: Option<SecretString>,
    /// Where development state (the generated master key) is kept.
    pub data_dir: std::path::PathBuf,
    /// How long a cached license is served without re-reading it.
    pub cache_fresh_for: Duration,
    /// How old a cached license may be and still be served while the database is down.
    pub cache_staleness: Duration,
    /// How many licenses the validation cache holds.
    pub cache_capacity: u64,
    /// How often buffered validation counters are written.
    pub usage_flush_interval: Duration,
    /// How often licenses past `expiresAt` are persisted as EXPIRED.
    pub expiry_sweep_interval: Duration,
    /// How often expired sessions, idempotency keys and old outbox events are deleted.
    pub housekeeping_interval: Duration,
    /// Rate limits (`LICENTIA_RATE_LIMIT*`, `LICENTIA_TRUSTED_PROXIES`).
    pub rate_limits: RateLimitSettings,
    /// Webhook delivery.
    pub webhooks: WebhookSettings,
    /// Traces and metrics (`OTEL_*`, `LICENTIA_METRICS*`; off unless set).
    pub telemetry: TelemetrySettings,
}

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Endpoints may use `http://` URLs (`LICENTIA_WEBHOOKS_ALLOW_HTTP`; development).
    pub allow_http: bool,
    /// Endpoints may resolve to loopback, private and link-local addresses
    /// (`LICENTIA_WEBHOOKS_ALLOW_PRIVATE`); cloud metadata addresses stay refused.
    pub allow_private: bool,
    /// This process runs a dispatcher (`LICENTIA_WEBHOOKS_DISPATCHER`, default on; any
    /// number of instances may).
    pub dispatcher: bool,
    /// How often an idle dispatcher looks for due deliveries.
    pub poll_interval: Duration,
    /// How long a claimed delivery stays invisible to other dispatchers; longer than
    /// `timeout`, so a live dispatcher always records before its lease ends.
    pub lease: time::Duration,
    /// Connect and request timeout of one attempt.
    pub timeout: Duration,
    /// Deliveries attempted at once by one dispatcher.
    pub batch: u32,
    /// When failed deliveries are retried.
    pub retry: licentia_domain::webhook::RetrySchedule,
    /// How long finished events and their delivery logs are kept
    /// (`LICENTIA_WEBHOOKS_RETENTION_DAYS`, default 30).
    pub retention: time::Duration,
}

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {variable}: {problem}")]
pub struct ConfigError {
    pub variable: String,
    pub problem: String,
}

impl Settings {
    /// Reads the process environment (and `LICENTIA_CONFIG`, when set).
    pub fn from_env() -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let file = match env.get("LICENTIA_CONFIG") {
            Some(path) => read_toml(path)?,
            None => HashMap::new(),
        };
        Self::from_sources(&env, &file)
    }

    /// Builds settings from an environment map and a TOML key map (keys are the
    /// variable names without the `LICENTIA_` prefix, lower-cased).
    pub fn from_sources(
        env: &HashMap<String, String>,
        file: &HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let source = Source { env, file };
        Ok(Self {
            database_url: SecretString::from(
                source
                    .get("DATABASE_URL")
                    .map(|(_, v)| v)
                    .unwrap_or_else(|| "postgres://postgres@localhost:5432/licentia".to_owned()),
            ),
            bind: source.parse(
                "LICENTIA_BIND",
                "127.0.0.1:8080".parse().ok(),
                "must be an address such as 127.0.0.1:8080",
            )?,
            open_registration: source.flag("LICENTIA_OPEN_REGISTRATION", true)?,
            auto_migrate: source.flag("LICENTIA_AUTO_MIGRATE", true)?,
            log_filter: source
                .get("LICENTIA_LOG")
                .map_or_else(|| "info".to_owned(), |(_, v)| v),
            log_format: match source.get("LICENTIA_LOG_FORMAT") {
                None => LogFormat::Text,
                Some((_, v)) if v == "text" => LogFormat::Text,
                Some((_, v)) if v == "json" => LogFormat::Json,
                Some((name, _)) => return Err(problem(&name, "must be text or json")),
            },
            db_pool_size: source.parse(
                "LICENTIA_DB_POOL_SIZE",
                Some(16),
                "must be a number from 1 to 1000",
            )?,
            last_used_flush_interval: Duration::from_secs(5),
            max_body_bytes: source.parse(
                "LICENTIA_MAX_BODY_BYTES",
                Some(2 * 1024 * 1024),
                "must be a number of bytes",
            )?,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            master_key: source
                .get("LICENTIA_MASTER_KEY")
                .map(|(_, v)| SecretString::from(v)),
            previous_master_key: source
                .get("LICENTIA_PREVIOUS_MASTER_KEY")
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(_, v)| SecretString::from(v)),
            data_dir: source
                .get("LICENTIA_DATA_DIR")
                .map_or_else(|| ".data".into(), |(_, v)| v.into()),
            cache_fresh_for: Duration::from_secs(source.parse(
                "LICENTIA_CACHE_FRESH_SECONDS",
                Some(300),
                "must be a number of seconds",
            )?),
            cache_staleness: Duration::from_secs(source.parse(
                "LICENTIA_CACHE_STALENESS_SECONDS",
                Some(300),
                "must be a number of seconds",
            )?),
            cache_capacity: source.parse(
                "LICENTIA_CACHE_CAPACITY",
                Some(200_000),
                "must be a number of licenses",
            )?,
            usage_flush_interval: Duration::from_secs(
                source
                    .parse(
                        "LICENTIA_USAGE_FLUSH_SECONDS",
                        std::num::NonZeroU64::new(10),
                        "must be a whole number of seconds, at least 1",
                    )?
                    .get(),
            ),
            expiry_sweep_interval: Duration::from_secs(60),
            housekeeping_interval: Duration::from_secs(600),
            rate_limits: rate_limits::read(&source)?,
            webhooks: WebhookSettings {
                allow_http: source.flag("LICENTIA_WEBHOOKS_ALLOW_HTTP", false)?,
                allow_private: source.flag("LICENTIA_WEBHOOKS_ALLOW_PRIVATE", false)?,
                dispatcher: source.flag("LICENTIA_WEBHOOKS_DISPATCHER", true)?,
                poll_interval: Duration::from_secs(1),
                lease: time::Duration::seconds(60),
                timeout: Duration::from_secs(10),
                batch: 32,
                retry: licentia_domain::webhook::RetrySchedule::default(),
                retention: time::Duration::days(source.parse(
                    "LICENTIA_WEBHOOKS_RETENTION_DAYS",
                    Some(30),
                    "must be a number of days from 1 to 3650",
                )?),
            },
            telemetry: telemetry::read(&source)?,
        })
        .and_then(|s: Settings| {
            if !(1..=1000).contains(&s.db_pool_size) {
                return Err(problem(
                    "LICENTIA_DB_POOL_SIZE",
                    "must be a number from 1 to 1000",
                ));
            }
            if !(1..=3650).contains(&s.webhooks.retention.whole_days()) {
                return Err(problem(
                    "LICENTIA_WEBHOOKS_RETENTION_DAYS",
                    "must be a number of days from 1 to 3650",
                ));
            }
            if let Some(key) = &s.master_key {
                let key = crate::runtime::master_key::MasterKey::from_base64(key)
                    .map_err(|e| problem("LICENTIA_MASTER_KEY", &e.to_string()))?;
                if let Some(previous) = &s.previous_master_key {
                    key.with_previous(previous).map_err(|e| {
                        problem("LICENTIA_PREVIOUS_MASTER_KEY", previous_problem(&e))
                    })?;
                }
            } else if s.previous_master_key.is_some() {
                return Err(problem(
                    "LICENTIA_PREVIOUS_MASTER_KEY",
                    "needs LICENTIA_MASTER_KEY (the new key) set beside it",
                ));
            }
            if !s.database_url_looks_valid() {
                return Err(problem(
                    "DATABASE_URL",
                    "must start with postgres:// or postgresql://",
                ));
            }
            Ok(s)
        })
    }

    fn database_url_looks_valid(&self) -> bool {
        let url = secrecy::ExposeSecret::expose_secret(&self.database_url);
        url.starts_with("postgres://") || url.starts_with("postgresql://")
    }
}

struct Source<'a> {
    env: &'a HashMap<String, String>,
    file: &'a HashMap<String, String>,
}

impl Source<'_> {
    /// The value and the name to blame for it (the variable, or the file key).
    fn get(&self, variable: &str) -> Option<(String, String)> {
        if let Some(v) = self.env.get(variable) {
            return Some((variable.to_owned(), v.clone()));
        }
        let key = variable.trim_start_matches("LICENTIA_").to_lowercase();
        self.file
            .get(&key)
            .map(|v| (format!("{key} (in LICENTIA_CONFIG)"), v.clone()))
    }

    fn parse<T: std::str::FromStr>(
        &self,
        variable: &str,
        default: Option<T>,
        expected: &str,
    ) -> Result<T, ConfigError> {
        match self.get(variable) {
            Some((name, raw)) => raw.trim().parse().map_err(|_| problem(&name, expected)),
            None => default.ok_or_else(|| problem(variable, expected)),
        }
    }

    fn flag(&self, variable: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(variable) {
            None => Ok(default),
            Some((name, raw)) => match raw.trim().to_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(problem(&name, "must be true or false")),
            },
        }
    }
}

/// What is wrong with `LICENTIA_PREVIOUS_MASTER_KEY`, without its value.
fn previous_problem(error: &crate::runtime::master_key::SealError) -> &'static str {
    match error {
        crate::runtime::master_key::SealError::SamePreviousMasterKey => {
            "must differ from LICENTIA_MASTER_KEY (it is the key being replaced)"
        }
        _ => "must be the base64 of exactly 32 bytes",
    }
}

fn problem(variable: &str, problem: &str) -> ConfigError {
    ConfigError {
        variable: variable.to_owned(),
        problem: problem.to_owned(),
    }
}

fn read_toml(path: &str) -> Result<HashMap<String, String>, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| problem("LICENTIA_CONFIG", &format!("cannot read {path}: {e}")))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        problem(
            "LICENTIA_CONFIG",
            &format!("{path} is not valid TOML: {}", e.message()),
        )
    })?;
    Ok(table
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                toml::Value::String(s) => s,
                other => other.to_string(),
            };
            (key, value)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_follow_the_spec() {
        let s = Settings::from_sources(&env(&[]), &HashMap::new()).expect("defaults are valid");
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert!(s.open_registration);
        assert!(s.auto_migrate);
        assert_eq!(s.log_format, LogFormat::Text);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = Settings::from_sources(&env(&[("LICENTIA_BIND", "nowhere")]), &HashMap::new())
            .expect_err("invalid");
        assert!(
            err.to_string()
                .starts_with("configuration error: LICENTIA_BIND:")
        );
        let err = Settings::from_sources(
            &env(&[("LICENTIA_OPEN_REGISTRATION", "maybe")]),
            &HashMap::new(),
        )
        .expect_err("invalid");
        assert!(err.to_string().contains("LICENTIA_OPEN_REGISTRATION"));
    }

    #[test]
    fn webhook_retention_is_whole_days_within_bounds() {
        let days = |raw: &str| {
            Settings::from_sources(
                &env(&[("LICENTIA_WEBHOOKS_RETENTION_DAYS", raw)]),
                &HashMap::new(),
            )
            .map(|s| s.webhooks.retention.whole_days())
        };
        let default = Settings::from_sources(&env(&[]), &HashMap::new()).expect("defaults");
        assert_eq!(default.webhooks.retention.whole_days(), 30);
        assert_eq!(days("7").expect("a week is valid"), 7);
        for bad in ["0", "-1", "3651", "a month"] {
            let err = days(bad).expect_err(bad);
            assert!(err.to_string().contains("LICENTIA_WEBHOOKS_RETENTION_DAYS"));
        }
    }

    #[test]
    fn usage_flush_is_whole_seconds_of_at_least_one() {
        let flush = |vars: &[(&str, &str)]| {
            Settings::from_sources(&env(vars), &HashMap::new()).map(|s| s.usage_flush_interval)
        };
        assert_eq!(flush(&[]).ok(), Some(Duration::from_secs(10)));
        assert_eq!(
            flush(&[("LICENTIA_USAGE_FLUSH_SECONDS", "2")]).ok(),
            Some(Duration::from_secs(2))
        );
        for bad in ["0", "-1", "1.5", "soon"] {
            assert!(
                flush(&[("LICENTIA_USAGE_FLUSH_SECONDS", bad)]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_bad_database_url_is_reported_without_its_value() {
        let err = Settings::from_sources(
            &env(&[("DATABASE_URL", "mysql://u:secret@h/db")]),
            &HashMap::new(),
        )
        .expect_err("invalid");
        assert!(err.to_string().contains("DATABASE_URL"));
        assert!(!err.to_string().contains("secret"));
    }

    #[test]
    fn a_bad_master_key_is_refused_without_echoing_it() {
        let err = Settings::from_sources(
            &env(&[("LICENTIA_MASTER_KEY", "c2VjcmV0")]),
            &HashMap::new(),
        )
        .expect_err("too short");
        assert!(err.to_string().contains("LICENTIA_MASTER_KEY"));
        assert!(!err.to_string().contains("c2VjcmV0"));
    }

    #[test]
    fn a_previous_master_key_must_be_valid_different_and_beside_a_master_key() {
        let (current, previous) = (
            "bGljZW50aWEtY29uZmlnLXRlc3RzLWN1cnJlbnQta3k=",
            "bGljZW50aWEtY29uZmlnLXRlc3RzLXByZXZpb3VzLXk=",
        );
        let refused = |pairs: &[(&str, &str)]| {
            let err = Settings::from_sources(&env(pairs), &HashMap::new()).expect_err("refused");
            let line = err.to_string();
            assert!(
                line.starts_with("configuration error: LICENTIA_PREVIOUS_MASTER_KEY:"),
                "{line}"
            );
            assert!(
                !line.contains(current) && !line.contains(previous),
                "{line}"
            );
            assert_eq!(line.lines().count(), 1);
            line
        };
        let s = Settings::from_sources(
            &env(&[
                ("LICENTIA_MASTER_KEY", current),
                ("LICENTIA_PREVIOUS_MASTER_KEY", previous),
            ]),
            &HashMap::new(),
        )
        .expect("two valid, different keys");
        assert!(s.previous_master_key.is_some());
        assert!(!format!("{s:?}").contains(previous), "Debug hides it");
        let blank = Settings::from_sources(
            &env(&[
                ("LICENTIA_MASTER_KEY", current),
                ("LICENTIA_PREVIOUS_MASTER_KEY", " "),
            ]),
            &HashMap::new(),
        )
        .expect("blank is unset");
        assert!(blank.previous_master_key.is_none());

        refused(&[
            ("LICENTIA_MASTER_KEY", current),
            ("LICENTIA_PREVIOUS_MASTER_KEY", "c2VjcmV0"),
        ]);
        assert!(
            refused(&[
                ("LICENTIA_MASTER_KEY", current),
                ("LICENTIA_PREVIOUS_MASTER_KEY", current),
            ])
            .contains("must differ from LICENTIA_MASTER_KEY")
        );
        assert!(
            refused(&[("LICENTIA_PREVIOUS_MASTER_KEY", previous)])
                .contains("needs LICENTIA_MASTER_KEY")
        );
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let file = env(&[("bind", "0.0.0.0:9000"), ("open_registration", "false")]);
        let s = Settings::from_sources(&env(&[("LICENTIA_BIND", "127.0.0.1:7000")]), &file)
            .expect("valid");
        assert_eq!(s.bind.to_string(), "127.0.0.1:7000");
        assert!(!s.open_registration);
    }
}
