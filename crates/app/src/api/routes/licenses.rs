//! `/v1/licenses`, `/v1/products/{id}/licenses`, license status, renewal and domains.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use licentia_domain::ValidationError;
use licentia_domain::domain_name::DomainName;
use licentia_domain::email::Email;
use licentia_domain::ids::{CustomerId, LicenseId, ProductId};
use licentia_domain::license::{Renewal, RequestedTerms};
use licentia_domain::license_key::LicenseKey;
use licentia_domain::license_status::LicenseStatus;
use licentia_domain::metadata::Metadata;
use licentia_domain::plan::{Feature, check_heartbeat_interval};
use licentia_domain::text::Name;
use licentia_ports::LicenseFilter;
use serde::Deserialize;
use serde_json::Value;

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::{Fields, nullable, timestamp, uuid};
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::AppError;
use crate::services::licenses::{self, LicenseChanges, LicenseRequest, ProductFrom};
use crate::services::products;
use crate::state::AppState;
use crate::views::{LicenseDomainView, LicenseView};

/// The most licenses one bulk request may create.
pub const MAX_BULK: usize = 1000;

/// Mounts the license routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(create_bulk)
        .service(list)
        .service(create_for_product)
        .service(list_for_product)
        .service(get)
        .service(modify)
        .service(set_status)
        .service(renew)
        .service(remove)
        .service(list_domains)
        .service(add_domain)
        .service(remove_domain);
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    product_id: Option<String>,
    plan: Option<String>,
    customer_id: Option<String>,
    issued_to: Option<String>,
    issued_email: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    expires_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    max_activations: Option<Option<u32>>,
    #[serde(default, deserialize_with = "nullable")]
    heartbeat_interval_seconds: Option<Option<u32>>,
    features: Option<Vec<String>>,
    key: Option<String>,
    metadata: Option<Value>,
}

