//! `/v1/sites`: the vendor's view of WordPress sites, and actions queued for them.

use actix_web::{HttpResponse, delete, get, post, web};
use licentia_domain::ids::{LicenseId, ProductId, SiteId};
use licentia_domain::metadata::Metadata;
use licentia_domain::site::SiteActionType;
use licentia_ports::SiteFilter;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::Fields;
use crate::api::openapi::{envelopes, vocabulary};
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::AppError;
use crate::services::sites;
use crate::state::AppState;
use crate::views::{SiteActionView, SiteView};

/// Mounts the site routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(get)
        .service(remove)
        .service(queue_action);
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
    /// Only sites with (`true`) or without (`false`) a heartbeat in 48 hours.
    stale: Option<bool>,
}

/// An action for the plugin, handed over at its next pending-actions call.
#[derive(Deserialize, ToSchema)]
#[schema(as = SiteActionInput)]
#[serde(rename_all = "camelCase")]
struct ActionBody {
    #[serde(rename = "type")]
    #[schema(value_type = vocabulary::SiteActionType)]
    action_type: Option<String>,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    payload: Option<Value>,
}

/// List WordPress sites.
#[utoipa::path(
    tag = "sites",
    params(ListQuery),
    responses((status = 200, description = "One page of sites, newest first.", body = envelopes::SiteList)),
    security(("apiKey" = ["sites:read"])),
)]
#[get("/sites")]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let page = PageQuery::new(query.page, query.per_page).to_request()?;
    let id = |raw: Option<String>, name: &str| {
        raw.map(|raw| {
            raw.parse().map_err(|_| {
                AppError::bad_request("INVALID_QUERY", format!("{name} must be a UUID"))
            })
        })
        .transpose()
    };
    let filter = SiteFilter {
        product_id: id(query.product_id, "productId")?.map(ProductId::from_uuid),
        license_id: id(query.license_id, "licenseId")?.map(LicenseId::from_uuid),
        stale_before: None,
    };
    let found = sites::list(&state, &caller, filter, query.stale, page).await?;
    let now = state.clock.now();
    Ok(envelope::list(found, page, |s| SiteView::new(s, now)))
}

/// Get a WordPress site.
#[utoipa::path(
    tag = "sites",
    params(("id" = Uuid, Path, description = "The site's id.")),
    responses((status = 200, description = "The site: versions, last heartbeat, health.", body = envelopes::SiteData)),
    security(("apiKey" = ["sites:read"])),
)]
#[get("/sites/{id}")]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: SiteId = path_id(&id, "site")?;
    let site = sites::get(&state, &caller, id).await?;
    Ok(envelope::ok(SiteView::new(&site, state.clock.now())))
}

/// Delete a WordPress site.
///
/// Frees its seat; its token stops working.
#[utoipa::path(
    tag = "sites",
    params(("id" = Uuid, Path, description = "The site's id.")),
    responses((status = 204, description = "Deleted.")),
    security(("apiKey" = ["sites:write"])),
)]
#[delete("/sites/{id}")]
async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: SiteId = path_id(&id, "site")?;
    sites::delete(&state, &caller, id).await?;
    Ok(envelope::no_content())
}

/// Queue an action for a WordPress site.
///
/// Handed to the plugin at its next pending-actions call.
#[utoipa::path(
    tag = "sites",
    params(("id" = Uuid, Path, description = "The site's id.")),
    request_body = ActionBody,
    responses((status = 201, description = "The queued action.", body = envelopes::SiteActionData)),
    security(("apiKey" = ["sites:write"])),
)]
#[post("/sites/{id}/actions")]
async fn queue_action(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<ActionBody>,
) -> Result<HttpResponse, AppError> {
    let id: SiteId = path_id(&id, "site")?;
    let body = body.into_inner();
    let mut fields = Fields::default();
    let action_type = fields.required("type", body.action_type, |t| SiteActionType::parse(&t));
    let payload = fields.optional("payload", body.payload, Metadata::parse);
    let (action_type, payload) =
        fields.finish(|| Some((action_type?, payload.unwrap_or_default())))?;
    let action = sites::queue_action(&state, &caller, id, action_type, payload).await?;
    Ok(envelope::created(SiteActionView::from(&action)))
}
