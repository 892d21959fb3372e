//! Telemetry settings: the standard `OTEL_*` variables for OTLP export, and
//! `LICENTIA_METRICS` for the Prometheus `/metrics` route.
//!
//! Off unless asked for: without an OTLP endpoint no span or metric is exported, and
//! without `LICENTIA_METRICS=prometheus` there is no `/metrics`. Variables the SDK reads
//! itself (headers, timeout, compression, sampler, batch limits) are left to it; this
//! module reads the ones that decide whether anything runs at all, so a mistake there
//! stops the server with one line naming the variable.

use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, Source, problem};

/// What is observed and where it goes.
#[derive(Debug, Clone)]
pub struct TelemetrySettings {
    /// Where spans are sent (OTLP/HTTP, the full URL ending in `/v1/traces`); `None`: no traces.
    pub traces_endpoint: Option<String>,
    /// Where metrics are sent (OTLP/HTTP, ending in `/v1/metrics`); `None`: not exported.
    pub metrics_endpoint: Option<String>,
    /// `service.name` of every span and metric (`OTEL_SERVICE_NAME`, default `licentia`).
    pub service_name: String,
    /// Serve `GET /metrics` in the Prometheus text format (`LICENTIA_METRICS=prometheus`).
    pub prometheus: bool,
    /// Bearer token `/metrics` requires (`LICENTIA_METRICS_TOKEN`); `None`: open.
    pub metrics_token: Option<SecretString>,
    /// Overrides the SDK's span batch delay (`OTEL_BSP_SCHEDULE_DELAY`; tests shorten it).
    pub span_export_delay: Option<Duration>,
    /// Overrides the SDK's metric export interval (`OTEL_METRIC_EXPORT_INTERVAL`).
    pub metric_export_interval: Option<Duration>,
    /// How long one OTLP export may take (`OTEL_EXPORTER_OTLP_TIMEOUT`, milliseconds;
    /// default 10 s).
    pub export_timeout: Duration,
    /// How often the webhook outbox is counted for its backlog gauges.
    pub backlog_interval: Duration,
}

impl TelemetrySettings {
    /// Nothing observed: no exporter, no `/metrics`.
    pub fn off() -> Self {
        Self {
            traces_endpoint: None,
            metrics_endpoint: None,
            service_name: "licentia".to_owned(),
            prometheus: false,
            metrics_token: None,
            span_export_delay: None,
            metric_export_interval: None,
            export_timeout: Duration::from_secs(10),
            backlog_interval: Duration::from_secs(15),
        }
    }

    /// Whether spans are recorded at all.
    pub fn traces_on(&self) -> bool {
        self.traces_endpoint.is_some()
    }

    /// Whether metrics are recorded at all (exported, served, or both).
    pub fn metrics_on(&self) -> bool {
        self.metrics_endpoint.is_some() || self.prometheus
    }
}

/// One OTLP signal's variables.
struct Signal {
    /// `traces` or `metrics`: the path `/v1/<name>` and the `OTEL_<NAME>_EXPORTER` variable.
    name: &'static str,
}

impl Signal {
    fn upper(&self) -> String {
        self.name.to_uppercase()
    }

    /// The endpoint this signal is sent to, or `None` when it is not exported.
    fn endpoint(&self, source: &Source<'_>) -> Result<Option<String>, ConfigError> {
        let exporter_variable = format!("OTEL_{}_EXPORTER", self.upper());
        match value(source, &exporter_variable) {
            None => {}
            Some((_, v)) if v == "otlp" => {}
            Some((_, v)) if v == "none" => return Ok(None),
            Some((name, _)) => return Err(problem(&name, "must be otlp or none")),
        }
        for variable in [
            "OTEL_EXPORTER_OTLP_PROTOCOL".to_owned(),
            format!("OTEL_EXPORTER_OTLP_{}_PROTOCOL", self.upper()),
        ] {
            if let Some((name, v)) = value(source, &variable)
                && v != "http/protobuf"
            {
                return Err(problem(
                    &name,
                    "must be http/protobuf (OTLP over HTTP, usually port 4318; grpc is not built in)",
                ));
            }
        }
        let specific = format!("OTEL_EXPORTER_OTLP_{}_ENDPOINT", self.upper());
        let endpoint = value(source, &specific).or_else(|| {
            value(source, "OTEL_EXPORTER_OTLP_ENDPOINT").map(|(name, base)| {
                let url = format!("{}/v1/{}", base.trim_end_matches('/'), self.name);
                (name, url)
            })
        });
        match endpoint {
            None => Ok(None),
            Some((_, url)) if is_http_url(&url) => Ok(Some(url)),
            Some((name, _)) => Err(problem(&name, "must be an http:// or https:// URL")),
        }
    }
}

/// A variable's trimmed value; an empty one counts as unset (as the OTel spec says).
fn value(source: &Source<'_>, variable: &str) -> Option<(String, String)> {
    source
        .get(variable)
        .map(|(name, v)| (name, v.trim().to_owned()))
        .filter(|(_, v)| !v.is_empty())
}