#[derive(Deserialize)]
struct BulkBody {
    licenses: Option<Vec<CreateBody>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody {
    #[serde(default, deserialize_with = "nullable")]
    expires_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    max_activations: Option<Option<u32>>,
    #[serde(default, deserialize_with = "nullable")]
    heartbeat_interval_seconds: Option<Option<u32>>,
    #[serde(default, deserialize_with = "nullable")]
    plan: Option<Option<String>>,
    features: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    issued_to: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    issued_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    customer_id: Option<Option<String>>,
    metadata: Option<Value>,
    status: Option<String>,
}

#[derive(Deserialize)]
struct StatusBody {
    status: Option<String>,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RenewBody {
    expires_at: Option<String>,
    extend_days: Option<u32>,
}

#[derive(Deserialize)]
struct DomainBody {
    domain: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    status: Option<String>,
    product_id: Option<String>,
    customer_id: Option<String>,
    plan: Option<String>,
    email: Option<String>,
    expires_before: Option<String>,
    expires_after: Option<String>,
    q: Option<String>,
}

fn plan_name(raw: String) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    if (1..=100).contains(&trimmed.chars().count()) {
        Ok(trimmed.to_owned())
    } else {
        Err(ValidationError::new("must be 1 to 100 characters"))
    }
}

fn max_activations(raw: u32) -> Result<u32, ValidationError> {
    if raw <= 1_000_000 {
        Ok(raw)
    } else {
        Err(ValidationError::new("must be at most 1000000"))
    }
}

/// Parses one create body; `product` overrides `productId` for nested routes.
fn parse_create(body: CreateBody, product: Option<ProductId>) -> (Fields, Option<LicenseRequest>) {
    let mut fields = Fields::default();
    let product_id = match product {
        Some(id) => Some(id),
        None => fields.required("productId", body.product_id, uuid::<ProductId>),
    };
    let plan = fields.optional("plan", body.plan, plan_name);
    let customer_id = fields.optional("customerId", body.customer_id, uuid::<CustomerId>);
    let issued_to = fields.optional("issuedTo", body.issued_to, |n| Name::parse(&n));
    let issued_email = fields.optional("issuedEmail", body.issued_email, |e| Email::parse(&e));
    let expires_at = fields.patch("expiresAt", body.expires_at, timestamp);
    let max = fields.patch("maxActivations", body.max_activations, max_activations);
    let heartbeat = fields.patch(
        "heartbeatIntervalSeconds",
        body.heartbeat_interval_seconds,
        check_heartbeat_interval,
    );
    let features = fields.optional("features", body.features, |f| Feature::parse_list(&f));
    let key = fields.optional("key", body.key, |k| LicenseKey::import(&k));
    let metadata = fields.optional("metadata", body.metadata, Metadata::parse);
    let request = fields.is_clean().then_some(()).and_then(|()| {
        Some(LicenseRequest {
            product_id: product_id?,
            plan,
            customer_id,
            issued_to,
            issued_email,
            terms: RequestedTerms {
                max_activations: max,
                expires_at,
                features,
                heartbeat_interval_seconds: heartbeat,
            },
            key,
            metadata: metadata.unwrap_or_default(),
        })
    });
    (fields, request)
}

fn one_request(body: CreateBody, product: Option<ProductId>) -> Result<LicenseRequest, AppError> {
    let (fields, request) = parse_create(body, product);
    fields.finish(|| request)
}

#[post("/licenses")]
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, AppError> {
    let request = one_request(body.into_inner(), None)?;
    let license = licenses::create(&state, &caller, request, ProductFrom::Body).await?;
    Ok(envelope::created(LicenseView::new(
        &license,
        state.clock.now(),
    )))
}

#[post("/licenses/bulk")]
async fn create_bulk(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<BulkBody>,
) -> Result<HttpResponse, AppError> {
    let mut fields = Fields::default();
    let items = fields.required("licenses", body.into_inner().licenses, |items| {
        if (1..=MAX_BULK).contains(&items.len()) {
            Ok(items)
        } else {
            Err(ValidationError::owned(format!(
                "must hold 1 to {MAX_BULK} licenses"
            )))
        }
    });
    let mut requests = Vec::new();
    for (i, item) in items.into_iter().flatten().enumerate() {
        let (item_fields, request) = parse_create(item, None);
        fields.absorb(&format!("licenses[{i}]"), item_fields);
        requests.extend(request);
    }
    let requests = fields.finish(|| Some(requests))?;
    let created = licenses::create_many(&state, &caller, requests).await?;
    let now = state.clock.now();
    Ok(envelope::created(
        created
            .iter()
            .map(|l| LicenseView::new(l, now))
            .collect::<Vec<_>>(),
    ))
}

fn parse_filter(query: ListQuery) -> Result<(PageQuery, LicenseFilter), AppError> {
    let bad = |what: &str| AppError::bad_request("INVALID_QUERY", what.to_owned());
    let time_of = |raw: Option<String>, name: &str| {
        raw.map(|t| timestamp(t).map_err(|_| bad(&format!("{name} must be an RFC 3339 timestamp"))))
            .transpose()
    };
    let filter = LicenseFilter {
        status: query
            .status
            .map(|s| {
                s.parse::<LicenseStatus>()
                    .map_err(|e| bad(&format!("status {e}")))
            })
            .transpose()?,
        product_id: query
            .product_id
            .map(|p| p.parse().map_err(|_| bad("productId must be a UUID")))
            .transpose()?,
        customer_id: query
            .customer_id
            .map(|c| c.parse().map_err(|_| bad("customerId must be a UUID")))
            .transpose()?,
        plan: query.plan,
        email: query.email.map(|e| e.trim().to_lowercase()),
        expires_before: time_of(query.expires_before, "expiresBefore")?,
        expires_after: time_of(query.expires_after, "expiresAfter")?,
        query: query.q.filter(|q| !q.trim().is_empty()),
        now: None,
    };
    Ok((PageQuery::new(query.page, query.per_page), filter))
}

#[get("/licenses")]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (page, filter) = parse_filter(query.into_inner())?;
    let page = page.to_request()?;
    let found = licenses::list(&state, &caller, filter, page).await?;
    let now = state.clock.now();
    Ok(envelope::list(found, page, |l| LicenseView::new(l, now)))
}

#[post("/products/{id}/licenses")]
async fn create_for_product(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, AppError> {
    let product: ProductId = path_id(&id, "product")?;
    let request = one_request(body.into_inner(), Some(product))?;
    let license = licenses::create(&state, &caller, request, ProductFrom::Path).await?;
    Ok(envelope::created(LicenseView::new(
        &license,
        state.clock.now(),
    )))
}

#[get("/products/{id}/licenses")]
async fn list_for_product(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let product: ProductId = path_id(&id, "product")?;
    let (page, mut filter) = parse_filter(query.into_inner())?;
    let page = page.to_request()?;
    products::get(&state, &caller, product).await?;
    filter.product_id = Some(product);
    let found = licenses::list(&state, &caller, filter, page).await?;
    let now = state.clock.now();
    Ok(envelope::list(found, page, |l| LicenseView::new(l, now)))
}

#[get("/licenses/{id_or_key}")]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id_or_key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let license = licenses::get_by_id_or_key(&state, &caller, &id_or_key).await?;
    Ok(envelope::ok(LicenseView::new(&license, state.clock.now())))
}

