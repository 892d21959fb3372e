//! `webhook_endpoints`, `webhook_deliveries` and `webhook_attempts` rows.

use diesel::prelude::*;
use licentia_domain::ids::{DeliveryId, EventId, ProductId, UserId, WebhookId};
use licentia_domain::text::Description;
use licentia_domain::webhook::{
    Attempt, Delivery, DeliveryState, EventSelection, WebhookEndpoint, WebhookUrl,
};
use licentia_ports::RepositoryError;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{corrupt, count, text_array};
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints};

/// An endpoint as the API sees it (the sealed secrets are not selected).
#[derive(Debug, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = webhook_endpoints, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub(crate) struct WebhookEndpointRow {
    #[diesel(skip_update)]
    pub id: Uuid,
    #[diesel(skip_update)]
    pub user_id: Uuid,
    pub product_id: Option<Uuid>,
    pub url: String,
    pub events: Vec<Option<String>>,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<OffsetDateTime>,
    pub secret_rotated_at: Option<OffsetDateTime>,
    #[diesel(skip_update)]
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A new endpoint with its sealed secret.
#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub(crate) struct NewWebhookEndpointRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub product_id: Option<Uuid>,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    pub secret_sealed: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<WebhookEndpointRow> for WebhookEndpoint {
    type Error = RepositoryError;

    fn try_from(row: WebhookEndpointRow) -> Result<Self, Self::Error> {
        Ok(WebhookEndpoint {
            id: WebhookId::from_uuid(row.id),
            owner: UserId::from_uuid(row.user_id),
            product_id: row.product_id.map(ProductId::from_uuid),
            url: WebhookUrl::from_storage(row.url),
            events: EventSelection::parse(&text_array(row.events))
                .map_err(corrupt("webhook_endpoints", "events"))?,
            description: row
                .description
                .as_deref()
                .map(Description::parse)
                .transpose()
                .map_err(corrupt("webhook_endpoints", "description"))?,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            failing_since: row.failing_since,
            secret_rotated_at: row.secret_rotated_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl From<&WebhookEndpoint> for WebhookEndpointRow {
    fn from(e: &WebhookEndpoint) -> Self {
        Self {
            id: e.id.as_uuid(),
            user_id: e.owner.as_uuid(),
            product_id: e.product_id.map(|p| p.as_uuid()),
            url: e.url.as_str().to_owned(),
            events: e.events.names().into_iter().map(Some).collect(),
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

impl NewWebhookEndpointRow {
    pub(crate) fn new(e: &WebhookEndpoint, secret_sealed: Vec<u8>) -> Self {
        Self {
            id: e.id.as_uuid(),
            user_id: e.owner.as_uuid(),
            product_id: e.product_id.map(|p| p.as_uuid()),
            url: e.url.as_str().to_owned(),
            events: e.events.names(),
            description: e.description.as_ref().map(|d| d.as_str().to_owned()),
            enabled: e.enabled,
            secret_sealed,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A delivery, joined with its event's type.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg))]
pub(crate) struct DeliveryRow {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Uuid,
    pub state: String,
    pub attempt_count: i32,
    pub next_attempt_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl DeliveryRow {
    /// A new pending delivery of `event` to `endpoint`, due at `now`.
    pub(crate) fn pending(endpoint: Uuid, event: Uuid, now: OffsetDateTime) -> Self {
        Self {
            id: DeliveryId::generate().as_uuid(),
            endpoint_id: endpoint,
            event_id: event,
            state: DeliveryState::Pending.as_str().to_owned(),
            attempt_count: 0,
            next_attempt_at: Some(now),
            created_at: now,
            updated_at: now,
        }
    }

    /// The domain delivery, given its event type and its attempts (oldest first).
    pub(crate) fn into_delivery(
        self,
        event_type: String,
        attempts: Vec<AttemptRow>,
    ) -> Result<Delivery, RepositoryError> {
        let state = DeliveryState::parse(&self.state).ok_or_else(|| {
            RepositoryError::Internal(format!(
                "corrupt row in webhook_deliveries.state: {}",
                self.state
            ))
        })?;
        Ok(Delivery {
            id: DeliveryId::from_uuid(self.id),
            webhook_id: WebhookId::from_uuid(self.endpoint_id),
            event_id: EventId::from_uuid(self.event_id),
            event_type,
            state,
            attempts: attempts.into_iter().map(Attempt::from).collect(),
            next_attempt_at: self.next_attempt_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// One logged attempt.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts, check_for_backend(diesel::pg::Pg))]
pub(crate) struct AttemptRow {
    pub delivery_id: Uuid,
    pub number: i32,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
    pub attempted_at: OffsetDateTime,
}

impl From<AttemptRow> for Attempt {
    fn from(row: AttemptRow) -> Self {
        Attempt {
            number: count(row.number),
            status_code: row.status_code.and_then(|s| u16::try_from(s).ok()),
            latency_ms: count(row.latency_ms),
            error: row.error,
            attempted_at: row.attempted_at,
        }
    }
}

impl AttemptRow {
    pub(crate) fn new(delivery: Uuid, attempt: &Attempt) -> Self {
        Self {
            delivery_id: delivery,
            number: i32::try_from(attempt.number).unwrap_or(i32::MAX),
            status_code: attempt.status_code.map(i32::from),
            latency_ms: i32::try_from(attempt.latency_ms).unwrap_or(i32::MAX),
            error: attempt.error.clone(),
            attempted_at: attempt.attempted_at,
        }
    }
}
