//! `GET /v1/openapi.json`: this API's OpenAPI 3.1 document (the same bytes as
//! `docs/openapi.json`), built once.

use actix_web::{HttpResponse, get, web};

use crate::api::openapi;

/// Mounts the document's route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(document);
}

/// This document.
///
/// The OpenAPI 3.1 description of every route, generated from the server's code; the
/// same bytes as `docs/openapi.json` in the repository. Public, never rate limited.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "The OpenAPI 3.1 document.", content_type = "application/json", body = Object)),
)]
#[get("/openapi.json")]
async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(openapi::json())
}
