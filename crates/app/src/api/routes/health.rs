//! `GET /v1/health` (liveness) and `GET /v1/health/ready` (the database answers).

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;
use crate::state::AppState;

/// The server's state.
#[derive(Serialize, ToSchema)]
#[schema(as = Health)]
struct Health {
    /// `ok` (live) or `ready` (the database answers).
    #[schema(example = "ok")]
    status: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    timestamp: time::OffsetDateTime,
    /// The server's version.
    #[schema(example = "0.1.0")]
    version: &'static str,
    #[schema(example = "licentia")]
    service: &'static str,
}

/// Mounts the health routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health).service(ready);
}

/// Liveness.
///
/// Answers while the process runs, without touching the database. Never rate limited.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "Alive.", body = Health)),
)]
#[get("/health")]
async fn health(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        timestamp: state.clock.now(),
        version: env!("CARGO_PKG_VERSION"),
        service: "licentia",
    })
}

/// Readiness.
///
/// 200 when the database answers, 503 otherwise. Never rate limited.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "Ready.", body = Health)),
)]
#[get("/health/ready")]
async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state
        .health
        .ping()
        .await
        .map_err(|e| AppError::from_repository(e, "database", "ping"))?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ready",
        timestamp: state.clock.now(),
        version: env!("CARGO_PKG_VERSION"),
        service: "licentia",
    }))
}
