//! Logs, traces and metrics.
//!
//! Logs are text for people or JSON lines for machines. Traces and metrics are
//! OpenTelemetry: exported over OTLP/HTTP when the standard `OTEL_*` variables name an
//! endpoint, and metrics also served in the Prometheus text format at `GET /metrics`
//! when `LICENTIA_METRICS=prometheus`. With none of these, nothing is installed: no
//! provider, no span layer, no middleware, and each instrumented spot costs one
//! branch (`docs/observability.md`).
//!
//! Spans meant for export use the `tracing` target [`SPAN_TARGET`]; only they reach
//! the exporter (log spans and events, which may say more, never do), and they are
//! kept out of the logs.

mod exporters;
mod http_client;
pub mod metrics;
pub mod prometheus;
pub mod traces;

pub use licentia_adapters_postgres::SPAN_TARGET;
use opentelemetry::metrics::{Meter, MeterProvider};
use opentelemetry::trace::TracerProvider;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::{Dispatch, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

pub use self::metrics::Metrics;
pub use self::prometheus::Exposition;
pub use self::traces::Traces;
use crate::config::{LogFormat, TelemetrySettings};

/// A layer of the process's subscriber.
pub type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Why telemetry could not start (the server does not start either).
#[derive(Debug, thiserror::Error)]
#[error("telemetry: {0}")]
pub struct TelemetryError(pub String);

/// The log layer: `filter` (an `EnvFilter` directive list; `info` when it does not
/// parse) in the given format, written to `writer`. Spans meant for export are left
/// out.
pub fn log_layer<W>(filter: &str, format: LogFormat, writer: W) -> BoxedLayer
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let without_export_spans =
        |filter: &str| EnvFilter::try_new(format!("{filter},{SPAN_TARGET}=off"));
    let filter = without_export_spans(filter)
        .or_else(|_| without_export_spans("info"))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let layer = tracing_subscriber::fmt::layer().with_writer(writer);
    match format {
        LogFormat::Json => layer.json().flatten_event(true).with_filter(filter).boxed(),
        LogFormat::Text => layer.with_filter(filter).boxed(),
    }
}

/// A logs-only subscriber (separate from installing it, so tests can send logs
/// elsewhere).
pub fn get_subscriber<W>(
    filter: &str,
    format: LogFormat,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    Box::new(Registry::default().with(vec![log_layer(filter, format, writer)]))
}

/// Installs the subscriber for the whole process (once; later calls are ignored).
pub fn init_subscriber(subscriber: Box<dyn Subscriber + Send + Sync>) {
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The telemetry of one server: its providers (when anything is on) and the handles
/// its code records through.
pub struct Telemetry {
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
    exposition: Option<Exposition>,
    traces: Traces,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry")
            .field("traces", &self.traces)
            .field("metrics", &self.meter_provider.is_some())
            .field("prometheus", &self.exposition.is_some())
            .finish()
    }
}

impl Telemetry {
    /// Nothing observed.
    pub fn off() -> Self {
        Self {
            tracer_provider: None,
            meter_provider: None,
            exposition: None,
            traces: Traces::off(),
        }
    }

    /// Starts what `settings` ask for. Spans go to a dispatcher of this server's own
    /// (see [`Telemetry::install_globally`] for the binary's single subscriber).
    pub fn start(settings: &TelemetrySettings) -> Result<Self, TelemetryError> {
        if !settings.traces_on() && !settings.metrics_on() {
            return Ok(Self::off());
        }
        let resource = exporters::resource(settings);
        let tracer_provider = settings
            .traces_endpoint
            .as_deref()
            .map(|endpoint| exporters::tracer_provider(endpoint, settings, resource.clone()))
            .transpose()?;
        let (meter_provider, exposition) = if settings.metrics_on() {
            let (provider, exposition) = exporters::meter_provider(settings, resource)?;
            (Some(provider), exposition)
        } else {
            (None, None)
        };
        let traces = match &tracer_provider {
            Some(provider) => Traces::new(Some(Dispatch::new(
                Registry::default().with(vec![span_layer(provider)]),
            ))),
            None => Traces::off(),
        };
        Ok(Self {
            tracer_provider,
            meter_provider,
            exposition,
            traces,
        })
    }

    /// Makes `logs`, plus the span exporter when traces are on, the process's global
    /// subscriber (once per process: the binary's way; the server's requests then need
    /// no dispatcher of their own).
    pub fn install_globally(&mut self, logs: BoxedLayer) {
        let mut layers = vec![logs];
        if let Some(provider) = &self.tracer_provider {
            layers.push(span_layer(provider));
            self.traces = Traces::new(None);
        }
        let _ = tracing::subscriber::set_global_default(Registry::default().with(layers));
    }

    /// The handle requests and workers record spans through.
    pub fn traces(&self) -> Traces {
        self.traces.clone()
    }

    /// The meter instruments are created on, when metrics are on.
    pub fn meter(&self) -> Option<Meter> {
        self.meter_provider
            .as_ref()
            .map(|provider| provider.meter("licentia"))
    }

    /// The Prometheus exposition, when `/metrics` is on.
    pub fn exposition(&self) -> Option<Exposition> {
        self.exposition.clone()
    }

    /// Exports what is buffered and stops the exporters (blocks up to the export
    /// timeout: call it off the async runtime's threads).
    pub fn shutdown(&self) {
        if let Some(provider) = &self.tracer_provider
            && let Err(error) = provider.shutdown()
        {
            tracing::warn!(%error, "spans not all exported at shutdown");
        }
        if let Some(provider) = &self.meter_provider
            && let Err(error) = provider.shutdown()
        {
            tracing::warn!(%error, "metrics not all exported at shutdown");
        }
    }
}

/// The layer turning spans of [`SPAN_TARGET`] into OpenTelemetry spans (and nothing
/// else: no events, no other spans, no source locations or thread names).
fn span_layer(provider: &SdkTracerProvider) -> BoxedLayer {
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("licentia"))
        .with_location(false)
        .with_threads(false)
        .with_level(false)
        .with_target(false)
        .with_filter(Targets::new().with_target(SPAN_TARGET, Level::INFO))
        .boxed()
}
