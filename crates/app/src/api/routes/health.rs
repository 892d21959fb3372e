//! `GET /v1/health` (liveness) and `GET /v1/health/ready` (the database answers).

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use crate::error::AppError;
use crate::state::AppState;

#[derive(Serialize)]
struct Health {
    status: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    timestamp: time::OffsetDateTime,
    version: &'static str,
    service: &'static str,
}

/// Mounts the health routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health).service(ready);
}

#[get("/health")]
async fn health(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        timestamp: state.clock.now(),
        version: env!("CARGO_PKG_VERSION"),
        service: "licentia",
    })
}

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