#[patch("/licenses/{id}")]
async fn modify(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<PatchBody>,
) -> Result<HttpResponse, AppError> {
    let id: LicenseId = path_id(&id, "license")?;
    let body = body.into_inner();
    let mut fields = Fields::default();
    let changes = LicenseChanges {
        expires_at: fields.patch("expiresAt", body.expires_at, timestamp),
        max_activations: fields.patch("maxActivations", body.max_activations, max_activations),
        heartbeat_interval_seconds: fields.patch(
            "heartbeatIntervalSeconds",
            body.heartbeat_interval_seconds,
            check_heartbeat_interval,
        ),
        plan: fields.patch("plan", body.plan, plan_name),
        features: fields.optional("features", body.features, |f| Feature::parse_list(&f)),
        issued_to: fields.patch("issuedTo", body.issued_to, |n| Name::parse(&n)),
        issued_email: fields.patch("issuedEmail", body.issued_email, |e| Email::parse(&e)),
        customer_id: fields.patch("customerId", body.customer_id, uuid::<CustomerId>),
        metadata: fields.optional("metadata", body.metadata, Metadata::parse),
        status: fields.optional("status", body.status, |s| s.parse()),
    };
    let changes = fields.finish(|| Some(changes))?;
    let license = licenses::update(&state, &caller, id, changes).await?;
    Ok(envelope::ok(LicenseView::new(&license, state.clock.now())))
}

#[patch("/licenses/{id}/status")]
async fn set_status(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<StatusBody>,
) -> Result<HttpResponse, AppError> {
    let id: LicenseId = path_id(&id, "license")?;
    let body = body.into_inner();
    let mut fields = Fields::default();
    let status = fields.required("status", body.status, |s| s.parse::<LicenseStatus>());
    let reason = fields.optional("reason", body.reason, |r| {
        Name::parse(&r).map(Name::into_inner)
    });
    let status = fields.finish(|| status)?;
    let license = licenses::change_status(&state, &caller, id, status, reason).await?;
    Ok(envelope::ok(LicenseView::new(&license, state.clock.now())))
}

#[post("/licenses/{id}/renew")]
async fn renew(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<RenewBody>,
) -> Result<HttpResponse, AppError> {
    let id: LicenseId = path_id(&id, "license")?;
    let body = body.into_inner();
    let mut fields = Fields::default();
    let renewal = match (body.expires_at, body.extend_days) {
        (Some(at), None) => fields.check("expiresAt", timestamp(at)).map(Renewal::Until),
        (None, Some(days)) if (1..=36_500).contains(&days) => Some(Renewal::ExtendDays(days)),
        (None, Some(_)) => {
            fields.reject("extendDays", "must be 1 to 36500");
            None
        }
        _ => {
            fields.reject("expiresAt", "send either expiresAt or extendDays");
            None
        }
    };
    let renewal = fields.finish(|| renewal)?;
    let license = licenses::renew(&state, &caller, id, renewal).await?;
    Ok(envelope::ok(LicenseView::new(&license, state.clock.now())))
}

#[delete("/licenses/{id}")]
async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: LicenseId = path_id(&id, "license")?;
    licenses::delete(&state, &caller, id).await?;
    Ok(envelope::no_content())
}

#[get("/licenses/{id}/domains")]
async fn list_domains(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: LicenseId = path_id(&id, "license")?;
    let domains = licenses::list_domains(&state, &caller, id).await?;
    Ok(envelope::ok(
        domains
            .iter()
            .map(LicenseDomainView::from)
            .collect::<Vec<_>>(),
    ))
}

#[post("/licenses/{id}/domains")]
async fn add_domain(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<DomainBody>,
) -> Result<HttpResponse, AppError> {
    let id: LicenseId = path_id(&id, "license")?;
    let mut fields = Fields::default();
    let domain = fields.required("domain", body.into_inner().domain, |d| {
        DomainName::parse(&d)
    });
    let domain = fields.finish(|| domain)?;
    let added = licenses::add_domain(&state, &caller, id, domain).await?;
    Ok(envelope::created(LicenseDomainView::from(&added)))
}

#[delete("/licenses/{id}/domains/{domain}")]
async fn remove_domain(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, raw_domain) = path.into_inner();
    let id: LicenseId = path_id(&id, "license")?;
    let domain = DomainName::parse(&raw_domain)
        .map_err(|_| AppError::not_found("domain", raw_domain.escape_debug()))?;
    licenses::remove_domain(&state, &caller, id, &domain).await?;
    Ok(envelope::no_content())
}
