//! The dispatcher's side of the webhook outbox: claim due deliveries, record attempts.
//!
//! Claims are leases: a claimed delivery is invisible to other dispatchers until its
//! lease runs out, so several instances can dispatch at once without sending twice,
//! and a dispatcher that dies after claiming only delays the delivery by the lease.

use async_trait::async_trait;
use licentia_domain::ids::{DeliveryId, EventId, UserId, WebhookId};
use licentia_domain::webhook::{Attempt, DeliveryNext, EndpointHealth};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::RepositoryError;
use crate::webhooks::SealedSecret;

/// A delivery claimed for one attempt, with everything needed to make it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: DeliveryId,
    /// The number of the attempt about to be made (1 for the first).
    pub attempt_number: u32,
    pub webhook_id: WebhookId,
    pub owner: UserId,
    pub url: String,
    pub secret: SealedSecret,
    /// The rotated-out secret, while it still signs.
    pub previous_secret: Option<SealedSecret>,
    pub failing_since: Option<OffsetDateTime>,
    pub event_id: EventId,
    pub event_type: String,
    pub event_data: Value,
    pub event_created_at: OffsetDateTime,
}

/// The result of one attempt, and what the rules decided from it.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery: DeliveryId,
    pub webhook_id: WebhookId,
    pub attempt: Attempt,
    pub next: DeliveryNext,
    pub endpoint: EndpointHealth,
}

/// The queue of webhook deliveries.
#[async_trait]
pub trait DeliveryQueue: Send + Sync {
    /// Claims up to `limit` deliveries due at `now` of enabled endpoints, each for
    /// `lease` (`FOR UPDATE SKIP LOCKED`: concurrent dispatchers never claim the same).
    async fn claim(
        &self,
        now: OffsetDateTime,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<DueDelivery>, RepositoryError>;

    /// Logs the attempt, moves the delivery on and updates the endpoint's health.
    async fn record(&self, record: AttemptRecord) -> Result<(), RepositoryError>;
}
