//! The vendor's view of seats: `GET /v1/licenses/{id}/activations`,
//! `DELETE /v1/activations/{id}`.

use actix_web::{HttpResponse, delete, get, web};
use licentia_domain::activation::Activation;
use licentia_domain::event::{EventType, NewEvent};
use licentia_domain::ids::{ActivationId, LicenseId};
use licentia_domain::scope::{Action, Resource};
use licentia_ports::Page;

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::openapi::envelopes;
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::{ActivationView, to_event_data};

/// Mounts the activation routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(remove);
}

/// List a license's activations.
///
/// Every seat taken, with whether it is still alive (heartbeats on time).
#[utoipa::path(
    tag = "activations",
    params(("id" = Uuid, Path, description = "The license's id."), PageQuery),
    responses((status = 200, description = "One page of activations, newest first.", body = envelopes::ActivationList)),
    security(("apiKey" = ["activations:read"])),
)]
#[get("/licenses/{id}/activations")]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require(Resource::Activations, Action::Read)?;
    let id: LicenseId = path_id(&id, "license")?;
    let page = query.to_request()?;
    let license = state
        .licenses
        .get(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "license", id))?;
    let all = state
        .runtime
        .list_activations(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "license", id))?;
    let now = state.clock.now();
    let total = u64::try_from(all.len()).unwrap_or(u64::MAX);
    let skip = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let take = usize::try_from(page.limit()).unwrap_or(usize::MAX);
    // Newest first, like every list.
    let items = all.into_iter().rev().skip(skip).take(take).collect();
    let interval = license.heartbeat_interval_seconds;
    Ok(envelope::list(Page { items, total }, page, |a| {
        ActivationView::new(a, interval, now)
    }))
}

/// Free a seat.
///
/// Deletes the activation; the device or site must activate again.
#[utoipa::path(
    tag = "activations",
    params(("id" = Uuid, Path, description = "The activation's id.")),
    responses((status = 204, description = "Deleted.")),
    security(("apiKey" = ["activations:write"])),
)]
#[delete("/activations/{id}")]
async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    caller.require(Resource::Activations, Action::Write)?;
    let id: ActivationId = path_id(&id, "activation")?;
    let now = state.clock.now();
    let event = |activation: &Activation, product| {
        NewEvent::new(
            EventType::ActivationDeleted,
            Some(product),
            to_event_data(&ActivationView::new(activation, None, now)),
        )
    };
    let removed = state
        .runtime
        .delete_activation(caller.tenant(), id, &event)
        .await
        .map_err(|e| AppError::from_repository(e, "activation", id))?;
    state.cache.invalidate_license(removed.license_id);
    Ok(envelope::no_content())
}
