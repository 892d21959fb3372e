//! Framework extractor failures in the envelope: bad JSON is 400, a wrong content
//! type 415, an oversized body 413, a body of the wrong shape 422, a bad query 400.

use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};

use crate::error::{AppError, FieldError};

/// JSON bodies: limit and error mapping.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|error, _req: &HttpRequest| {
            let app_error = match &error {
                JsonPayloadError::ContentType => AppError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "UNSUPPORTED_MEDIA_TYPE",
                    "send the body as application/json",
                ),
                JsonPayloadError::Overflow { limit }
                | JsonPayloadError::OverflowKnownLength { limit, .. } => AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "PAYLOAD_TOO_LARGE",
                    format!("the body is larger than {limit} bytes"),
                ),
                JsonPayloadError::Deserialize(e) if e.is_data() => {
                    AppError::validation(vec![FieldError {
                        field: "body".into(),
                        message: e.to_string(),
                    }])
                }
                JsonPayloadError::Deserialize(e) => AppError::bad_request(
                    "INVALID_JSON",
                    format!("the body is not valid JSON: {e}"),
                ),
                other => AppError::bad_request("INVALID_BODY", other.to_string()),
            };
            app_error.into()
        })
}

/// Raw bodies (read by the idempotency layer): the same limit.
pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::default().limit(limit)
}

/// Query strings: any parse failure is 400 `INVALID_QUERY`.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req: &HttpRequest| {
        let message = match &error {
            QueryPayloadError::Deserialize(e) => format!("invalid query string: {e}"),
            other => other.to_string(),
        };
        AppError::bad_request("INVALID_QUERY", message).into()
    })
}