fn is_http_url(url: &str) -> bool {
    ["http://", "https://"].iter().any(|scheme| {
        url.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
            && url.len() > scheme.len()
            && !url.contains(char::is_whitespace)
    })
}

pub(super) fn read(source: &Source<'_>) -> Result<TelemetrySettings, ConfigError> {
    let mut settings = TelemetrySettings::off();
    let disabled = source.flag("OTEL_SDK_DISABLED", false)?;
    if !disabled {
        settings.traces_endpoint = Signal { name: "traces" }.endpoint(source)?;
        settings.metrics_endpoint = Signal { name: "metrics" }.endpoint(source)?;
    }
    if let Some((name, raw)) = value(source, "OTEL_EXPORTER_OTLP_TIMEOUT") {
        let millis: u64 = raw
            .parse()
            .ok()
            .filter(|ms| (1..=600_000).contains(ms))
            .ok_or_else(|| problem(&name, "must be a number of milliseconds from 1 to 600000"))?;
        settings.export_timeout = Duration::from_millis(millis);
    }
    if let Some((_, name)) = value(source, "OTEL_SERVICE_NAME") {
        settings.service_name = name;
    }
    settings.prometheus = match value(source, "LICENTIA_METRICS") {
        None => false,
        Some((_, v)) if v == "off" => false,
        Some((_, v)) if v == "prometheus" => true,
        Some((name, _)) => return Err(problem(&name, "must be off or prometheus")),
    };
    if let Some((name, token)) = value(source, "LICENTIA_METRICS_TOKEN") {
        if token.len() < 16 || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(problem(
                &name,
                "must be at least 16 printable characters without spaces",
            ));
        }
        settings.metrics_token = Some(SecretString::from(token));
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read_env(pairs: &[(&str, &str)]) -> Result<TelemetrySettings, ConfigError> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let file = HashMap::new();
        read(&Source {
            env: &env,
            file: &file,
        })
    }

    #[test]
    fn nothing_is_on_when_nothing_is_set() {
        let s = read_env(&[]).expect("valid");
        assert!(!s.traces_on() && !s.metrics_on());
        assert_eq!(s.service_name, "licentia");
    }

    #[test]
    fn the_base_endpoint_gets_each_signals_path() {
        let s =
            read_env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")]).expect("valid");
        assert_eq!(
            s.traces_endpoint.as_deref(),
            Some("http://collector:4318/v1/traces")
        );
        assert_eq!(
            s.metrics_endpoint.as_deref(),
            Some("http://collector:4318/v1/metrics")
        );
    }

    #[test]
    fn a_signal_endpoint_is_used_as_is_and_one_signal_can_be_off() {
        let s = read_env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "https://traces.example/ingest",
            ),
            ("OTEL_METRICS_EXPORTER", "none"),
        ])
        .expect("valid");
        assert_eq!(
            s.traces_endpoint.as_deref(),
            Some("https://traces.example/ingest")
        );
        assert!(s.metrics_endpoint.is_none());
        let only_metrics = read_env(&[(
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "http://127.0.0.1:4318/v1/metrics",
        )])
        .expect("valid");
        assert!(!only_metrics.traces_on() && only_metrics.metrics_on());
    }

    #[test]
    fn the_sdk_can_be_disabled_and_empty_values_count_as_unset() {
        let s = read_env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_SDK_DISABLED", "true"),
        ])
        .expect("valid");
        assert!(!s.traces_on() && !s.metrics_on());
        let s = read_env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")]).expect("valid");
        assert!(!s.traces_on());
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (variable, value, expected) in [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318", "http://"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", "http/protobuf"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                "http/json",
                "http/protobuf",
            ),
            ("OTEL_TRACES_EXPORTER", "jaeger", "otlp or none"),
            ("OTEL_SDK_DISABLED", "perhaps", "true or false"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s", "milliseconds"),
            ("LICENTIA_METRICS", "statsd", "off or prometheus"),
            ("LICENTIA_METRICS_TOKEN", "short", "16"),
        ] {
            let err = read_env(&[
                (
                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                    "http://ok:4318/v1/traces",
                ),
                (variable, value),
            ])
            .expect_err(variable);
            assert_eq!(err.variable, variable);
            assert!(
                err.problem.contains(expected),
                "{variable}: {}",
                err.problem
            );
        }
    }

    #[test]
    fn prometheus_is_opt_in_and_its_token_is_never_shown() {
        let s = read_env(&[
            ("LICENTIA_METRICS", "prometheus"),
            ("LICENTIA_METRICS_TOKEN", "scrape-token-0123456789"),
        ])
        .expect("valid");
        assert!(s.prometheus && s.metrics_on() && !s.traces_on());
        assert!(!format!("{s:?}").contains("scrape-token-0123456789"));
    }
}
