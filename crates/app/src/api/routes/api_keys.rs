//! `/v1/api-keys`.

use actix_web::{HttpResponse, delete, get, post, web};
use licentia_domain::ids::{ApiKeyId, ProductId};
use licentia_domain::scope::ScopeSet;
use licentia_domain::text::Name;
use serde::Deserialize;

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::{Fields, timestamp, uuid};
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::AppError;
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    name: Option<String>,
    scopes: Option<Vec<String>>,
    product_id: Option<String>,
    expires_at: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RotateBody {
    grace_seconds: Option<u32>,
}

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
