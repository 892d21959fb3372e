//! Counts the webhook deliveries still to be made, for the backlog gauges, every
//! `TelemetrySettings::backlog_interval` (runs only when metrics are on; one query over
//! pending deliveries). The gauges report the last count, so neither an OTLP export
//! nor a Prometheus scrape ever waits for the database, however often they come.

use crate::state::AppState;

/// Counts until the process ends; a failed count keeps the previous one.
pub async fn run(state: AppState) {
    let every = state.settings.telemetry.backlog_interval;
    loop {
        match state.deliveries.backlog(state.clock.now()).await {
            Ok(backlog) => state.metrics.outbox_counted(&backlog),
            Err(error) => tracing::debug!(%error, "could not count the webhook outbox"),
        }
        tokio::time::sleep(every).await;
    }
}
