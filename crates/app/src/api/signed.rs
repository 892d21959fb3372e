//! Signed answers of the runtime endpoints: `Licentia-Signature: keyid="…",
//! alg="ed25519", signature="<base64>"` over the exact body bytes, errors included.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::api::envelope::Data;
use crate::error::AppError;
use crate::state::AppState;

/// The header name.
pub const SIGNATURE_HEADER: &str = "licentia-signature";

/// Answers `{"data": …}` (or the error envelope), signed with the active key.
pub fn respond<T: Serialize>(
    state: &AppState,
    result: Result<(StatusCode, T), AppError>,
) -> HttpResponse {
    let (status, body) = match result.and_then(|(status, data)| {
        serde_json::to_vec(&Data { data })
            .map(|body| (status, body))
            .map_err(AppError::internal)
    }) {
        Ok(ok) => ok,
        Err(error) => (error.status(), error.body().into_bytes()),
    };
    let Some(key) = state.key_ring.active() else {
        let error = AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SIGNING_UNAVAILABLE",
            "signing keys are not loaded yet; retry shortly",
        );
        return HttpResponse::build(error.status())
            .content_type("application/json")
            .body(error.body());
    };
    let signature = STANDARD.encode(key.sign(&body));
    HttpResponse::build(status)
        .content_type("application/json")
        .insert_header((
            SIGNATURE_HEADER,
            format!(
                r#"keyid="{}", alg="ed25519", signature="{signature}""#,
                key.kid()
            ),
        ))
        .body(body)
}
