//! Analytics reports: a tenant's licenses, customers and revenue, and platform totals
//! for admins. Reports are read-only; series are zero-filled by the domain.

use licentia_domain::analytics::{DateRange, Revenue, revenue};
use licentia_domain::ids::ProductId;
use licentia_domain::scope::{Action, Resource};
use licentia_ports::{CustomerFigures, LicenseFigures, PlatformFigures, Tenant};
use time::Duration;

use crate::api::auth::Caller;
use crate::error::AppError;
use crate::state::AppState;

/// What a report covers: the days and, optionally, one product.
#[derive(Debug, Clone, Copy)]
pub struct ReportScope {
    pub range: DateRange,
    pub product: Option<ProductId>,
}

/// The tenant a report counts: the caller's, narrowed to `product` when asked. A
/// product outside the caller's tenant (another account's, unknown, or another
/// product than the key's) is 404 `PRODUCT_NOT_FOUND`.
async fn tenant(
    state: &AppState,
    caller: &Caller,
    scope: &ReportScope,
) -> Result<Tenant, AppError> {
    caller.require(Resource::Analytics, Action::Read)?;
    let tenant = caller.tenant();
    let Some(product) = scope.product else {
        return Ok(tenant);
    };
    state
        .products
        .get(tenant, product)
        .await
        .map_err(|e| AppError::from_repository(e, "product", product))?;
    Ok(Tenant {
        owner: tenant.owner,
        product: Some(product),
    })
}

/// The licenses report.
pub async fn licenses(
    state: &AppState,
    caller: &Caller,
    scope: &ReportScope,
) -> Result<LicenseFigures, AppError> {
    let tenant = tenant(state, caller, scope).await?;
    state
        .analytics
        .licenses(tenant, scope.range, state.clock.now())
        .await
        .map_err(|e| AppError::from_repository(e, "analytics", "licenses"))
}

/// The customers report.
pub async fn customers(
    state: &AppState,
    caller: &Caller,
    scope: &ReportScope,
) -> Result<CustomerFigures, AppError> {
    let tenant = tenant(state, caller, scope).await?;
    state
        .analytics
        .customers(tenant, scope.range, state.clock.now())
        .await
        .map_err(|e| AppError::from_repository(e, "analytics", "users"))
}

/// The revenue report.
pub async fn revenue_report(
    state: &AppState,
    caller: &Caller,
    scope: &ReportScope,
) -> Result<Revenue, AppError> {
    let tenant = tenant(state, caller, scope).await?;
    let entries = state
        .analytics
        .revenue(tenant, scope.range)
        .await
        .map_err(|e| AppError::from_repository(e, "analytics", "revenue"))?;
    Ok(revenue(scope.range, &entries))
}

/// Platform totals, for admins only (any credential of an admin account: the route
/// needs no scope, it reads no tenant's data in detail). Validations are counted per
/// UTC day, so "the last 24 h" are yesterday's and today's flushed counters.
pub async fn platform(state: &AppState, caller: &Caller) -> Result<PlatformFigures, AppError> {
    caller.require_admin()?;
    let now = state.clock.now();
    let since = (now - Duration::days(1)).date();
    state
        .analytics
        .platform(now, since)
        .await
        .map_err(|e| AppError::from_repository(e, "analytics", "stats"))
}
