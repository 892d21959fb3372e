//! `/v1/analytics/*`: reports over `?from=&to=` (UTC days, both included) and
//! `?productId=`.

use actix_web::{HttpResponse, get, web};
use licentia_domain::analytics::{DateRange, RangeError};
use licentia_domain::ids::ProductId;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::openapi::envelopes;
use crate::error::{AppError, ErrorBody, FieldError};
use crate::services::analytics::{self, ReportScope};
use crate::state::AppState;
use crate::views::{
    CustomerAnalyticsView, LicenseAnalyticsView, PeriodView, PlatformStatsView,
    RevenueAnalyticsView,
};

/// Mounts the analytics routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(stats)
        .service(licenses)
        .service(users)
        .service(revenue);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct ReportQuery {
    /// The first UTC day (default 29 days before `to`).
    #[param(value_type = Option<String>, format = Date)]
    from: Option<String>,
    /// The last UTC day, included (default today).
    #[param(value_type = Option<String>, format = Date)]
    to: Option<String>,
    /// Only this product.
    #[param(value_type = Option<Uuid>)]
    product_id: Option<String>,
}

/// A malformed date or id is a bad query (400); a range that parses but makes no
/// sense (reversed, too long) is a validation error on its field (422).
fn range_error(error: &RangeError) -> AppError {
    let field = match error {
        RangeError::Malformed { .. } => {
            return AppError::bad_request("INVALID_QUERY", error.to_string());
        }
        RangeError::Reversed => "from",
        RangeError::TooLong => "to",
    };
    AppError::validation(vec![FieldError {
        field: field.to_owned(),
        message: error.to_string(),
    }])
}

fn scope(state: &AppState, query: &ReportQuery) -> Result<ReportScope, AppError> {
    let today = state.clock.now().date();
    let range = DateRange::parse(query.from.as_deref(), query.to.as_deref(), today)
        .map_err(|e| range_error(&e))?;
    let product = query
        .product_id
        .as_deref()
        .map(|raw| {
            raw.parse::<ProductId>()
                .map_err(|_| AppError::bad_request("INVALID_QUERY", "productId must be a UUID"))
        })
        .transpose()?;
    Ok(ReportScope { range, product })
}

fn period(scope: &ReportScope, caller: &Caller) -> PeriodView {
    PeriodView::new(scope.range, scope.product.or(caller.grant.product()))
}

/// Platform totals.
///
/// For platform admins only (403 `ADMIN_ONLY` otherwise): users, products, licenses by
/// status, activations, validations in the last 24 hours.
#[utoipa::path(
    tag = "analytics",
    responses(
        (status = 200, description = "The totals.", body = envelopes::PlatformStatsData),
        (status = 403, description = "`ADMIN_ONLY`.", body = ErrorBody),
    ),
    security(("apiKey" = [])),
)]
#[get("/analytics/stats")]
async fn stats(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, AppError> {
    let figures = analytics::platform(&state, &caller).await?;
    Ok(envelope::ok(PlatformStatsView::from(&figures)))
}

/// License report.
///
/// The caller's licenses by status, created per day, activations, validations per day and
/// the top products.
#[utoipa::path(
    tag = "analytics",
    params(ReportQuery),
    responses(
        (status = 200, description = "The report.", body = envelopes::LicenseAnalyticsData),
        (status = 404, description = "`PRODUCT_NOT_FOUND`: `productId` names no product of the caller.", body = ErrorBody),
        (status = 422, description = "`VALIDATION_FAILED`: `from` after `to`, or more than 366 days.", body = ErrorBody),
    ),
    security(("apiKey" = ["analytics:read"])),
)]
#[get("/analytics/licenses")]
async fn licenses(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = scope(&state, &query)?;
    let figures = analytics::licenses(&state, &caller, &scope).await?;
    Ok(envelope::ok(LicenseAnalyticsView::new(
        period(&scope, &caller),
        scope.range,
        &figures,
    )))
}

/// Customer report.
///
/// The caller's customers: total, new per day, with active licenses.
#[utoipa::path(
    tag = "analytics",
    params(ReportQuery),
    responses(
        (status = 200, description = "The report.", body = envelopes::CustomerAnalyticsData),
        (status = 404, description = "`PRODUCT_NOT_FOUND`: `productId` names no product of the caller.", body = ErrorBody),
        (status = 422, description = "`VALIDATION_FAILED`: `from` after `to`, or more than 366 days.", body = ErrorBody),
    ),
    security(("apiKey" = ["analytics:read"])),
)]
#[get("/analytics/users")]
async fn users(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = scope(&state, &query)?;
    let figures = analytics::customers(&state, &caller, &scope).await?;
    Ok(envelope::ok(CustomerAnalyticsView::new(
        period(&scope, &caller),
        scope.range,
        &figures,
    )))
}

/// Revenue report.
///
/// Succeeded minus refunded, per currency, per day and per product.
#[utoipa::path(
    tag = "analytics",
    params(ReportQuery),
    responses(
        (status = 200, description = "The report.", body = envelopes::RevenueAnalyticsData),
        (status = 404, description = "`PRODUCT_NOT_FOUND`: `productId` names no product of the caller.", body = ErrorBody),
        (status = 422, description = "`VALIDATION_FAILED`: `from` after `to`, or more than 366 days.", body = ErrorBody),
    ),
    security(("apiKey" = ["analytics:read"])),
)]
#[get("/analytics/revenue")]
async fn revenue(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = scope(&state, &query)?;
    let report = analytics::revenue_report(&state, &caller, &scope).await?;
    Ok(envelope::ok(RevenueAnalyticsView::new(
        period(&scope, &caller),
        &report,
    )))
}
