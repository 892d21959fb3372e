//! Injectables: content shipped only to licensed copies of a product.

use async_trait::async_trait;
use licentia_domain::ids::{InjectableId, ProductId};
use licentia_domain::injectable::{Injectable, InjectableSummary};

use crate::{Decide, Page, PageRequest, RepositoryError, Tenant};

/// Injectables belong to a product of an account; a product-scoped tenant sees only
/// its product's.
#[async_trait]
pub trait InjectableRepository: Send + Sync {
    /// MUST return `Conflict(InjectableSlug)` for a slug the product already uses.
    async fn create(&self, injectable: Injectable) -> Result<Injectable, RepositoryError>;

    /// A product's injectables without their content, newest first.
    async fn list(
        &self,
        tenant: Tenant,
        product: ProductId,
        page: PageRequest,
    ) -> Result<Page<InjectableSummary>, RepositoryError>;

    /// MUST return `NotFound` outside the tenant.
    async fn get(&self, tenant: Tenant, id: InjectableId) -> Result<Injectable, RepositoryError>;

    /// Row-locked read-decide-write (injectables announce no events).
    async fn update(
        &self,
        tenant: Tenant,
        id: InjectableId,
        decide: Decide<Injectable>,
    ) -> Result<Injectable, RepositoryError>;

    /// Deletes one.
    async fn delete(&self, tenant: Tenant, id: InjectableId) -> Result<(), RepositoryError>;

    /// The product's active injectables, oldest first, only those with one of `slugs`
    /// when given (the runtime's read: the license key already identified the tenant).
    async fn active_for_product(
        &self,
        product: ProductId,
        slugs: Option<&[String]>,
    ) -> Result<Vec<Injectable>, RepositoryError>;
}
