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

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::{Fields, nullable};
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::AppError;
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomerBody {
    email: Option<String>,
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    company: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    external_id: Option<Option<String>>,
    metadata: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    email: Option<String>,
    external_id: Option<String>,
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
