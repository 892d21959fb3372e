//! The OpenAPI 3.1 document of the whole API, generated from the handlers and views.

pub mod vocabulary;

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(crate::api::routes::products::create))]
struct ApiDoc;

/// The document as pretty JSON.
pub fn json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}
