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
use licentia_domain::plan::{Feature, check_heartbeat_interval, check_plan_name};
use licentia_domain::text::Name;
use licentia_ports::LicenseFilter;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::{Fields, nullable, timestamp, uuid};
use crate::api::openapi::{envelopes, examples};
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::{AppError, ErrorBody};
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

/// A new license. Omitted terms (`maxActivations`, `expiresAt` from `durationDays`,
/// `features`, `heartbeatIntervalSeconds`) come from the product plan that `plan`
/// names, when it names one.
#[derive(Deserialize, ToSchema)]
#[schema(as = LicenseInput)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    /// Required, except on `POST /v1/products/{id}/licenses` (the path names it).
    #[schema(value_type = Option<Uuid>)]
    product_id: Option<String>,
    /// Free text; when it names a plan of the product, the plan fills omitted terms.
    #[schema(min_length = 1, max_length = 100, example = "Pro")]
    plan: Option<String>,
    #[schema(value_type = Option<Uuid>)]
    customer_id: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    issued_to: Option<String>,
    #[schema(format = Email, example = "buyer@example.com")]
    issued_email: Option<String>,
    /// `null` = never expires.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<Option<String>>,
    /// `null` = unlimited; at most 1000000.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>, maximum = 1_000_000)]
    max_activations: Option<Option<u32>>,
    /// Floating seats: activations must heartbeat this often (10 to 604800).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>, minimum = 10, maximum = 604_800)]
    heartbeat_interval_seconds: Option<Option<u32>>,
    #[schema(value_type = Option<Vec<Feature>>, max_items = 100)]
    features: Option<Vec<String>>,
    /// Imports an existing key (8 to 128 characters) instead of generating one.
    #[schema(min_length = 8, max_length = 128)]
    key: Option<String>,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
}

/// Up to 1000 licenses, created all or none.
#[derive(Deserialize, ToSchema)]
#[schema(as = LicenseBulkInput)]
struct BulkBody {
    #[schema(value_type = Vec<CreateBody>, min_items = 1, max_items = 1000)]
    licenses: Option<Vec<CreateBody>>,
}

/// The fields to change; `null` clears a nullable one.
#[derive(Deserialize, ToSchema)]
#[schema(as = LicenseChanges)]
#[serde(rename_all = "camelCase")]
struct PatchBody {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>, maximum = 1_000_000)]
    max_activations: Option<Option<u32>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>, minimum = 10, maximum = 604_800)]
    heartbeat_interval_seconds: Option<Option<u32>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100)]
    plan: Option<Option<String>>,
    #[schema(value_type = Option<Vec<Feature>>, max_items = 100)]
    features: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    issued_to: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Email)]
    issued_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    customer_id: Option<Option<String>>,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
    /// A move the lifecycle table allows (else 409 `INVALID_STATUS_TRANSITION`).
    #[schema(value_type = Option<LicenseStatus>)]
    status: Option<String>,
}

/// A status change.
#[derive(Deserialize, ToSchema)]
#[schema(as = LicenseStatusChange)]
struct StatusBody {
    #[schema(value_type = LicenseStatus)]
    status: Option<String>,
    /// Why (kept in the `license.*` event).
    #[schema(min_length = 1, max_length = 200, example = "chargeback")]
    reason: Option<String>,
}

/// A renewal: `expiresAt`, or `extendDays` counted from the later of now and the
/// current expiry. Exactly one of the two.
#[derive(Deserialize, ToSchema)]
#[schema(as = LicenseRenewal)]
#[serde(rename_all = "camelCase")]
struct RenewBody {
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<String>,
    #[schema(minimum = 1, maximum = 36_500, example = 365)]
    extend_days: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = LicenseDomainInput)]
struct DomainBody {
    /// A host name (IDNA allowed); no scheme, path or wildcard.
    #[schema(value_type = String, example = "shop.example.com")]
    domain: Option<String>,
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
    /// Only licenses with this status (as every reader sees it now).
    #[param(value_type = Option<LicenseStatus>)]
    status: Option<String>,
    #[param(value_type = Option<Uuid>)]
    product_id: Option<String>,
    #[param(value_type = Option<Uuid>)]
    customer_id: Option<String>,
    /// Only this plan name.
    plan: Option<String>,
    /// Only licenses issued to this e-mail address (case-insensitive).
    email: Option<String>,
    /// Only licenses expiring before this time.
    #[param(value_type = Option<String>, format = DateTime)]
    expires_before: Option<String>,
    /// Only licenses expiring after this time.
    #[param(value_type = Option<String>, format = DateTime)]
    expires_after: Option<String>,
    /// Search in keys, names and e-mail addresses.
    q: Option<String>,
}

fn plan_name(raw: String) -> Result<String, ValidationError> {
    check_plan_name(&raw).map(str::to_owned)
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

/// Issue a license.
///
/// The key is generated (`{PREFIX}-` + Crockford base32 groups with a check code) unless
/// `key` imports one. Omitted terms come from the plan `plan` names.
#[utoipa::path(
    tag = "licenses",
    request_body(content = CreateBody, example = examples::license_request),
    responses(
        (status = 201, description = "The license.", content((envelopes::LicenseData = "application/json", example = examples::license))),
        (status = 403, description = "`INSUFFICIENT_SCOPE`, or `PRODUCT_SCOPE` for a key of another product.", body = ErrorBody),
        (status = 409, description = "`LICENSE_KEY_TAKEN` (an imported key exists).", body = ErrorBody),
    ),
    security(("apiKey" = ["licenses:write"])),
)]
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

