//! WordPress sites and their queued actions. A site's seat is an activation held
//! through the runtime ports; this port keeps what is WordPress-specific.

use async_trait::async_trait;
use licentia_domain::ids::{LicenseId, ProductId, SiteActionId, SiteId};
use licentia_domain::secret_token::TokenHash;
use licentia_domain::site::{Site, SiteAction, SiteReport};
use time::OffsetDateTime;

use crate::{EventFor, Page, PageRequest, RepositoryError, Tenant};

/// Filters of `GET /v1/sites`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SiteFilter {
    pub product_id: Option<ProductId>,
    pub license_id: Option<LicenseId>,
    /// `Some(true)`: only sites silent since this time; `Some(false)`: only the others.
    pub stale_before: Option<(bool, OffsetDateTime)>,
}

/// A site found by its token, with the license key its plugin registered with.
#[derive(Debug, Clone)]
pub struct AuthenticatedSite {
    pub site: Site,
    pub license_key: String,
}

/// What acknowledging and collecting actions did.
#[derive(Debug, Clone, Default)]
pub struct ActionExchange {
    /// Pending actions, now marked delivered (oldest first).
    pub delivered: Vec<SiteAction>,
    /// Actions this call acknowledged (delivered before, now done).
    pub acknowledged: Vec<SiteAction>,
}

/// Sites belong to a license of an account; a product-scoped tenant sees only its
/// product's.
#[async_trait]
pub trait SiteRepository: Send + Sync {
    /// Stores the site, or — for a site already registered with this license and
    /// domain — updates it and keeps its id. Either way the token hash is replaced, so
    /// only the newest token works. `registered` builds the `site.registered` event,
    /// written only when the site is new. Returns the site and whether it is new.
    async fn register(
        &self,
        site: Site,
        token: TokenHash,
        registered: EventFor<'_, Site>,
    ) -> Result<(Site, bool), RepositoryError>;

    /// The site holding this token, with its license key.
    async fn find_by_token(
        &self,
        token: &TokenHash,
    ) -> Result<Option<AuthenticatedSite>, RepositoryError>;

    /// Records a heartbeat: the report (merged) and `last_seen_at`.
    async fn heartbeat(
        &self,
        site: SiteId,
        report: SiteReport,
        now: OffsetDateTime,
    ) -> Result<Site, RepositoryError>;

    /// Pending actions not yet handed out.
    async fn pending_count(&self, site: SiteId) -> Result<u64, RepositoryError>;

    /// Marks the listed delivered actions of this site done, and hands out (marks
    /// delivered) its pending ones, in one transaction.
    async fn exchange_actions(
        &self,
        site: SiteId,
        acknowledge: &[SiteActionId],
        now: OffsetDateTime,
    ) -> Result<ActionExchange, RepositoryError>;

    /// The tenant's sites, newest first.
    async fn list(
        &self,
        tenant: Tenant,
        filter: SiteFilter,
        page: PageRequest,
    ) -> Result<Page<Site>, RepositoryError>;

    /// One site with its license key. MUST return `NotFound` outside the tenant.
    async fn get(&self, tenant: Tenant, id: SiteId) -> Result<AuthenticatedSite, RepositoryError>;

    /// Deletes the site and its actions (its seat is released by the caller).
    async fn delete(&self, tenant: Tenant, id: SiteId) -> Result<(), RepositoryError>;

    /// Queues an action. MUST return `NotFound` outside the tenant.
    async fn queue_action(
        &self,
        tenant: Tenant,
        action: SiteAction,
    ) -> Result<SiteAction, RepositoryError>;
}
