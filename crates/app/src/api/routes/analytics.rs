//! `/v1/analytics/*`: reports over `?from=&to=` (UTC days, both included) and
//! `?productId=`.

use actix_web::{HttpResponse, get, web};
use licentia_domain::analytics::{DateRange, RangeError};
use licentia_domain::ids::ProductId;
use serde::Deserialize;

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::error::{AppError, FieldError};
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
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

#[get("/analytics/stats")]
async fn stats(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, AppError> {
    let figures = analytics::platform(&state, &caller).await?;
    Ok(envelope::ok(PlatformStatsView::from(&figures)))
}

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
