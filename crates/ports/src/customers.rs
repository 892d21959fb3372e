//! Customers.

use async_trait::async_trait;
use licentia_domain::customer::Customer;
use licentia_domain::event::NewEvent;
use licentia_domain::ids::CustomerId;

use licentia_domain::license::License;

use crate::{Decide, EventFor, Page, PageRequest, RepositoryError, Tenant};

/// Filters of `GET /v1/customers`.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Exact (normalised) address.
    pub email: Option<String>,
    pub external_id: Option<String>,
    /// Case-insensitive substring of name or e-mail.
    pub query: Option<String>,
}

/// Customers belong to an account; a product-scoped tenant sees every customer of
/// the account (customers are not tied to a product).
#[async_trait]
pub trait CustomerRepository: Send + Sync {
    /// MUST return `Conflict(ExternalId)` for an `externalId` the account already uses.
    async fn create(
        &self,
        customer: Customer,
        events: Vec<NewEvent>,
    ) -> Result<Customer, RepositoryError>;

    /// Matching customers, newest first.
    async fn list(
        &self,
        tenant: Tenant,
        filter: CustomerFilter,
        page: PageRequest,
    ) -> Result<Page<Customer>, RepositoryError>;

    /// MUST return `NotFound` outside the tenant.
    async fn get(&self, tenant: Tenant, id: CustomerId) -> Result<Customer, RepositoryError>;

    /// Row-locked read-decide-write with events, in one transaction.
    async fn update(
        &self,
        tenant: Tenant,
        id: CustomerId,
        decide: Decide<Customer>,
    ) -> Result<Customer, RepositoryError>;

    /// Deletes the customer; its licenses stay, unlinked, each announced by
    /// `license_unlinked` (with the license as it is after), in the same transaction.
    async fn delete(
        &self,
        tenant: Tenant,
        id: CustomerId,
        events: Vec<NewEvent>,
        license_unlinked: EventFor<'_, License>,
    ) -> Result<(), RepositoryError>;
}
