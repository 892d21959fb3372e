//! The Prometheus text exposition of the server's metrics (`GET /metrics`, opt-in).
//!
//! The same instruments as the OTLP export, read on each scrape through the SDK's
//! Prometheus reader: dots become underscores, the unit becomes a suffix
//! (`http_server_request_duration_seconds`), counters end in `_total`, and the
//! resource is published once as `target_info`.

use opentelemetry_prometheus::PrometheusExporter;
use prometheus::{Encoder, TextEncoder};

use super::TelemetryError;

/// The `Content-Type` of the exposition (text format 0.0.4).
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The registry a Prometheus reader fills on each scrape.
#[derive(Clone)]
pub struct Exposition {
    registry: prometheus::Registry,
}

impl std::fmt::Debug for Exposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exposition").finish_non_exhaustive()
    }
}

impl Exposition {
    /// A reader for the meter provider, and the exposition it feeds.
    pub(super) fn new() -> Result<(PrometheusExporter, Self), TelemetryError> {
        let registry = prometheus::Registry::new();
        let reader = opentelemetry_prometheus::exporter()
            .with_registry(registry.clone())
            .scope_info_enabled(false)
            .build()
            .map_err(|e| TelemetryError(format!("Prometheus reader: {e}")))?;
        Ok((reader, Self { registry }))
    }

    /// Every metric as it is now, in the text format.
    pub fn render(&self) -> Result<String, TelemetryError> {
        let mut text = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut text)
            .map_err(|e| TelemetryError(format!("cannot render metrics: {e}")))?;
        String::from_utf8(text).map_err(|e| TelemetryError(format!("cannot render metrics: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::KeyValue;
    use opentelemetry::metrics::MeterProvider;
    use opentelemetry_sdk::Resource;
    use opentelemetry_sdk::metrics::SdkMeterProvider;

    use super::*;

    #[test]
    fn instruments_render_in_the_text_format() {
        let (reader, exposition) = Exposition::new().expect("reader");
        let provider = SdkMeterProvider::builder()
            .with_reader(reader)
            .with_resource(
                Resource::builder_empty()
                    .with_service_name("licentia")
                    .build(),
            )
            .build();
        let meter = provider.meter("licentia");
        meter
            .u64_counter("licentia.validations")
            .with_description("Validations answered, by code.")
            .build()
            .add(2, &[KeyValue::new("licentia.validation.code", "VALID")]);
        meter
            .f64_histogram("http.server.request.duration")
            .with_unit("s")
            .with_description("How long requests took.")
            .with_boundaries(vec![0.01, 0.1])
            .build()
            .record(0.05, &[KeyValue::new("http.route", "/v1/health")]);
        let text = exposition.render().expect("text");
        let expected = "\
# HELP http_server_request_duration_seconds How long requests took.
# TYPE http_server_request_duration_seconds histogram
http_server_request_duration_seconds_bucket{http_route=\"/v1/health\",le=\"0.01\"} 0
http_server_request_duration_seconds_bucket{http_route=\"/v1/health\",le=\"0.1\"} 1
http_server_request_duration_seconds_bucket{http_route=\"/v1/health\",le=\"+Inf\"} 1
http_server_request_duration_seconds_sum{http_route=\"/v1/health\"} 0.05
http_server_request_duration_seconds_count{http_route=\"/v1/health\"} 1
# HELP licentia_validations_total Validations answered, by code.
# TYPE licentia_validations_total counter
licentia_validations_total{licentia_validation_code=\"VALID\"} 2
# HELP target_info Target metadata
# TYPE target_info gauge
target_info{service_name=\"licentia\"} 1
";
        assert_eq!(text, expected);
    }
}
