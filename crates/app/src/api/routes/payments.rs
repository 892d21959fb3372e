//! `/v1/payments` and `/v1/licenses/{id}/payment-status`.

use actix_web::{HttpResponse, get, patch, post, web};
use licentia_domain::currency::Currency;
use licentia_domain::ids::{LicenseId, PaymentId, ProductId};
use licentia_domain::metadata::Metadata;
use licentia_domain::payment::{Amount, PaymentStatus, Provider, ProviderRef};
use licentia_ports::PaymentFilter;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::{Fields, timestamp, uuid};
use crate::api::openapi::{envelopes, vocabulary};
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::{AppError, ErrorBody};
use crate::services::payments::{self, PaymentRequest};
use crate::state::AppState;
use crate::views::{PaymentStatusView, PaymentView};

/// Mounts the payment routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(set_status)
        .service(payment_status);
}

/// A payment the vendor's shop or billing recorded.
#[derive(Deserialize, ToSchema)]
#[schema(as = PaymentInput)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    #[schema(value_type = Uuid)]
    product_id: Option<String>,
    #[schema(value_type = Option<Uuid>)]
    license_id: Option<String>,
    #[schema(value_type = Option<Uuid>)]
    customer_id: Option<String>,
    /// In the currency's minor unit (cents): an integer.
    #[schema(value_type = i64, example = 4900)]
    amount: Option<Value>,
    #[schema(value_type = vocabulary::Currency)]
    currency: Option<String>,
    #[schema(value_type = vocabulary::PaymentStatus)]
    status: Option<String>,
    /// Who took the money (`stripe`, `paddle`, …).
    #[schema(min_length = 1, max_length = 64, example = "stripe")]
    provider: Option<String>,
    /// The provider's id of the payment; unique with `provider`.
    #[schema(min_length = 1, max_length = 255, example = "pi_3Nx")]
    provider_ref: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    paid_at: Option<String>,
    /// The end of the period this payment pays for.
    #[schema(value_type = Option<String>, format = DateTime)]
    period_end: Option<String>,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
}

/// A status change: `pending → succeeded | failed`, `succeeded → refunded`.
#[derive(Deserialize, ToSchema)]
#[schema(as = PaymentStatusChange)]
struct StatusBody {
    #[schema(value_type = vocabulary::PaymentStatus)]
    status: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    /// The page, from 1 (default 1).
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
    #[param(value_type = Option<Uuid>)]
    product_id: Option<String>,
    #[param(value_type = Option<Uuid>)]
    license_id: Option<String>,
    #[param(value_type = Option<Uuid>)]
    customer_id: Option<String>,
    #[param(value_type = Option<vocabulary::PaymentStatus>)]
    status: Option<String>,
    #[param(value_type = Option<vocabulary::Currency>)]
    currency: Option<String>,
    provider: Option<String>,
}

fn request(body: CreateBody) -> Result<PaymentRequest, AppError> {
    let mut fields = Fields::default();
    let product_id = fields.required("productId", body.product_id, uuid::<ProductId>);
    let license_id = fields.optional("licenseId", body.license_id, uuid);
    let customer_id = fields.optional("customerId", body.customer_id, uuid);
    let amount = fields.required("amount", body.amount, |a| Amount::from_json(&a));
    let currency = fields.required("currency", body.currency, |c| Currency::parse(&c));
    let status = fields.required("status", body.status, |s| s.parse::<PaymentStatus>());
    let provider = fields.optional("provider", body.provider, |p| Provider::parse(&p));
    let provider_ref =
        fields.optional("providerRef", body.provider_ref, |r| ProviderRef::parse(&r));
    let paid_at = fields.optional("paidAt", body.paid_at, timestamp);
    let period_end = fields.optional("periodEnd", body.period_end, timestamp);
    let metadata = fields.optional("metadata", body.metadata, Metadata::parse);
    fields.finish(|| {
        Some(PaymentRequest {
            product_id: product_id?,
            license_id,
            customer_id,
            amount: amount?,
            currency: currency?,
            status: status?,
            provider,
            provider_ref,
            paid_at,
            period_end,
            metadata: metadata.unwrap_or_default(),
        })
    })
}

fn bad(what: &str) -> AppError {
    AppError::bad_request("INVALID_QUERY", what.to_owned())
}

fn id<T: std::str::FromStr>(raw: &Option<String>, name: &str) -> Result<Option<T>, AppError> {
    raw.as_deref()
        .map(|v| {
            v.parse()
                .map_err(|_| bad(&format!("{name} must be a UUID")))
        })
        .transpose()
}

