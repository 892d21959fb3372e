//! `/v1/webhooks`: endpoints, their secrets, test events and the delivery log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use licentia_domain::ids::{DeliveryId, ProductId, WebhookId};
use licentia_domain::text::Description;
use licentia_domain::webhook::{
    DeliveryState, EventSelection, WebhookEndpoint, WebhookSecret, WebhookUrl,
};
use serde::Deserialize;

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::{Fields, uuid};
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::AppError;
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebhookBody {
    url: Option<String>,
    events: Option<Vec<String>>,
    product_id: Option<String>,
    description: Option<String>,
    enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeliveriesQuery {
    page: Option<u32>,
    per_page: Option<u32>,
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
