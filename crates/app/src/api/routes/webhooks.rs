//! `/v1/webhooks`: endpoints, their secrets, test events and the delivery log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use licentia_domain::ids::{DeliveryId, ProductId, WebhookId};
use licentia_domain::text::Description;
use licentia_domain::webhook::{
    DeliveryState, EventSelection, WebhookEndpoint, WebhookSecret, WebhookUrl,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::{Fields, uuid};
use crate::api::openapi::{envelopes, examples, vocabulary};
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::{AppError, ErrorBody};
use crate::services::webhooks::{self, WebhookFields};
use crate::state::AppState;
use crate::views::{CreatedWebhookView, DeliveryView, WebhookView};

/// Mounts the webhook routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(replace)
        .service(remove)
        .service(rotate_secret)
        .service(send_test)
        .service(deliveries)
        .service(retry_delivery);
}

/// A webhook endpoint.
#[derive(Deserialize, ToSchema)]
#[schema(as = WebhookInput)]
#[serde(rename_all = "camelCase")]
struct WebhookBody {
    /// `https://` (plain `http://` only when the operator allows it); loopback, private
    /// and metadata addresses are refused unless the operator allows them.
    #[schema(value_type = String, example = "https://shop.example.com/hooks/licentia")]
    url: Option<String>,
    #[schema(value_type = Vec<vocabulary::WebhookEvent>, min_items = 1)]
    events: Option<Vec<String>>,
    /// Only this product's events.
    #[schema(value_type = Option<Uuid>)]
    product_id: Option<String>,
    #[schema(min_length = 1, max_length = 5000)]
    description: Option<String>,
    /// Default `true`.
    enabled: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct DeliveriesQuery {
    /// The page, from 1 (default 1).
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
    /// Only deliveries in this state.
    #[param(value_type = Option<vocabulary::DeliveryState>)]
    status: Option<String>,
}

fn fields(state: &AppState, body: WebhookBody) -> Result<WebhookFields, AppError> {
    let allow_http = state.settings.webhooks.allow_http;
    let mut fields = Fields::default();
    let url = fields.required("url", body.url, |u| WebhookUrl::parse(&u, allow_http));
    let events = fields.required("events", body.events, |e| EventSelection::parse(&e));
    let product_id = fields.optional("productId", body.product_id, uuid::<ProductId>);
    let description = fields.optional("description", body.description, |d| Description::parse(&d));
    fields.finish(|| {
        Some(WebhookFields {
            url: url?,
            events: events?,
            product_id,
            description,
            enabled: body.enabled,
        })
    })
}

fn with_secret(endpoint: &WebhookEndpoint, secret: &WebhookSecret) -> CreatedWebhookView {
    CreatedWebhookView {
        webhook: WebhookView::from(endpoint),
        secret: secret.expose_displayed(),
    }
}

/// Create a webhook endpoint.
///
/// Events are delivered at least once, signed the Standard Webhooks way
/// (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), with
/// exponential backoff over about a day. The signing secret is in this answer only.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = WebhookBody, example = examples::webhook_request),
    responses(
        (status = 201, description = "The endpoint, with its secret (shown once).", content((envelopes::CreatedWebhookData = "application/json", example = examples::created_webhook))),
        (status = 403, description = "`INSUFFICIENT_SCOPE`, or `PRODUCT_SCOPE`.", body = ErrorBody),
    ),
    security(("apiKey" = ["webhooks:write"])),
)]
#[post("/webhooks")]
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<WebhookBody>,
) -> Result<HttpResponse, AppError> {
    let fields = fields(&state, body.into_inner())?;
    let (endpoint, secret) = webhooks::create(&state, &caller, fields).await?;
    Ok(envelope::created(with_secret(&endpoint, &secret)))
}

/// List webhook endpoints.
#[utoipa::path(
    tag = "webhooks",
    params(PageQuery),
    responses((status = 200, description = "One page of endpoints, newest first.", body = envelopes::WebhookList)),
    security(("apiKey" = ["webhooks:read"])),
)]
#[get("/webhooks")]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.to_request()?;
    let found = webhooks::list(&state, &caller, page).await?;
    Ok(envelope::list(found, page, |w| WebhookView::from(w)))
}

/// Get a webhook endpoint.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook endpoint's id.")),
    responses((status = 200, description = "The endpoint (without its secret).", body = envelopes::WebhookData)),
    security(("apiKey" = ["webhooks:read"])),
)]
#[get("/webhooks/{id}")]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: WebhookId = path_id(&id, "webhook")?;
    let endpoint = webhooks::get(&state, &caller, id).await?;
    Ok(envelope::ok(WebhookView::from(&endpoint)))
}

