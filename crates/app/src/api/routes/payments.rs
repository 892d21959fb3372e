//! `/v1/payments` and `/v1/licenses/{id}/payment-status`.

use actix_web::{HttpResponse, get, patch, post, web};
use licentia_domain::currency::Currency;
use licentia_domain::ids::{LicenseId, PaymentId, ProductId};
use licentia_domain::metadata::Metadata;
use licentia_domain::payment::{Amount, PaymentStatus, Provider, ProviderRef};
use licentia_ports::PaymentFilter;
use serde::Deserialize;
use serde_json::Value;

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::{Fields, timestamp, uuid};
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::AppError;
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    product_id: Option<String>,
    license_id: Option<String>,
    customer_id: Option<String>,
    /// Kept raw so that `19.99` is a field error, not a parse failure.
    amount: Option<Value>,
    currency: Option<String>,
    status: Option<String>,
    provider: Option<String>,
    provider_ref: Option<String>,
    paid_at: Option<String>,
    period_end: Option<String>,
    metadata: Option<Value>,
}

#[derive(Deserialize)]
struct StatusBody {
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    product_id: Option<String>,
    license_id: Option<String>,
    customer_id: Option<String>,
    status: Option<String>,
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
