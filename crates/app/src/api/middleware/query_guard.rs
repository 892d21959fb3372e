//! A query string holding a NUL (`%00`) is refused with 400 `INVALID_QUERY` before any
//! handler runs: PostgreSQL cannot compare text that holds one (it answered a 500), and
//! no stored value can hold one, so no filter could ever match it.

use actix_web::ResponseError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::AppError;

/// The middleware.
pub async fn query_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.query_string().contains("%00") {
        let error = AppError::bad_request(
            "INVALID_QUERY",
            "the query string must not contain a NUL character (%00)",
        );
        return Ok(req.into_response(error.error_response()));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
