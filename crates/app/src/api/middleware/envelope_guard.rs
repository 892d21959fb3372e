//! Every error answer is in the envelope, even those the framework makes itself
//! (405 Method Not Allowed, for example).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::middleware::Next;

use crate::error::envelope_body;

/// Wraps non-JSON error responses in the envelope.
pub async fn envelope_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let status = res.status();
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return Ok(res.map_into_boxed_body());
    }
    let code = match status.as_u16() {
        405 => "METHOD_NOT_ALLOWED",
        404 => "ROUTE_NOT_FOUND",
        413 => "PAYLOAD_TOO_LARGE",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        400 => "BAD_REQUEST",
        s if s >= 500 => "INTERNAL_ERROR",
        _ => "ERROR",
    };
    let message = status.canonical_reason().unwrap_or("Error").to_lowercase();
    let body = envelope_body(status, code, &message, &[]);
    Ok(res.map_body(|head, _| {
        head.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        BoxBody::new(body)
    }))
}
