//! `/v1/products` and `/v1/products/{id}/domains`.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use licentia_domain::ValidationError;
use licentia_domain::domain_name::DomainPattern;
use licentia_domain::ids::ProductId;
use licentia_domain::key_prefix::KeyPrefix;
use licentia_domain::metadata::Metadata;
use licentia_domain::plan::{Feature, Plan, check_heartbeat_interval, check_plans};
use licentia_domain::slug::Slug;
use licentia_domain::text::{Description, Name};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::{Fields, nullable};
use crate::api::openapi::{envelopes, examples};
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::{AppError, ErrorBody};
use crate::services::products::{self, ProductChanges, ProductFields};
use crate::state::AppState;
use crate::views::{ProductDomainView, ProductView};

/// Mounts the product routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(replace)
        .service(modify)
        .service(remove)
        .service(list_domains)
        .service(add_domain)
        .service(remove_domain);
}

/// One plan: named defaults for the licenses sold under it.
#[derive(Deserialize, ToSchema)]
#[schema(as = PlanInput)]
#[serde(rename_all = "camelCase")]
struct PlanBody {
    #[schema(value_type = String, min_length = 1, max_length = 100, example = "Pro")]
    name: Option<String>,
    /// Seats per license (`null` = unlimited), at most 1000000.
    #[schema(maximum = 1_000_000)]
    max_activations: Option<u32>,
    /// How long licenses last (`null` = forever), 1 to 36500.
    #[schema(minimum = 1, maximum = 36_500)]
    duration_days: Option<u32>,
    #[schema(value_type = Option<Vec<Feature>>, max_items = 100)]
    features: Option<Vec<String>>,
    /// Floating seats: activations must heartbeat this often (10 to 604800).
    #[schema(minimum = 10, maximum = 604_800)]
    heartbeat_interval_seconds: Option<u32>,
}

/// A product. `POST` and `PUT` need `name` (the slug is derived from it when
/// omitted); `PATCH` changes only the fields sent.
#[derive(Deserialize, ToSchema)]
#[schema(as = ProductInput)]
#[serde(rename_all = "camelCase")]
struct ProductBody {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S", example = "My App")]
    name: Option<String>,
    /// Unique per account; derived from the name when omitted on create.
    #[schema(pattern = "^[a-z0-9-]{2,64}$", example = "my-app")]
    slug: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 5000)]
    description: Option<Option<String>>,
    /// The first part of generated keys (default `LIC`).
    #[schema(pattern = "^[A-Z0-9]{2,8}$", example = "LIC")]
    key_prefix: Option<String>,
    /// At most 50, with distinct names.
    #[schema(max_items = 50)]
    plans: Option<Vec<PlanBody>>,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = DomainInput)]