fn filter(query: &ListQuery) -> Result<PaymentFilter, AppError> {
    Ok(PaymentFilter {
        product_id: id(&query.product_id, "productId")?,
        license_id: id(&query.license_id, "licenseId")?,
        customer_id: id(&query.customer_id, "customerId")?,
        status: query
            .status
            .as_deref()
            .map(|s| s.parse().map_err(|e| bad(&format!("status {e}"))))
            .transpose()?,
        currency: query
            .currency
            .as_deref()
            .map(|c| Currency::parse(c).map_err(|e| bad(&format!("currency {e}"))))
            .transpose()?,
        provider: query
            .provider
            .as_deref()
            .map(|p| {
                Provider::parse(p)
                    .map(|p| p.as_str().to_owned())
                    .map_err(|e| bad(&format!("provider {e}")))
            })
            .transpose()?,
    })
}

/// Record a payment.
///
/// `amount` is in the currency's minor unit. A `provider` and `providerRef` pair is
/// recorded once (409 `PAYMENT_EXISTS` for a repeat).
#[utoipa::path(
    tag = "payments",
    request_body = CreateBody,
    responses(
        (status = 201, description = "The payment.", body = envelopes::PaymentData),
        (status = 403, description = "`INSUFFICIENT_SCOPE`, or `PRODUCT_SCOPE`.", body = ErrorBody),
        (status = 409, description = "`PAYMENT_EXISTS`.", body = ErrorBody),
    ),
    security(("apiKey" = ["payments:write"])),
)]
#[post("/payments")]
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, AppError> {
    let request = request(body.into_inner())?;
    let payment = payments::create(&state, &caller, request).await?;
    Ok(envelope::created(PaymentView::from(&payment)))
}

/// List payments.
#[utoipa::path(
    tag = "payments",
    params(ListQuery),
    responses((status = 200, description = "One page of payments, newest first.", body = envelopes::PaymentList)),
    security(("apiKey" = ["payments:read"])),
)]
#[get("/payments")]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let page = PageQuery::new(query.page, query.per_page).to_request()?;
    let filter = filter(&query)?;
    let found = payments::list(&state, &caller, filter, page).await?;
    Ok(envelope::list(found, page, |p| PaymentView::from(p)))
}

/// Get a payment.
#[utoipa::path(
    tag = "payments",
    params(("id" = Uuid, Path, description = "The payment's id.")),
    responses((status = 200, description = "The payment.", body = envelopes::PaymentData)),
    security(("apiKey" = ["payments:read"])),
)]
#[get("/payments/{id}")]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: PaymentId = path_id(&id, "payment")?;
    let payment = payments::get(&state, &caller, id).await?;
    Ok(envelope::ok(PaymentView::from(&payment)))
}

/// Change a payment's status.
#[utoipa::path(
    tag = "payments",
    params(("id" = Uuid, Path, description = "The payment's id.")),
    request_body = StatusBody,
    responses(
        (status = 200, description = "The payment.", body = envelopes::PaymentData),
        (status = 409, description = "`INVALID_STATUS_TRANSITION`.", body = ErrorBody),
    ),
    security(("apiKey" = ["payments:write"])),
)]
#[patch("/payments/{id}")]
async fn set_status(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<StatusBody>,
) -> Result<HttpResponse, AppError> {
    let id: PaymentId = path_id(&id, "payment")?;
    let mut fields = Fields::default();
    let status = fields.required("status", body.into_inner().status, |s| {
        s.parse::<PaymentStatus>()
    });
    let status = fields.finish(|| status)?;
    let payment = payments::change_status(&state, &caller, id, status).await?;
    Ok(envelope::ok(PaymentView::from(&payment)))
}

/// Has this license been paid for?
///
/// Paid while a succeeded payment's period covers now; with the net received per currency.
#[utoipa::path(
    tag = "payments",
    params(("id" = Uuid, Path, description = "The license's id.")),
    responses((status = 200, description = "The license's payment standing.", body = envelopes::PaymentStandingData)),
    security(("apiKey" = ["payments:read"])),
)]
#[get("/licenses/{id}/payment-status")]
async fn payment_status(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: LicenseId = path_id(&id, "license")?;
    let standing = payments::license_standing(&state, &caller, id).await?;
    Ok(envelope::ok(PaymentStatusView::from(&standing)))
}
