//! The SDK's providers, built from the settings: spans batched to OTLP/HTTP, metrics
//! read periodically to OTLP/HTTP and/or kept for the Prometheus route.

use opentelemetry_otlp::{MetricExporter, SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};

use super::TelemetryError;
use super::http_client::ExportClient;
use super::prometheus::Exposition;
use crate::config::TelemetrySettings;

/// `service.name` and `service.version`, plus what the SDK detects (among it
/// `OTEL_RESOURCE_ATTRIBUTES`).
pub(super) fn resource(settings: &TelemetrySettings) -> Resource {
    Resource::builder()
        .with_service_name(settings.service_name.clone())
        .with_attribute(opentelemetry::KeyValue::new(
            "service.version",
            env!("CARGO_PKG_VERSION"),
        ))
        .build()
}

/// Spans batched to `endpoint`. The sampler comes from `OTEL_TRACES_SAMPLER` (read by
/// the SDK; every span by default).
pub(super) fn tracer_provider(
    endpoint: &str,
    settings: &TelemetrySettings,
    resource: Resource,
) -> Result<SdkTracerProvider, TelemetryError> {
    let exporter = SpanExporter::builder()
        .with_http()
        .with_http_client(ExportClient::new(settings.export_timeout).map_err(TelemetryError)?)
        .with_endpoint(endpoint)
        .with_timeout(settings.export_timeout)
        .build()
        .map_err(|e| TelemetryError(format!("OTLP span exporter: {e}")))?;
    let mut batch = BatchConfigBuilder::default();
    if let Some(delay) = settings.span_export_delay {
        batch = batch.with_scheduled_delay(delay);
    }
    let processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(batch.build())
        .build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(resource)
        .build())
}

/// The meter provider with a reader per destination: OTLP every export interval, and
/// the Prometheus registry read on each scrape.
pub(super) fn meter_provider(
    settings: &TelemetrySettings,
    resource: Resource,
) -> Result<(SdkMeterProvider, Option<Exposition>), TelemetryError> {
    let mut builder = SdkMeterProvider::builder().with_resource(resource);
    if let Some(endpoint) = &settings.metrics_endpoint {
        let exporter = MetricExporter::builder()
            .with_http()
            .with_http_client(ExportClient::new(settings.export_timeout).map_err(TelemetryError)?)
            .with_endpoint(endpoint)
            .with_timeout(settings.export_timeout)
            .build()
            .map_err(|e| TelemetryError(format!("OTLP metric exporter: {e}")))?;
        let mut reader = PeriodicReader::builder(exporter);
        if let Some(interval) = settings.metric_export_interval {
            reader = reader.with_interval(interval);
        }
        builder = builder.with_reader(reader.build());
    }
    let exposition = if settings.prometheus {
        let (reader, exposition) = Exposition::new()?;
        builder = builder.with_reader(reader);
        Some(exposition)
    } else {
        None
    };
    Ok((builder.build(), exposition))
}
