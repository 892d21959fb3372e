//! Licenses and their assigned domains.

use async_trait::async_trait;
use licentia_domain::domain_name::DomainName;
use licentia_domain::event::NewEvent;
use licentia_domain::ids::{CustomerId, LicenseId, ProductId};
use licentia_domain::license::License;
use licentia_domain::license_status::LicenseStatus;
use time::OffsetDateTime;

use crate::{Decide, Page, PageRequest, RepositoryError, Tenant};

/// Filters of `GET /v1/licenses`.
#[derive(Debug, Clone, Default)]
pub struct LicenseFilter {
    /// Matches the effective status (a passed expiry counts as EXPIRED).
    pub status: Option<LicenseStatus>,
    pub product_id: Option<ProductId>,
    pub customer_id: Option<CustomerId>,
    /// Case-insensitive plan name.
    pub plan: Option<String>,
    /// Exact `issuedEmail` (normalised).
    pub email: Option<String>,
    pub expires_before: Option<OffsetDateTime>,
    pub expires_after: Option<OffsetDateTime>,
    /// Substring of key, `issuedTo` or `issuedEmail`.
    pub query: Option<String>,
    /// The instant "effective status" is judged at.
    pub now: Option<OffsetDateTime>,
}

/// A domain assigned to a license.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenseDomain {
    pub license_id: LicenseId,
    pub domain: DomainName,
    pub created_at: OffsetDateTime,
}

/// Licenses. Every method is limited to the tenant; outside it answers `NotFound`.
#[async_trait]
pub trait LicenseRepository: Send + Sync {
    /// Stores one license with its events. MUST return `Conflict(LicenseKey)` for a
    /// key already in use, `MissingReference("product"|"customer")` for a product or
    /// customer outside the tenant.
    async fn create(
        &self,
        license: License,
        events: Vec<NewEvent>,
    ) -> Result<License, RepositoryError>;

    /// Stores all licenses or none.
    async fn create_many(
        &self,
        licenses: Vec<License>,
        events: Vec<NewEvent>,
    ) -> Result<Vec<License>, RepositoryError>;

    /// Matching licenses, newest first.
    async fn list(
        &self,
        tenant: Tenant,
        filter: LicenseFilter,
        page: PageRequest,
    ) -> Result<Page<License>, RepositoryError>;

    /// MUST return `NotFound` outside the tenant.
    async fn get(&self, tenant: Tenant, id: LicenseId) -> Result<License, RepositoryError>;

    /// By the key's lookup form. MUST return `NotFound` outside the tenant.
    async fn get_by_key(&self, tenant: Tenant, lookup: &str) -> Result<License, RepositoryError>;

    /// Row-locked read-decide-write with events, in one transaction. MUST return
    /// `MissingReference("customer")` when the decided license names a customer
    /// outside the tenant.
    async fn update(
        &self,
        tenant: Tenant,
        id: LicenseId,
        decide: Decide<License>,
    ) -> Result<License, RepositoryError>;

    /// Deletes the license and its activations.
    async fn delete(
        &self,
        tenant: Tenant,
        id: LicenseId,
        events: Vec<NewEvent>,
    ) -> Result<(), RepositoryError>;

    /// The license's assigned domains, alphabetically.
    async fn list_domains(
        &self,
        tenant: Tenant,
        id: LicenseId,
    ) -> Result<Vec<LicenseDomain>, RepositoryError>;

    /// MUST return `Conflict(Domain)` when already assigned.
    async fn add_domain(
        &self,
        tenant: Tenant,
        domain: LicenseDomain,
    ) -> Result<LicenseDomain, RepositoryError>;

    /// MUST return `NotFound` when not assigned.
    async fn remove_domain(
        &self,
        tenant: Tenant,
        id: LicenseId,
        domain: &DomainName,
    ) -> Result<(), RepositoryError>;
}
