//! Products and their domain allow-lists.

use async_trait::async_trait;
use licentia_domain::domain_name::DomainPattern;
use licentia_domain::event::NewEvent;
use licentia_domain::ids::ProductId;
use licentia_domain::product::{Product, ProductDomain};

use licentia_domain::license::License;

use crate::{Decide, EventFor, Page, PageRequest, RepositoryError, Tenant};

/// Products. Every method is limited to the tenant; outside it answers `NotFound`.
#[async_trait]
pub trait ProductRepository: Send + Sync {
    /// Stores a product with its events. MUST return `Conflict(Slug)` for a slug
    /// the account already uses.
    async fn create(
        &self,
        product: Product,
        events: Vec<NewEvent>,
    ) -> Result<Product, RepositoryError>;

    /// Products of the tenant, newest first.
    async fn list(
        &self,
        tenant: Tenant,
        page: PageRequest,
    ) -> Result<Page<Product>, RepositoryError>;

    /// MUST return `NotFound` outside the tenant.
    async fn get(&self, tenant: Tenant, id: ProductId) -> Result<Product, RepositoryError>;

    /// Loads the product under a row lock, applies `decide`, stores the result and
    /// its events in one transaction. MUST return `Conflict(Slug)` as `create` does.
    async fn update(
        &self,
        tenant: Tenant,
        id: ProductId,
        decide: Decide<Product>,
    ) -> Result<Product, RepositoryError>;

    /// Deletes the product with its events. Without `force`, MUST return `InUse`
    /// while it has licenses; with `force`, its licenses go with it, each announced by
    /// `license_deleted`, in the same transaction.
    async fn delete(
        &self,
        tenant: Tenant,
        id: ProductId,
        force: bool,
        events: Vec<NewEvent>,
        license_deleted: EventFor<'_, License>,
    ) -> Result<(), RepositoryError>;

    /// The product's allowed domains, alphabetically.
    async fn list_domains(
        &self,
        tenant: Tenant,
        id: ProductId,
    ) -> Result<Vec<ProductDomain>, RepositoryError>;

    /// Adds a domain. MUST return `Conflict(Domain)` when it is already listed.
    async fn add_domain(
        &self,
        tenant: Tenant,
        domain: ProductDomain,
    ) -> Result<ProductDomain, RepositoryError>;

    /// Removes a domain. MUST return `NotFound` when it is not listed.
    async fn remove_domain(
        &self,
        tenant: Tenant,
        id: ProductId,
        domain: &DomainPattern,
    ) -> Result<(), RepositoryError>;
}