struct DomainBody {
    /// A host name (IDNA allowed), or `*.example.com`; no scheme or path.
    #[schema(value_type = String, example = "example.com")]
    domain: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DeleteQuery {
    /// Delete the product even though it has licenses (they go with it).
    #[serde(default)]
    force: bool,
}

fn parse_plans(fields: &mut Fields, raw: Vec<PlanBody>) -> Option<Vec<Plan>> {
    let mut plans = Vec::with_capacity(raw.len());
    for (i, plan) in raw.into_iter().enumerate() {
        let mut plan_fields = Fields::default();
        let features = plan_fields
            .optional("features", plan.features, |f| Feature::parse_list(&f))
            .unwrap_or_default();
        let name = plan_fields.required("name", plan.name, Ok);
        let heartbeat = plan_fields.optional(
            "heartbeatIntervalSeconds",
            plan.heartbeat_interval_seconds,
            check_heartbeat_interval,
        );
        let parsed = name
            .and_then(|name| {
                plan_fields.check(
                    "name",
                    Plan::new(&name, plan.max_activations, plan.duration_days, features),
                )
            })
            .map(|plan| Plan {
                heartbeat_interval_seconds: heartbeat,
                ..plan
            });
        let clean = plan_fields.is_clean();
        fields.absorb(&format!("plans[{i}]"), plan_fields);
        if let (true, Some(plan)) = (clean, parsed) {
            plans.push(plan);
        }
    }
    fields.check("plans", check_plans(&plans))?;
    Some(plans)
}

/// Derives a slug from a name when none is given (`"My App 2"` → `my-app-2`).
fn slug_from_name(name: &str) -> Result<Slug, ValidationError> {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(64).collect();
    Slug::parse(slug.trim_end_matches('-'))
        .map_err(|_| ValidationError::new("cannot be derived from the name; send a slug"))
}

fn full_fields(body: ProductBody) -> Result<ProductFields, AppError> {
    let mut fields = Fields::default();
    let name = fields.required("name", body.name.clone(), |n| Name::parse(&n));
    let slug = match body.slug {
        Some(slug) => fields.check("slug", Slug::parse(&slug)),
        None => body
            .name
            .as_deref()
            .and_then(|n| fields.check("slug", slug_from_name(n))),
    };
    let description = fields.optional("description", body.description.flatten(), |d| {
        Description::parse(&d)
    });
    let key_prefix = fields.optional("keyPrefix", body.key_prefix, |p| KeyPrefix::parse(&p));
    let plans = match body.plans {
        Some(raw) => parse_plans(&mut fields, raw),
        None => Some(vec![]),
    };
    let metadata = fields.optional("metadata", body.metadata, Metadata::parse);
    fields.finish(|| {
        Some(ProductFields {
            name: name?,
            slug: slug?,
            description,
            key_prefix: key_prefix.unwrap_or_default(),
            plans: plans?,
            metadata: metadata.unwrap_or_default(),
        })
    })
}

fn partial_changes(body: ProductBody) -> Result<ProductChanges, AppError> {
    let mut fields = Fields::default();
    let changes = ProductChanges {
        name: fields.optional("name", body.name, |n| Name::parse(&n)),
        slug: fields.optional("slug", body.slug, |s| Slug::parse(&s)),
        description: fields.patch("description", body.description, |d| Description::parse(&d)),
        key_prefix: fields.optional("keyPrefix", body.key_prefix, |p| KeyPrefix::parse(&p)),
        plans: body.plans.and_then(|raw| parse_plans(&mut fields, raw)),
        metadata: fields.optional("metadata", body.metadata, Metadata::parse),
    };
    fields.finish(|| Some(changes))
}

/// Create a product.
///
/// The slug is derived from the name when omitted; plans give licenses their defaults.
#[utoipa::path(
    tag = "products",
    request_body(content = ProductBody, example = examples::product_request),
    responses(
        (status = 201, description = "The product.", content((envelopes::ProductData = "application/json", example = examples::product))),
        (status = 403, description = "`INSUFFICIENT_SCOPE`, or `PRODUCT_SCOPE` for a project-scoped key.", body = ErrorBody),
        (status = 409, description = "`SLUG_TAKEN`.", body = ErrorBody),
    ),
    security(("apiKey" = ["products:write"])),
)]
#[post("/products")]
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ProductBody>,
) -> Result<HttpResponse, AppError> {
    let fields = full_fields(body.into_inner())?;
    let product = products::create(&state, &caller, fields).await?;
    Ok(envelope::created(ProductView::from(&product)))
}

/// List products.
#[utoipa::path(
    tag = "products",
    params(PageQuery),
    responses((status = 200, description = "One page of products, newest first.", body = envelopes::ProductList)),
    security(("apiKey" = ["products:read"])),
)]
#[get("/products")]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.to_request()?;
    let found = products::list(&state, &caller, page).await?;
    Ok(envelope::list(found, page, |p| ProductView::from(p)))
}

/// Get a product.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "The product's id.")),
    responses((status = 200, description = "The product.", body = envelopes::ProductData)),
    security(("apiKey" = ["products:read"])),
)]
#[get("/products/{id}")]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: ProductId = path_id(&id, "product")?;
    let product = products::get(&state, &caller, id).await?;
    Ok(envelope::ok(ProductView::from(&product)))
}

