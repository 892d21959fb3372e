//! A panic in a handler becomes a logged, opaque 500 in the envelope, not a dropped
//! connection.
//!
//! The request itself is gone once a handler panics, so the answer is returned as an
//! error that carries its complete response, request id included.

use std::panic::AssertUnwindSafe;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError};
use futures_util::FutureExt;

use super::request_id::{REQUEST_ID, RequestId};
use crate::error::AppError;

/// Catches panics of everything inside it.
pub async fn panic_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = req.extensions().get::<RequestId>().cloned();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result.map(ServiceResponse::map_into_boxed_body),
        Err(panic) => {
            let reason = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            let mut response =
                AppError::internal(format!("handler panicked: {reason}")).error_response();
            if let Some(value) = request_id.and_then(|RequestId(id)| id.parse().ok()) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            Err(InternalError::from_response("handler panicked", response).into())
        }
    }
}
