//! Analytics: read-only aggregates over a tenant's licenses, customers and payments,
//! and platform totals for admins.

use async_trait::async_trait;
use licentia_domain::analytics::{DateRange, RevenueEntry};
use licentia_domain::ids::ProductId;
use licentia_domain::license_status::LicenseStatus;
use time::{Date, OffsetDateTime};

use crate::{RepositoryError, Tenant};

/// How many licenses have one effective status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusCount {
    pub status: LicenseStatus,
    pub count: i64,
}

/// One product's licenses: how many there are, how many were created and validated
/// within the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductLicenses {
    pub product_id: ProductId,
    pub licenses: i64,
    pub created: i64,
    pub validations: i64,
}

/// The licenses report, sparse: days without rows are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenseFigures {
    /// Current effective statuses (a passed `expiresAt` counts as EXPIRED).
    pub by_status: Vec<StatusCount>,
    /// Seats taken now.
    pub activations: i64,
    pub created_per_day: Vec<(Date, i64)>,
    pub validations_per_day: Vec<(Date, i64)>,
    /// Every product with licenses, most licenses first.
    pub products: Vec<ProductLicenses>,
}

/// The customers report, sparse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFigures {
    pub total: i64,
    pub with_active_licenses: i64,
    pub new_per_day: Vec<(Date, i64)>,
}

/// Platform totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformFigures {
    pub users: i64,
    pub products: i64,
    pub licenses_by_status: Vec<StatusCount>,
    pub activations: i64,
    pub validations_since: i64,
}

/// Aggregates for the analytics routes. Every tenant report MUST count only rows
/// within the tenant (its product, when the tenant has one).
#[async_trait]
pub trait AnalyticsRepository: Send + Sync {
    /// Licenses: statuses as of `now`, series within `range`.
    async fn licenses(
        &self,
        tenant: Tenant,
        range: DateRange,
        now: OffsetDateTime,
    ) -> Result<LicenseFigures, RepositoryError>;

    /// Customers; with a product tenant, the customers holding a license of it.
    async fn customers(
        &self,
        tenant: Tenant,
        range: DateRange,
        now: OffsetDateTime,
    ) -> Result<CustomerFigures, RepositoryError>;

    /// Money per day, product and currency within `range`: successes on their
    /// `paidAt` day, refunds on the day they were refunded.
    async fn revenue(
        &self,
        tenant: Tenant,
        range: DateRange,
    ) -> Result<Vec<RevenueEntry>, RepositoryError>;

    /// Platform totals as of `now`; validations counted on days from `since` on.
    async fn platform(
        &self,
        now: OffsetDateTime,
        since: Date,
    ) -> Result<PlatformFigures, RepositoryError>;
}
