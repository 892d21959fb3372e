//! `/v1/api-keys`.

use actix_web::{HttpResponse, delete, get, post, web};
use licentia_domain::ids::{ApiKeyId, ProductId};
use licentia_domain::scope::ScopeSet;
use licentia_domain::text::Name;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::{Fields, timestamp, uuid};
use crate::api::openapi::{envelopes, examples, vocabulary};
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::{AppError, ErrorBody};
use crate::services::api_keys::{self, KeyRequest};
use crate::state::AppState;
use crate::views::{ApiKeyView, CreatedApiKeyView};

/// Mounts the API key routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(revoke)
        .service(rotate);
}

/// A new API key: at most the creator's own scopes and product.
#[derive(Deserialize, ToSchema)]
#[schema(as = ApiKeyInput)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = "\\S", example = "shop")]
    name: Option<String>,
    #[schema(value_type = Vec<vocabulary::Scope>, min_items = 1)]
    scopes: Option<Vec<String>>,
    /// Limit the key to this product's resources.
    #[schema(value_type = Option<Uuid>)]
    product_id: Option<String>,
    /// After this the key answers 401 `API_KEY_EXPIRED`.
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<String>,
}

/// Rotation: a new secret for the same key.
#[derive(Deserialize, Default, ToSchema)]
#[schema(as = ApiKeyRotation)]
#[serde(rename_all = "camelCase")]
struct RotateBody {
    /// Keep the old secret valid this many seconds (at most 86400; default 0).
    #[schema(maximum = 86_400)]
    grace_seconds: Option<u32>,
}

/// Create an API key.
///
/// The secret is in this answer only. A key can create keys only with a subset of its own
/// scopes, the same or a narrower product, and no later expiry.
#[utoipa::path(
    tag = "api-keys",
    request_body(content = CreateBody, example = examples::api_key_request),
    responses(
        (status = 201, description = "The key, with its secret (shown once).", content((envelopes::CreatedApiKeyData = "application/json", example = examples::created_api_key))),
        (status = 403, description = "`INSUFFICIENT_SCOPE`, `SCOPE_ESCALATION`, `PRODUCT_SCOPE_ESCALATION` or `EXPIRY_ESCALATION`.", body = ErrorBody),
    ),
    security(("apiKey" = ["api_keys:write"])),
)]
#[post("/api-keys")]
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let mut fields = Fields::default();
    let name = fields.required("name", body.name, |n| Name::parse(&n));
    let scopes = fields.required("scopes", body.scopes, |s| ScopeSet::parse(&s));
    let product_id = fields.optional("productId", body.product_id, uuid::<ProductId>);
    let expires_at = fields.optional("expiresAt", body.expires_at, timestamp);
    let request = fields.finish(|| {
        Some(KeyRequest {
            name: name?,
            scopes: scopes?,
            product_id,
            expires_at,
        })
    })?;
    let (key, secret) = api_keys::create(&state, &caller, request).await?;
    Ok(envelope::created(CreatedApiKeyView {
        key: ApiKeyView::from(&key),
        secret: secret.expose().to_owned(),
    }))
}

/// List API keys.
///
/// Never the secrets: a prefix and the last four characters.
#[utoipa::path(
    tag = "api-keys",
    params(PageQuery),
    responses((status = 200, description = "One page of keys, newest first.", body = envelopes::ApiKeyList)),
    security(("apiKey" = ["api_keys:read"])),
)]
#[get("/api-keys")]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.to_request()?;
    let keys = api_keys::list(&state, &caller, page).await?;
    Ok(envelope::list(keys, page, |k| ApiKeyView::from(k)))
}

/// Get an API key.
#[utoipa::path(
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "The API key's id.")),
    responses((status = 200, description = "The key (without its secret).", body = envelopes::ApiKeyData)),
    security(("apiKey" = ["api_keys:read"])),
)]
#[get("/api-keys/{id}")]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: ApiKeyId = path_id(&id, "api key")?;
    let key = api_keys::get(&state, &caller, id).await?;
    Ok(envelope::ok(ApiKeyView::from(&key)))
}

/// Revoke an API key.
///
/// It answers 401 `API_KEY_REVOKED` from its very next use.
#[utoipa::path(
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "The API key's id.")),
    responses((status = 204, description = "Revoked.")),
    security(("apiKey" = ["api_keys:write"])),
)]
#[delete("/api-keys/{id}")]
async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: ApiKeyId = path_id(&id, "api key")?;
    api_keys::revoke(&state, &caller, id).await?;
    Ok(envelope::no_content())
}

/// Rotate an API key's secret.
///
/// Same id, scopes and product; the old secret stops working (after `graceSeconds`). The
/// body is optional.
#[utoipa::path(
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "The API key's id.")),
    request_body(content = Option<RotateBody>, description = "Optional."),
    responses((status = 200, description = "The key with its new secret (shown once).", body = envelopes::CreatedApiKeyData)),
    security(("apiKey" = ["api_keys:write"])),
)]
#[post("/api-keys/{id}/rotate")]
async fn rotate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Option<web::Json<RotateBody>>,
) -> Result<HttpResponse, AppError> {
    let id: ApiKeyId = path_id(&id, "api key")?;
    let grace = body.and_then(|b| b.into_inner().grace_seconds).unwrap_or(0);
    let (key, secret) = api_keys::rotate(&state, &caller, id, grace).await?;
    Ok(envelope::ok(CreatedApiKeyView {
        key: ApiKeyView::from(&key),
        secret: secret.expose().to_owned(),
    }))
}