/// Issue up to 1000 licenses at once.
///
/// All or nothing: one invalid item refuses the whole request (422, `details` name each
/// `licenses[i].field`).
#[utoipa::path(
    tag = "licenses",
    request_body = BulkBody,
    responses(
        (status = 201, description = "The licenses, in the order sent.", body = envelopes::LicensesData),
        (status = 403, description = "`INSUFFICIENT_SCOPE`, or `PRODUCT_SCOPE`.", body = ErrorBody),
        (status = 409, description = "`LICENSE_KEY_TAKEN`.", body = ErrorBody),
    ),
    security(("apiKey" = ["licenses:write"])),
)]
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

/// List licenses.
///
/// Filter by status (as every reader sees it now), product, customer, plan, e-mail and
/// expiry, or search keys, names and e-mail addresses with `q`.
#[utoipa::path(
    tag = "licenses",
    params(ListQuery),
    responses((status = 200, description = "One page of licenses, newest first.", body = envelopes::LicenseList)),
    security(("apiKey" = ["licenses:read"])),
)]
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

/// Issue a license of this product.
///
/// The same as `POST /v1/licenses` with the product from the path.
#[utoipa::path(
    tag = "licenses",
    params(("id" = Uuid, Path, description = "The product's id.")),
    request_body = CreateBody,
    responses(
        (status = 201, description = "The license.", body = envelopes::LicenseData),
        (status = 403, description = "`INSUFFICIENT_SCOPE`, or `PRODUCT_SCOPE`.", body = ErrorBody),
        (status = 409, description = "`LICENSE_KEY_TAKEN`.", body = ErrorBody),
    ),
    security(("apiKey" = ["licenses:write"])),
)]
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

/// List a product's licenses.
#[utoipa::path(
    tag = "licenses",
    params(("id" = Uuid, Path, description = "The product's id."), ListQuery),
    responses((status = 200, description = "One page of licenses, newest first.", body = envelopes::LicenseList)),
    security(("apiKey" = ["products:read", "licenses:read"])),
)]
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

/// Get a license by id or by key.
///
/// A key may be typed any way (case and hyphens do not matter).
#[utoipa::path(
    tag = "licenses",
    params(("id" = String, Path, description = "The license's id, or its key.")),
    responses((status = 200, description = "The license.", body = envelopes::LicenseData)),
    security(("apiKey" = ["licenses:read"])),
)]
#[get("/licenses/{id}")]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id_or_key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let license = licenses::get_by_id_or_key(&state, &caller, &id_or_key).await?;
    Ok(envelope::ok(LicenseView::new(&license, state.clock.now())))
}

/// Change a license.
///
/// Only the fields sent change; a `status` must be a move the lifecycle allows.
#[utoipa::path(
    tag = "licenses",
    params(("id" = Uuid, Path, description = "The license's id.")),
    request_body = PatchBody,
    responses(
        (status = 200, description = "The license.", body = envelopes::LicenseData),
        (status = 409, description = "`INVALID_STATUS_TRANSITION`.", body = ErrorBody),
    ),
    security(("apiKey" = ["licenses:write"])),
)]
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

/// Change a license's status.
///
/// `INACTIVE → ACTIVE`; `ACTIVE → INACTIVE | SUSPENDED | REVOKED | EXPIRED`;
/// `SUSPENDED → ACTIVE | REVOKED`; `EXPIRED → ACTIVE` (with a future expiry); `REVOKED`
/// is final. Setting the current status changes nothing.
#[utoipa::path(
    tag = "licenses",
    params(("id" = Uuid, Path, description = "The license's id.")),
    request_body = StatusBody,
    responses(
        (status = 200, description = "The license.", body = envelopes::LicenseData),
        (status = 409, description = "`INVALID_STATUS_TRANSITION`.", body = ErrorBody),
    ),
    security(("apiKey" = ["licenses:write"])),
)]
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

/// Renew a license.
///
/// An expired license becomes active again.
#[utoipa::path(
    tag = "licenses",
    params(("id" = Uuid, Path, description = "The license's id.")),
    request_body = RenewBody,
    responses(
        (status = 200, description = "The license.", body = envelopes::LicenseData),
        (status = 409, description = "`INVALID_STATUS_TRANSITION` (a revoked license).", body = ErrorBody),
    ),
    security(("apiKey" = ["licenses:write"])),
)]
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

/// Delete a license.
///
/// With its activations, at once.
#[utoipa::path(
    tag = "licenses",
    params(("id" = Uuid, Path, description = "The license's id.")),
    responses((status = 204, description = "Deleted.")),
    security(("apiKey" = ["licenses:write"])),
)]
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

/// List the domains assigned to a license.
#[utoipa::path(
    tag = "licenses",
    params(("id" = Uuid, Path, description = "The license's id.")),
    responses((status = 200, description = "Every assigned domain.", body = envelopes::LicenseDomainsData)),
    security(("apiKey" = ["licenses:read"])),
)]
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

/// Assign a domain to a license.
#[utoipa::path(
    tag = "licenses",
    params(("id" = Uuid, Path, description = "The license's id.")),
    request_body = DomainBody,
    responses(
        (status = 201, description = "The domain.", body = envelopes::LicenseDomainData),
        (status = 409, description = "`DOMAIN_EXISTS`.", body = ErrorBody),
    ),
    security(("apiKey" = ["licenses:write"])),
)]
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

/// Remove a domain from a license.
#[utoipa::path(
    tag = "licenses",
    params(("id" = Uuid, Path, description = "The license's id."), ("domain" = String, Path, description = "The domain, as listed.")),
    responses((status = 204, description = "Removed.")),
    security(("apiKey" = ["licenses:write"])),
)]
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
