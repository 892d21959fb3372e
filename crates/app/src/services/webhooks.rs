//! Webhook endpoints: create (the secret shown once), change, rotate the secret, send
//! a test event, read and retry deliveries.

use licentia_domain::event::{EventType, NewEvent};
use licentia_domain::ids::{DeliveryId, ProductId, WebhookId};
use licentia_domain::scope::{Action, Resource};
use licentia_domain::text::Description;
use licentia_domain::webhook::{
    Delivery, DeliveryState, EventSelection, WebhookEndpoint, WebhookSecret, WebhookUrl,
};
use licentia_ports::{Page, PageRequest, RepositoryError, Resend, SealedSecret};
use serde_json::json;

use crate::api::auth::Caller;
use crate::error::{AppError, FieldError};
use crate::state::AppState;

/// A full endpoint description (create and PUT). `enabled: None` keeps it as it is
/// (on, for a new endpoint).
#[derive(Debug)]
pub struct WebhookFields {
    pub url: WebhookUrl,
    pub events: EventSelection,
    pub product_id: Option<ProductId>,
    pub description: Option<Description>,
    pub enabled: Option<bool>,
}

/// The additional authenticated data binding a sealed secret to its endpoint.
pub fn secret_label(id: WebhookId) -> String {
    format!("webhook:{id}")
}

fn seal(state: &AppState, id: WebhookId, secret: &WebhookSecret) -> Result<SealedSecret, AppError> {
    state
        .master_key
        .seal(&secret_label(id), secret.expose_bytes())
        .map(SealedSecret)
        .map_err(AppError::internal)
}

/// The product an endpoint of this caller is filtered to: a product-scoped key's
/// endpoints are always filtered to its product.
async fn product_scope(
    state: &AppState,
    caller: &Caller,
    requested: Option<ProductId>,
) -> Result<Option<ProductId>, AppError> {
    let product = requested.or(caller.grant.product());
    let Some(product) = product else {
        return Ok(None);
    };
    if !caller.grant.reaches(product) {
        return Err(AppError::forbidden(
            "PRODUCT_SCOPE",
            "this key is limited to another product",
        ));
    }
    state
        .products
        .get(caller.tenant(), product)
        .await
        .map_err(|e| match e {
            RepositoryError::NotFound => AppError::validation(vec![FieldError {
                field: "productId".into(),
                message: "product does not exist".into(),
            }]),
            other => AppError::from_repository(other, "product", product),
        })?;
    Ok(Some(product))
}

/// 422 on `url` unless the notifier's guard accepts every address it resolves to.
async fn vet(state: &AppState, url: &WebhookUrl) -> Result<(), AppError> {
    state.notifier.vet(url.as_str()).await.map_err(|refused| {
        tracing::info!(?refused, "webhook URL refused");
        AppError::validation(vec![FieldError {
            field: "url".into(),
            message: refused.to_string(),
        }])
    })
}

/// Creates an endpoint; returns it with its secret (shown this once).
pub async fn create(
    state: &AppState,
    caller: &Caller,
    fields: WebhookFields,
) -> Result<(WebhookEndpoint, WebhookSecret), AppError> {
    caller.require(Resource::Webhooks, Action::Write)?;
    let product_id = product_scope(state, caller, fields.product_id).await?;
    vet(state, &fields.url).await?;
    let now = state.clock.now();
    let endpoint = WebhookEndpoint {
        id: WebhookId::generate(),
        owner: caller.user.id,
        product_id,
        url: fields.url,
        events: fields.events,
        description: fields.description,
        enabled: fields.enabled.unwrap_or(true),
        disabled_reason: None,
        failing_since: None,
        secret_rotated_at: None,
        created_at: now,
        updated_at: now,
    };
    let secret = WebhookSecret::generate();
    let sealed = seal(state, endpoint.id, &secret)?;
    let endpoint = state
        .webhooks
        .create(endpoint, sealed)
        .await
        .map_err(|e| AppError::from_repository(e, "webhook", "new"))?;
    Ok((endpoint, secret))
}

/// The caller's endpoints.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    page: PageRequest,
) -> Result<Page<WebhookEndpoint>, AppError> {
    caller.require(Resource::Webhooks, Action::Read)?;
    state
        .webhooks
        .list(caller.tenant(), page)
        .await
        .map_err(|e| AppError::from_repository(e, "webhook", "list"))
}

/// One endpoint.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    id: WebhookId,
) -> Result<WebhookEndpoint, AppError> {
    caller.require(Resource::Webhooks, Action::Read)?;
    load(state, caller, id).await
}

/// Reads an endpoint without a scope check (for writes that need it).
async fn load(
    state: &AppState,
    caller: &Caller,
    id: WebhookId,
) -> Result<WebhookEndpoint, AppError> {
    state
        .webhooks
        .get(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "webhook", id))
}