/// Replace a product.
///
/// Every field is set from the body; omitted optional fields are reset.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "The product's id.")),
    request_body = ProductBody,
    responses(
        (status = 200, description = "The product.", body = envelopes::ProductData),
        (status = 409, description = "`SLUG_TAKEN`.", body = ErrorBody),
    ),
    security(("apiKey" = ["products:write"])),
)]
#[put("/products/{id}")]
async fn replace(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<ProductBody>,
) -> Result<HttpResponse, AppError> {
    let id: ProductId = path_id(&id, "product")?;
    let changes = ProductChanges::from(full_fields(body.into_inner())?);
    let product = products::update(&state, &caller, id, changes).await?;
    Ok(envelope::ok(ProductView::from(&product)))
}

/// Change some fields of a product.
///
/// Only the fields sent change; `description: null` clears it.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "The product's id.")),
    request_body = ProductBody,
    responses(
        (status = 200, description = "The product.", body = envelopes::ProductData),
        (status = 409, description = "`SLUG_TAKEN`.", body = ErrorBody),
    ),
    security(("apiKey" = ["products:write"])),
)]
#[patch("/products/{id}")]
async fn modify(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<ProductBody>,
) -> Result<HttpResponse, AppError> {
    let id: ProductId = path_id(&id, "product")?;
    let changes = partial_changes(body.into_inner())?;
    let product = products::update(&state, &caller, id, changes).await?;
    Ok(envelope::ok(ProductView::from(&product)))
}

/// Delete a product.
///
/// Refused with 409 `PRODUCT_HAS_LICENSES` while it has licenses, unless `?force=true`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "The product's id."), DeleteQuery),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, description = "`PRODUCT_HAS_LICENSES`.", body = ErrorBody),
    ),
    security(("apiKey" = ["products:write"])),
)]
#[delete("/products/{id}")]
async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<DeleteQuery>,
) -> Result<HttpResponse, AppError> {
    let id: ProductId = path_id(&id, "product")?;
    products::delete(&state, &caller, id, query.force).await?;
    Ok(envelope::no_content())
}

/// List a product's allowed domains.
///
/// When a product has domains, domain activations and validations outside them fail with
/// `DOMAIN_NOT_ALLOWED`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "The product's id.")),
    responses((status = 200, description = "Every allowed domain.", body = envelopes::ProductDomainsData)),
    security(("apiKey" = ["products:read"])),
)]
#[get("/products/{id}/domains")]
async fn list_domains(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: ProductId = path_id(&id, "product")?;
    let domains = products::list_domains(&state, &caller, id).await?;
    Ok(envelope::ok(
        domains
            .iter()
            .map(ProductDomainView::from)
            .collect::<Vec<_>>(),
    ))
}

/// Allow a domain.
///
/// Normalised to lower case (IDNA); `*.example.com` allows every subdomain.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "The product's id.")),
    request_body = DomainBody,
    responses(
        (status = 201, description = "The domain.", body = envelopes::ProductDomainData),
        (status = 409, description = "`DOMAIN_EXISTS`.", body = ErrorBody),
    ),
    security(("apiKey" = ["products:write"])),
)]
#[post("/products/{id}/domains")]
async fn add_domain(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<DomainBody>,
) -> Result<HttpResponse, AppError> {
    let id: ProductId = path_id(&id, "product")?;
    let mut fields = Fields::default();
    let domain = fields.required("domain", body.into_inner().domain, |d| {
        DomainPattern::parse(&d)
    });
    let domain = fields.finish(|| domain)?;
    let added = products::add_domain(&state, &caller, id, domain).await?;
    Ok(envelope::created(ProductDomainView::from(&added)))
}

/// Remove an allowed domain.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "The product's id."), ("domain" = String, Path, description = "The domain, as listed.")),
    responses((status = 204, description = "Removed.")),
    security(("apiKey" = ["products:write"])),
)]
#[delete("/products/{id}/domains/{domain}")]
async fn remove_domain(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, raw_domain) = path.into_inner();
    let id: ProductId = path_id(&id, "product")?;
    let domain = DomainPattern::parse(&raw_domain)
        .map_err(|_| AppError::not_found("domain", raw_domain.escape_debug()))?;
    products::remove_domain(&state, &caller, id, &domain).await?;
    Ok(envelope::no_content())
}
