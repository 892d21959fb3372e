//! Views of webhook endpoints (the secret only at creation and rotation) and of their
//! deliveries with each attempt.

use licentia_domain::ids::{DeliveryId, EventId, ProductId, WebhookId};
use licentia_domain::webhook::{Attempt, Delivery, WebhookEndpoint};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// An endpoint as listed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Webhook)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub id: WebhookId,
    pub url: String,
    #[schema(value_type = Vec<crate::api::openapi::vocabulary::WebhookEvent>)]
    pub events: Vec<String>,
    pub product_id: Option<ProductId>,
    pub description: Option<String>,
    pub enabled: bool,
    /// Why the server disabled it (410 Gone, a day of failures).
    pub disabled_reason: Option<String>,
    #[serde(with = "super::timestamp::option")]
    pub failing_since: Option<OffsetDateTime>,
    #[serde(with = "super::timestamp::option")]
    pub secret_rotated_at: Option<OffsetDateTime>,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
    #[serde(with = "super::timestamp")]
    pub updated_at: OffsetDateTime,
}

impl From<&WebhookEndpoint> for WebhookView {
    fn from(e: &WebhookEndpoint) -> Self {
        Self {
            id: e.id,
            url: e.url.as_str().to_owned(),
            events: e.events.names(),
            product_id: e.product_id,
            description: e.description.as_ref().map(|d| d.as_str().to_owned()),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.clone(),
            failing_since: e.failing_since,
            secret_rotated_at: e.secret_rotated_at,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// An endpoint with its secret: the answer to create and rotate, and only those.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CreatedWebhook)]
#[serde(rename_all = "camelCase")]
pub struct CreatedWebhookView {
    #[serde(flatten)]
    pub webhook: WebhookView,
    pub secret: String,
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DeliveryAttempt)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    pub attempt: u32,
    pub status_code: Option<u16>,
    pub latency_ms: u32,
    pub error: Option<String>,
    #[serde(with = "super::timestamp")]
    pub attempted_at: OffsetDateTime,
}

impl From<&Attempt> for AttemptView {
    fn from(a: &Attempt) -> Self {
        Self {
            attempt: a.number,
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            error: a.error.clone(),
            attempted_at: a.attempted_at,
        }
    }
}

/// A delivery: the event, where it stands, and every attempt so far.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Delivery)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    #[schema(value_type = crate::api::openapi::vocabulary::EventType)]
    pub event_type: String,
    #[schema(value_type = crate::api::openapi::vocabulary::DeliveryState)]
    pub status: &'static str,
    pub attempt_count: usize,
    pub last_status_code: Option<u16>,
    #[serde(with = "super::timestamp::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
    pub attempts: Vec<AttemptView>,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
    #[serde(with = "super::timestamp")]
    pub updated_at: OffsetDateTime,
}

impl From<&Delivery> for DeliveryView {
    fn from(d: &Delivery) -> Self {
        Self {
            id: d.id,
            webhook_id: d.webhook_id,
            event_id: d.event_id,
            event_type: d.event_type.clone(),
            status: d.state.as_str(),
            attempt_count: d.attempts.len(),
            last_status_code: d.attempts.last().and_then(|a| a.status_code),
            next_attempt_at: d.next_attempt_at,
            attempts: d.attempts.iter().map(AttemptView::from).collect(),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}
