//! Webhook endpoints and their deliveries, as the management API sees them.

use async_trait::async_trait;
use licentia_domain::event::NewEvent;
use licentia_domain::ids::{DeliveryId, WebhookId};
use licentia_domain::webhook::{Delivery, DeliveryState, WebhookEndpoint};
use time::OffsetDateTime;

use crate::{Decide, Page, PageRequest, RepositoryError, Tenant};

/// A signing secret sealed by the app (the repository never sees it in clear).
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret(pub Vec<u8>);

impl std::fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedSecret({} bytes)", self.0.len())
    }
}

/// What a request to send a delivery again did.
#[derive(Debug, Clone, PartialEq)]
pub enum Resend {
    /// Due now.
    Queued(Delivery),
    /// A dispatcher is attempting it right now; nothing changed.
    InFlight,
}

/// Endpoints belong to an account; a product-scoped tenant sees only the endpoints
/// filtered to its product.
#[async_trait]
pub trait WebhookRepository: Send + Sync {
    /// Stores a new endpoint with its sealed secret.
    async fn create(
        &self,
        endpoint: WebhookEndpoint,
        secret: SealedSecret,
    ) -> Result<WebhookEndpoint, RepositoryError>;

    /// The tenant's endpoints, newest first.
    async fn list(
        &self,
        tenant: Tenant,
        page: PageRequest,
    ) -> Result<Page<WebhookEndpoint>, RepositoryError>;

    /// MUST return `NotFound` outside the tenant.
    async fn get(&self, tenant: Tenant, id: WebhookId) -> Result<WebhookEndpoint, RepositoryError>;

    /// Row-locked read-decide-write (the decision's events are ignored: endpoint
    /// changes announce nothing).
    async fn update(
        &self,
        tenant: Tenant,
        id: WebhookId,
        decide: Decide<WebhookEndpoint>,
    ) -> Result<WebhookEndpoint, RepositoryError>;

    /// Deletes the endpoint with its deliveries.
    async fn delete(&self, tenant: Tenant, id: WebhookId) -> Result<(), RepositoryError>;

    /// Replaces the secret; the current one becomes the previous one, which keeps
    /// signing for the grace period after `now`.
    async fn rotate_secret(
        &self,
        tenant: Tenant,
        id: WebhookId,
        secret: SealedSecret,
        now: OffsetDateTime,
    ) -> Result<WebhookEndpoint, RepositoryError>;

    /// Records `event` (a `webhook.test`) and queues its delivery to this endpoint
    /// alone, whatever its event selection, in one transaction.
    async fn queue_test(
        &self,
        tenant: Tenant,
        id: WebhookId,
        event: NewEvent,
        now: OffsetDateTime,
    ) -> Result<Delivery, RepositoryError>;

    /// The endpoint's deliveries, newest first, each with its attempts.
    async fn deliveries(
        &self,
        tenant: Tenant,
        id: WebhookId,
        state: Option<DeliveryState>,
        page: PageRequest,
    ) -> Result<Page<Delivery>, RepositoryError>;

    /// Makes a delivery due again at `now` (whatever its state), keeping its log —
    /// unless an attempt is in flight (claimed, lease running, not yet recorded).
    async fn retry_delivery(
        &self,
        tenant: Tenant,
        id: WebhookId,
        delivery: DeliveryId,
        now: OffsetDateTime,
    ) -> Result<Resend, RepositoryError>;
}
