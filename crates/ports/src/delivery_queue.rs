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

/// What the queue holds, for operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    /// Waiting for an attempt, of enabled endpoints.
    pub pending: u64,
    /// Of which due now (or overdue).
    pub due: u64,
    /// Waiting, but their endpoint is disabled.
    pub paused: u64,
    pub succeeded: u64,
    /// Given up.
    pub failed: u64,
    /// When the most overdue delivery of an enabled endpoint was due.
    pub oldest_due_at: Option<OffsetDateTime>,
}

/// The deliveries still to be made, for the backlog gauges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backlog {
    /// Due now (or overdue), of enabled endpoints.
    pub due: u64,
    /// Waiting for a later attempt (a retry, or a lease while being attempted).
    pub scheduled: u64,
    /// Waiting, but their endpoint is disabled.
    pub paused: u64,
    /// When the most overdue delivery of an enabled endpoint was due.
    pub oldest_due_at: Option<OffsetDateTime>,
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

    /// Counts by state, at `now`.
    async fn stats(&self, now: OffsetDateTime) -> Result<QueueStats, RepositoryError>;

    /// Counts the deliveries still to be made, at `now`. MUST read pending deliveries
    /// only (it runs every few seconds on every instance, however many deliveries
    /// succeeded before).
    async fn backlog(&self, now: OffsetDateTime) -> Result<Backlog, RepositoryError>;

    /// Makes given-up deliveries (of one endpoint, or all) due again at `now`; returns
    /// how many.
    async fn requeue_failed(
        &self,
        webhook: Option<WebhookId>,
        now: OffsetDateTime,
    ) -> Result<u64, RepositoryError>;

    /// Deletes up to `batch` outbox events created before `before` that have no
    /// pending delivery, with their deliveries and attempt logs (retention); returns
    /// how many events. Callers repeat until it returns less than `batch`.
    async fn prune_finished(
        &self,
        before: OffsetDateTime,
        batch: u32,
    ) -> Result<u64, RepositoryError>;
}
