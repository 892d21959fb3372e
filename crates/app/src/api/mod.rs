//! The HTTP API: routes, authentication, input parsing, middleware.

pub mod auth;
pub mod client_ip;
pub mod envelope;
pub mod extractor_errors;
pub mod input;
pub mod middleware;
pub mod openapi;
pub mod pagination;
pub mod rate_limit;
pub mod routes;
pub mod signed;

use actix_web::web;

use crate::error::AppError;

/// Mounts every route under `/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v1")
            .configure(routes::health::configure)
            .configure(routes::openapi::configure)
            .configure(routes::runtime::configure)
            .configure(routes::activations::configure)
            .configure(routes::accounts::configure)
            .configure(routes::api_keys::configure)
            .configure(routes::products::configure)
            .configure(routes::customers::configure)
            .configure(routes::licenses::configure)
            .configure(routes::payments::configure)
            .configure(routes::analytics::configure)
            .configure(routes::webhooks::configure)
            .configure(routes::injectables::configure)
            .configure(routes::wordpress::configure)
            .configure(routes::sites::configure),
    );
}

/// The answer for a path no route matches.
pub async fn route_not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::new(
        actix_web::http::StatusCode::NOT_FOUND,
        "ROUTE_NOT_FOUND",
        format!("no route for {} {}", req.method(), req.path()),
    ))
}
