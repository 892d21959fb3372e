//! Signed answers of the runtime endpoints: `Licentia-Signature: keyid="…",
//! alg="ed25519", signature="<base64>"` over the exact body bytes, errors included.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::api::envelope::Data;
use crate::error::AppError;
use crate::state::AppState;

/// The header name.
pub const SIGNATURE_HEADER: &str = "licentia-signature";

/// [`SIGNATURE_HEADER`] as a header name, built at compile time instead of parsed
/// per answer.
const SIGNATURE: HeaderName = HeaderName::from_static(SIGNATURE_HEADER);

/// The content type of every answer, likewise.
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Room for a typical answer (a validation is about 300 bytes), so that serialising
/// it does not grow the buffer on the way.
const ANSWER_CAPACITY: usize = 512;

/// `keyid="…", alg="ed25519", signature="<base64>"`, written into one buffer.
fn signature_header(kid: &str, signature: &[u8; 64]) -> String {
    const BEFORE_KID: &str = "keyid=\"";
    const BEFORE_SIGNATURE: &str = "\", alg=\"ed25519\", signature=\"";
    // 64 bytes are 88 base64 characters.
    let mut header =
        String::with_capacity(BEFORE_KID.len() + kid.len() + BEFORE_SIGNATURE.len() + 89);
    header.push_str(BEFORE_KID);
    header.push_str(kid);
    header.push_str(BEFORE_SIGNATURE);
    STANDARD.encode_string(signature, &mut header);
    header.push('"');
    header
}

/// Answers `{"data": …}` (or the error envelope), signed with the active key.
pub fn respond<T: Serialize>(
    state: &AppState,
    result: Result<(StatusCode, T), AppError>,
) -> HttpResponse {
    let (status, body) = match result.and_then(|(status, data)| {
        let mut body = Vec::with_capacity(ANSWER_CAPACITY);
        serde_json::to_writer(&mut body, &Data { data })
            .map(|()| (status, body))
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
            .insert_header((CONTENT_TYPE, JSON))
            .body(error.body());
    };
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, JSON))
        .insert_header((SIGNATURE, signature_header(key.kid(), &key.sign(&body))))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::signature_header;

    #[test]
    fn the_signature_header_names_the_key_and_carries_the_base64_signature() {
        let header = signature_header("kid-1", &[0xff; 64]);
        let base64 = format!("{}/w==", "/".repeat(84));
        assert_eq!(
            header,
            format!(r#"keyid="kid-1", alg="ed25519", signature="{base64}""#)
        );
    }
}
