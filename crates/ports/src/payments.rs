//! Payments.

use async_trait::async_trait;
use licentia_domain::currency::Currency;
use licentia_domain::event::NewEvent;
use licentia_domain::ids::{CustomerId, LicenseId, PaymentId, ProductId};
use licentia_domain::payment::{Payment, PaymentStatus};

use crate::{Decide, Page, PageRequest, RepositoryError, Tenant};

/// Filters of `GET /v1/payments`; every one given must match.
#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub product_id: Option<ProductId>,
    pub license_id: Option<LicenseId>,
    pub customer_id: Option<CustomerId>,
    pub status: Option<PaymentStatus>,
    pub currency: Option<Currency>,
    pub provider: Option<String>,
}

/// Payments belong to an account and a product; a product-scoped tenant sees only its
/// product's payments.
#[async_trait]
pub trait PaymentRepository: Send + Sync {
    /// Stores a payment with its events in one transaction. MUST return
    /// `Conflict(ProviderRef)` when the account already has a payment with the same
    /// provider and `providerRef`, and `MissingReference` when a referenced license,
    /// customer or product no longer exists.
    async fn create(
        &self,
        payment: Payment,
        events: Vec<NewEvent>,
    ) -> Result<Payment, RepositoryError>;

    /// Matching payments, newest first.
    async fn list(
        &self,
        tenant: Tenant,
        filter: PaymentFilter,
        page: PageRequest,
    ) -> Result<Page<Payment>, RepositoryError>;

    /// MUST return `NotFound` outside the tenant.
    async fn get(&self, tenant: Tenant, id: PaymentId) -> Result<Payment, RepositoryError>;

    /// Row-locked read-decide-write with events, in one transaction.
    async fn update(
        &self,
        tenant: Tenant,
        id: PaymentId,
        decide: Decide<Payment>,
    ) -> Result<Payment, RepositoryError>;

    /// Every payment of a license within the tenant, in no particular order.
    async fn for_license(
        &self,
        tenant: Tenant,
        license: LicenseId,
    ) -> Result<Vec<Payment>, RepositoryError>;
}
