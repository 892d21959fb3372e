//! Delivers webhook events: claims due deliveries (leased, `SKIP LOCKED`, so any
//! number of instances can dispatch at once), signs each per Standard Webhooks, sends
//! it through the notifier, and records what the domain's rules make of the outcome.
//!
//! At least once: a delivery is marked done only after a 2xx, and a dispatcher that
//! dies after claiming only delays it by the lease.
//!
//! Each attempt is a span (endpoint, event type, attempt number, status, outcome;
//! never the URL or a secret) and counts in `licentia.webhook.attempts`.

use futures_util::future::join_all;
use licentia_domain::webhook::{
    Attempt, AttemptFacts, AttemptOutcome, DeliveryNext, WebhookSecret, judge_attempt,
    signature_header,
};
use licentia_ports::{AttemptRecord, DueDelivery, OutboundMessage, SendReport};
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use tracing::Instrument;
use tracing::field::Empty;

use crate::services::webhooks::secret_label;
use crate::state::AppState;
use crate::telemetry::SPAN_TARGET;
use crate::telemetry::metrics::AttemptOutcome as Outcome;

/// The body of every webhook: `{type, timestamp, data}`, in that order.
#[derive(Serialize)]
struct Payload<'a> {
    #[serde(rename = "type")]
    event_type: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    timestamp: OffsetDateTime,
    data: &'a Value,
}

/// Claims and attempts one batch; returns how many deliveries were attempted.
pub async fn dispatch_once(state: &AppState) -> usize {
    let settings = &state.settings.webhooks;
    let due = match state
        .deliveries
        .claim(state.clock.now(), settings.batch, settings.lease)
        .await
    {
        Ok(due) => due,
        Err(error) => {
            tracing::warn!(%error, "cannot claim webhook deliveries; will retry");
            return 0;
        }
    };
    let count = due.len();
    join_all(due.into_iter().map(|delivery| attempt(state, delivery))).await;
    count
}

/// Dispatches until the process ends, sleeping only when there is nothing due.
pub async fn run(state: AppState) {
    loop {
        if dispatch_once(&state).await == 0 {
            tokio::time::sleep(state.settings.webhooks.poll_interval).await;
        }
    }
}

async fn attempt(state: &AppState, due: DueDelivery) {
    let span = tracing::info_span!(
        target: SPAN_TARGET,
        "webhook.delivery",
        otel.name = "webhook delivery",
        otel.kind = "client",
        otel.status_code = Empty,
        licentia.webhook.id = %due.webhook_id,
        licentia.delivery.id = %due.id,
        licentia.event.type = %due.event_type,
        licentia.delivery.attempt = due.attempt_number,
        licentia.tenant.id = %due.owner,
        http.response.status_code = Empty,
        licentia.webhook.outcome = Empty,
    );
    let (outcome, status) = attempt_once(state, due).instrument(span.clone()).await;
    if let Some(status) = status {
        span.record("http.response.status_code", status);
    }
    span.record("licentia.webhook.outcome", outcome.as_str());
    if outcome != Outcome::Succeeded {
        span.record("otel.status_code", "ERROR");
    }
    state.metrics.webhook_attempt(outcome);
}

/// One attempt: send, judge, record. Returns its outcome and the endpoint's status.
async fn attempt_once(state: &AppState, due: DueDelivery) -> (Outcome, Option<u16>) {
    let report = match compose(state, &due) {
        Ok(message) => state.notifier.send(&message).await,
        Err(problem) => SendReport {
            status: None,
            latency: std::time::Duration::ZERO,
            error: Some(problem),
        },
    };
    let now = state.clock.now();
    let error = report.error.clone().unwrap_or_default();
    let verdict = judge_attempt(
        &state.settings.webhooks.retry,
        AttemptFacts {
            attempt_number: due.attempt_number,
            outcome: AttemptOutcome::from_status(report.status),
            error: &error,
            failing_since: due.failing_since,
            now,
            jitter: jitter(),
        },
    );
    if report.error.is_some() {
        tracing::info!(
            webhook = %due.webhook_id,
            delivery = %due.id,
            attempt = due.attempt_number,
            status = ?report.status,
            error = %error,
            "webhook attempt failed"
        );
    }
    let outcome = match verdict.delivery {
        DeliveryNext::Succeeded => Outcome::Succeeded,
        DeliveryNext::RetryAt(_) => Outcome::Retrying,
        DeliveryNext::GaveUp => Outcome::GaveUp,
    };
    let status = report.status;
    let record = AttemptRecord {
        delivery: due.id,
        webhook_id: due.webhook_id,
        attempt: Attempt {
            number: due.attempt_number,
            status_code: report.status,
            latency_ms: u32::try_from(report.latency.as_millis()).unwrap_or(u32::MAX),
            error: report.error,
            attempted_at: now,
        },
        next: verdict.delivery,
        endpoint: verdict.endpoint,
    };
    if let Err(error) = state.deliveries.record(record).await {
        tracing::warn!(%error, delivery = %due.id, "cannot record a webhook attempt; it will be retried after its lease");
    }
    (outcome, status)
}

/// The signed message, or why it cannot be sent (the owner reads it in the log).
fn compose(state: &AppState, due: &DueDelivery) -> Result<OutboundMessage, String> {
    if due.url.starts_with("http:") && !state.settings.webhooks.allow_http {
        return Err("refused: the operator does not allow http URLs".to_owned());
    }
    let unseal = |sealed: &[u8]| {
        state
            .master_key
            .open(&secret_label(due.webhook_id), sealed)
            .map(|bytes| {
                WebhookSecret::from_bytes(secrecy::ExposeSecret::expose_secret(&bytes).clone())
            })
    };
    let mut secrets = vec![unseal(&due.secret.0).map_err(|error| {
        tracing::error!(%error, webhook = %due.webhook_id, "cannot unseal a webhook secret");
        "the endpoint's secret cannot be read by this server".to_owned()
    })?];
    // The previous secret only signs beside the current one: without it the receiver
    // still verifies with the current secret, so the delivery goes out.
    match due
        .previous_secret
        .as_ref()
        .map(|previous| unseal(&previous.0))
    {
        Some(Ok(previous)) => secrets.push(previous),
        Some(Err(error)) => tracing::warn!(
            %error, webhook = %due.webhook_id, delivery = %due.id,
            "cannot unseal the previous webhook secret; signing with the current one alone"
        ),
        None => {}
    }
    let body = serde_json::to_vec(&Payload {
        event_type: &due.event_type,
        timestamp: due.event_created_at,
        data: &due.event_data,
    })
    .map_err(|e| format!("the event cannot be serialised: {e}"))?;
    let message_id = due.event_id.to_string();
    let timestamp = state.clock.now().unix_timestamp();
    let signature = signature_header(
        &secrets.iter().collect::<Vec<_>>(),
        &message_id,
        timestamp,
        &body,
    );
    Ok(OutboundMessage {
        url: due.url.clone(),
        headers: vec![
            ("webhook-id", message_id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ],
        body,
    })
}

/// Uniform in `[0, 1)` for the retry jitter.
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    match SystemRandom::new().fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}
