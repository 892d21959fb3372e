//! `/v1/customers`.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use licentia_domain::customer::ExternalId;
use licentia_domain::email::Email;
use licentia_domain::ids::CustomerId;
use licentia_domain::metadata::Metadata;
use licentia_domain::text::Name;
use licentia_ports::{CustomerFilter, LicenseFilter};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::{Fields, nullable};
use crate::api::openapi::envelopes;
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::{AppError, ErrorBody};
use crate::services::customers::{self, CustomerChanges, CustomerFields};
use crate::services::licenses;
use crate::state::AppState;
use crate::views::{CustomerView, LicenseView};

/// Mounts the customer routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(replace)
        .service(modify)
        .service(remove)
        .service(customer_licenses);
}

/// A customer. `POST` and `PUT` need `email` and `name`; `PATCH` changes only the
/// fields sent (`null` clears `company` or `externalId`).
#[derive(Deserialize, ToSchema)]
#[schema(as = CustomerInput)]
#[serde(rename_all = "camelCase")]
struct CustomerBody {
    #[schema(format = Email, example = "buyer@example.com")]
    email: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "\\S",
        example = "Ada Buyer"
    )]
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    company: Option<Option<String>>,
    /// The vendor's CRM id, unique per account.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    external_id: Option<Option<String>>,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
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
    /// Only this e-mail address (case-insensitive).
    email: Option<String>,
    /// Only this CRM id.
    external_id: Option<String>,
    /// Search in names and e-mail addresses.
    q: Option<String>,
}

fn full_fields(body: CustomerBody) -> Result<CustomerFields, AppError> {
    let mut fields = Fields::default();
    let email = fields.required("email", body.email, |e| Email::parse(&e));
    let name = fields.required("name", body.name, |n| Name::parse(&n));
    let company = fields.optional("company", body.company.flatten(), |c| Name::parse(&c));
    let external_id = fields.optional("externalId", body.external_id.flatten(), |x| {
        ExternalId::parse(&x)
    });
    let metadata = fields.optional("metadata", body.metadata, Metadata::parse);
    fields.finish(|| {
        Some(CustomerFields {
            email: email?,
            name: name?,
            company,
            external_id,
            metadata: metadata.unwrap_or_default(),
        })
    })
}

fn partial_changes(body: CustomerBody) -> Result<CustomerChanges, AppError> {
    let mut fields = Fields::default();
    let changes = CustomerChanges {
        email: fields.optional("email", body.email, |e| Email::parse(&e)),
        name: fields.optional("name", body.name, |n| Name::parse(&n)),
        company: fields.patch("company", body.company, |c| Name::parse(&c)),
        external_id: fields.patch("externalId", body.external_id, |x| ExternalId::parse(&x)),
        metadata: fields.optional("metadata", body.metadata, Metadata::parse),
    };
    fields.finish(|| Some(changes))
}

/// Create a customer.
#[utoipa::path(
    tag = "customers",
    request_body = CustomerBody,
    responses(
        (status = 201, description = "The customer.", body = envelopes::CustomerData),
        (status = 409, description = "`EXTERNAL_ID_TAKEN`.", body = ErrorBody),
    ),
    security(("apiKey" = ["customers:write"])),
)]
#[post("/customers")]
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CustomerBody>,
) -> Result<HttpResponse, AppError> {
    let fields = full_fields(body.into_inner())?;
    let customer = customers::create(&state, &caller, fields).await?;
    Ok(envelope::created(CustomerView::from(&customer)))
}

/// List customers.
///
/// Filter by `email`, `externalId`, or search names and e-mail addresses with `q`.
#[utoipa::path(
    tag = "customers",
    params(ListQuery),
    responses((status = 200, description = "One page of customers, newest first.", body = envelopes::CustomerList)),
    security(("apiKey" = ["customers:read"])),
)]
#[get("/customers")]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let page = PageQuery::new(query.page, query.per_page).to_request()?;
    let filter = CustomerFilter {
        email: query.email.map(|e| e.trim().to_lowercase()),
        external_id: query.external_id,
        query: query.q.filter(|q| !q.trim().is_empty()),
    };
    let found = customers::list(&state, &caller, filter, page).await?;
    Ok(envelope::list(found, page, |c| CustomerView::from(c)))
}

/// Get a customer.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id.")),
    responses((status = 200, description = "The customer.", body = envelopes::CustomerData)),
    security(("apiKey" = ["customers:read"])),
)]
#[get("/customers/{id}")]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: CustomerId = path_id(&id, "customer")?;
    let customer = customers::get(&state, &caller, id).await?;
    Ok(envelope::ok(CustomerView::from(&customer)))
}

/// Replace a customer.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id.")),
    request_body = CustomerBody,
    responses(
        (status = 200, description = "The customer.", body = envelopes::CustomerData),
        (status = 409, description = "`EXTERNAL_ID_TAKEN`.", body = ErrorBody),
    ),
    security(("apiKey" = ["customers:write"])),
)]
#[put("/customers/{id}")]
async fn replace(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<CustomerBody>,
) -> Result<HttpResponse, AppError> {
    let id: CustomerId = path_id(&id, "customer")?;
    let changes = CustomerChanges::from(full_fields(body.into_inner())?);
    let customer = customers::update(&state, &caller, id, changes).await?;
    Ok(envelope::ok(CustomerView::from(&customer)))
}

/// Change some fields of a customer.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id.")),
    request_body = CustomerBody,
    responses(
        (status = 200, description = "The customer.", body = envelopes::CustomerData),
        (status = 409, description = "`EXTERNAL_ID_TAKEN`.", body = ErrorBody),
    ),
    security(("apiKey" = ["customers:write"])),
)]
#[patch("/customers/{id}")]
async fn modify(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<CustomerBody>,
) -> Result<HttpResponse, AppError> {
    let id: CustomerId = path_id(&id, "customer")?;
    let changes = partial_changes(body.into_inner())?;
    let customer = customers::update(&state, &caller, id, changes).await?;
    Ok(envelope::ok(CustomerView::from(&customer)))
}

/// Delete a customer.
///
/// Their licenses stay, without a customer.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id.")),
    responses((status = 204, description = "Deleted.")),
    security(("apiKey" = ["customers:write"])),
)]
#[delete("/customers/{id}")]
async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: CustomerId = path_id(&id, "customer")?;
    customers::delete(&state, &caller, id).await?;
    Ok(envelope::no_content())
}

/// List a customer's licenses.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id."), PageQuery),
    responses((status = 200, description = "One page of licenses, newest first.", body = envelopes::LicenseList)),
    security(("apiKey" = ["customers:read", "licenses:read"])),
)]
#[get("/customers/{id}/licenses")]
async fn customer_licenses(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let id: CustomerId = path_id(&id, "customer")?;
    let page = query.to_request()?;
    customers::get(&state, &caller, id).await?;
    let filter = LicenseFilter {
        customer_id: Some(id),
        ..LicenseFilter::default()
    };
    let found = licenses::list(&state, &caller, filter, page).await?;
    let now = state.clock.now();
    Ok(envelope::list(found, page, |l| LicenseView::new(l, now)))
}