/// Replaces an endpoint's description; turning it on again forgets why it was off.
pub async fn replace(
    state: &AppState,
    caller: &Caller,
    id: WebhookId,
    fields: WebhookFields,
) -> Result<WebhookEndpoint, AppError> {
    caller.require(Resource::Webhooks, Action::Write)?;
    let current = load(state, caller, id).await?;
    let product_id = product_scope(state, caller, fields.product_id).await?;
    if fields.url != current.url {
        vet(state, &fields.url).await?;
    }
    let now = state.clock.now();
    state
        .webhooks
        .update(
            caller.tenant(),
            id,
            Box::new(move |mut endpoint| {
                endpoint.url = fields.url;
                endpoint.events = fields.events;
                endpoint.product_id = product_id;
                endpoint.description = fields.description;
                match fields.enabled {
                    Some(true) if !endpoint.enabled => endpoint.enable(),
                    Some(false) if endpoint.enabled => endpoint.disable(None),
                    _ => {}
                }
                endpoint.updated_at = now;
                Ok((endpoint, Vec::new()))
            }),
        )
        .await
        .map_err(|e| AppError::from_repository(e, "webhook", id))
}

/// Deletes an endpoint and its delivery log.
pub async fn delete(state: &AppState, caller: &Caller, id: WebhookId) -> Result<(), AppError> {
    caller.require(Resource::Webhooks, Action::Write)?;
    state
        .webhooks
        .delete(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "webhook", id))
}

/// A new secret (shown this once); the old one keeps signing beside it for 24 h.
pub async fn rotate_secret(
    state: &AppState,
    caller: &Caller,
    id: WebhookId,
) -> Result<(WebhookEndpoint, WebhookSecret), AppError> {
    caller.require(Resource::Webhooks, Action::Write)?;
    let secret = WebhookSecret::generate();
    let sealed = seal(state, id, &secret)?;
    let endpoint = state
        .webhooks
        .rotate_secret(caller.tenant(), id, sealed, state.clock.now())
        .await
        .map_err(|e| AppError::from_repository(e, "webhook", id))?;
    Ok((endpoint, secret))
}

/// Queues a `webhook.test` event to this endpoint alone.
pub async fn send_test(
    state: &AppState,
    caller: &Caller,
    id: WebhookId,
) -> Result<Delivery, AppError> {
    caller.require(Resource::Webhooks, Action::Write)?;
    let endpoint = load(state, caller, id).await?;
    require_enabled(&endpoint)?;
    let event = NewEvent::new(
        EventType::WebhookTest,
        endpoint.product_id,
        json!({
            "webhookId": endpoint.id,
            "message": "a test event: this endpoint receives Licentia webhooks",
        }),
    );
    state
        .webhooks
        .queue_test(caller.tenant(), id, event, state.clock.now())
        .await
        .map_err(|e| AppError::from_repository(e, "webhook", id))
}

/// An endpoint's deliveries, each with its attempts.
pub async fn deliveries(
    state: &AppState,
    caller: &Caller,
    id: WebhookId,
    filter: Option<DeliveryState>,
    page: PageRequest,
) -> Result<Page<Delivery>, AppError> {
    caller.require(Resource::Webhooks, Action::Read)?;
    state
        .webhooks
        .deliveries(caller.tenant(), id, filter, page)
        .await
        .map_err(|e| AppError::from_repository(e, "webhook", id))
}

/// Makes a delivery due now (a disabled endpoint's waits until it is enabled).
pub async fn retry(
    state: &AppState,
    caller: &Caller,
    id: WebhookId,
    delivery: DeliveryId,
) -> Result<Delivery, AppError> {
    caller.require(Resource::Webhooks, Action::Write)?;
    require_enabled(&load(state, caller, id).await?)?;
    let resend = state
        .webhooks
        .retry_delivery(caller.tenant(), id, delivery, state.clock.now())
        .await
        .map_err(|e| AppError::from_repository(e, "delivery", delivery))?;
    match resend {
        Resend::Queued(delivery) => Ok(delivery),
        Resend::InFlight => Err(AppError::conflict(
            "DELIVERY_IN_FLIGHT",
            "an attempt of this delivery is under way; retry once it is logged",
        )),
    }
}

/// 409 `WEBHOOK_DISABLED`: nothing is sent to a disabled endpoint.
fn require_enabled(endpoint: &WebhookEndpoint) -> Result<(), AppError> {
    if endpoint.enabled {
        Ok(())
    } else {
        Err(AppError::conflict(
            "WEBHOOK_DISABLED",
            "the endpoint is disabled; enable it first (PUT with \"enabled\": true)",
        ))
    }
}