/// Replace a webhook endpoint.
///
/// `enabled: true` re-enables an endpoint the server disabled.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook endpoint's id.")),
    request_body = WebhookBody,
    responses(
        (status = 200, description = "The endpoint.", body = envelopes::WebhookData),
        (status = 403, description = "`INSUFFICIENT_SCOPE`, or `PRODUCT_SCOPE`.", body = ErrorBody),
    ),
    security(("apiKey" = ["webhooks:write"])),
)]
#[put("/webhooks/{id}")]
async fn replace(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<WebhookBody>,
) -> Result<HttpResponse, AppError> {
    let id: WebhookId = path_id(&id, "webhook")?;
    let fields = fields(&state, body.into_inner())?;
    let endpoint = webhooks::replace(&state, &caller, id, fields).await?;
    Ok(envelope::ok(WebhookView::from(&endpoint)))
}

/// Delete a webhook endpoint.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook endpoint's id.")),
    responses((status = 204, description = "Deleted; nothing more is delivered to it.")),
    security(("apiKey" = ["webhooks:write"])),
)]
#[delete("/webhooks/{id}")]
async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: WebhookId = path_id(&id, "webhook")?;
    webhooks::delete(&state, &caller, id).await?;
    Ok(envelope::no_content())
}

/// Rotate a webhook endpoint's signing secret.
///
/// The new secret is in this answer only.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook endpoint's id.")),
    responses((status = 200, description = "The endpoint with its new secret.", body = envelopes::CreatedWebhookData)),
    security(("apiKey" = ["webhooks:write"])),
)]
#[post("/webhooks/{id}/rotate-secret")]
async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: WebhookId = path_id(&id, "webhook")?;
    let (endpoint, secret) = webhooks::rotate_secret(&state, &caller, id).await?;
    Ok(envelope::ok(with_secret(&endpoint, &secret)))
}

/// Send a `webhook.test` event.
///
/// Queued for delivery like any event; follow it in the delivery log.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook endpoint's id.")),
    responses(
        (status = 202, description = "The queued delivery.", body = envelopes::DeliveryData),
        (status = 409, description = "`WEBHOOK_DISABLED`.", body = ErrorBody),
    ),
    security(("apiKey" = ["webhooks:write"])),
)]
#[post("/webhooks/{id}/test")]
async fn send_test(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: WebhookId = path_id(&id, "webhook")?;
    let delivery = webhooks::send_test(&state, &caller, id).await?;
    Ok(envelope::with_status(
        StatusCode::ACCEPTED,
        DeliveryView::from(&delivery),
    ))
}

/// A webhook endpoint's delivery log.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook endpoint's id."), DeliveriesQuery),
    responses((status = 200, description = "One page of deliveries with every attempt, newest first.", body = envelopes::DeliveryList)),
    security(("apiKey" = ["webhooks:read"])),
)]
#[get("/webhooks/{id}/deliveries")]
async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<DeliveriesQuery>,
) -> Result<HttpResponse, AppError> {
    let id: WebhookId = path_id(&id, "webhook")?;
    let query = query.into_inner();
    let page = PageQuery::new(query.page, query.per_page).to_request()?;
    let status = query
        .status
        .map(|s| {
            DeliveryState::parse(&s).ok_or_else(|| {
                AppError::bad_request(
                    "INVALID_QUERY",
                    "status must be pending, succeeded or failed",
                )
            })
        })
        .transpose()?;
    let found = webhooks::deliveries(&state, &caller, id, status, page).await?;
    Ok(envelope::list(found, page, |d| DeliveryView::from(d)))
}

/// Deliver again.
///
/// Makes the delivery due now, whether it failed or is waiting.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook endpoint's id."), ("delivery_id" = Uuid, Path, description = "The delivery's id.")),
    responses(
        (status = 202, description = "The delivery, due now.", body = envelopes::DeliveryData),
        (status = 409, description = "`DELIVERY_IN_FLIGHT` or `WEBHOOK_DISABLED`.", body = ErrorBody),
    ),
    security(("apiKey" = ["webhooks:write"])),
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/retry")]
async fn retry_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, delivery) = path.into_inner();
    let id: WebhookId = path_id(&id, "webhook")?;
    let delivery: DeliveryId = path_id(&delivery, "delivery")?;
    let delivery = webhooks::retry(&state, &caller, id, delivery).await?;
    Ok(envelope::with_status(
        StatusCode::ACCEPTED,
        DeliveryView::from(&delivery),
    ))
}
