//! `AppError`: the one place errors become HTTP answers in the SPEC's envelope.
//!
//! `{"error": "Not Found", "message": "…", "code": "LICENSE_NOT_FOUND", "details": […]}`.
//! Codes are stable; 500s are opaque to clients and logged with their cause.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use licentia_domain::ValidationError;
use licentia_domain::refusal::Refusal;
use licentia_ports::{RepositoryError, UniqueField};
use serde::Serialize;
use utoipa::ToSchema;

pub mod codes;

/// One field's problem, in a 422 answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, as sent (`email`, `plans[0].name`, `body`).
    #[schema(example = "email")]
    pub field: String,
    #[schema(example = "must be a valid email")]
    pub message: String,
}

/// An error answer: status, stable code, human message, optional field details.
#[derive(Debug, Clone)]
pub struct AppError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Vec<FieldError>,
}

/// The error envelope: `{error, message, code, details?}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Error, example = json!({
    "error": "Not Found",
    "message": "license 0198c1d2-7f6e-7a10-9c4b-2f1e3d4c5b6a does not exist",
    "code": "LICENSE_NOT_FOUND"
}))]
pub struct ErrorEnvelope<'a> {
    /// The status's reason phrase (`Not Found`).
    error: &'a str,
    /// A human sentence; may change between versions.
    message: &'a str,
    /// The stable code to branch on.
    #[schema(value_type = codes::ErrorCode)]
    code: &'a str,
    /// Every invalid field, on 422 `VALIDATION_FAILED`.
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    #[schema(value_type = Vec<FieldError>)]
    details: &'a [FieldError],
}

/// The schema of the error envelope, for the OpenAPI document.
pub type ErrorBody = ErrorEnvelope<'static>;

impl AppError {
    /// An answer with any status.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// 400: malformed input.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403.
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 404 for a resource (`"license"` → `LICENSE_NOT_FOUND`).
    pub fn not_found(resource: &'static str, id: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            not_found_code(resource),
            format!("{resource} {id} does not exist"),
        )
    }

    /// 409.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 422 with per-field details.
    pub fn validation(details: Vec<FieldError>) -> Self {
        let message = match details.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid", details.len()),
        };
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "VALIDATION_FAILED",
            message,
            details,
        }
    }

    /// 422 for one field.
    pub fn invalid_field(field: impl Into<String>, error: &ValidationError) -> Self {
        Self::validation(vec![FieldError {
            field: field.into(),
            message: error.message().to_owned(),
        }])
    }

    /// 503: the database cannot be reached.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "the database is unavailable, retry shortly",
        )
    }

    /// 500: logged with its cause, opaque to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "an internal error occurred",
        )
    }

    /// Maps a port error about `resource` (used in "does not exist" messages).
    pub fn from_repository(
        error: RepositoryError,
        resource: &'static str,
        id: impl std::fmt::Display,
    ) -> Self {
        match error {
            RepositoryError::NotFound => Self::not_found(resource, id),
            RepositoryError::Conflict(field) => conflict_for(field),
            RepositoryError::InUse => Self::conflict(
                "PRODUCT_HAS_LICENSES",
                "the product still has licenses; delete them first or pass ?force=true",
            ),
            RepositoryError::MissingReference(what) => Self::validation(vec![FieldError {
                field: format!("{what}Id"),
                message: format!("{what} does not exist"),
            }]),
            RepositoryError::Refused(refusal) => Self::from(refusal),
            RepositoryError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                Self::unavailable()
            }
            RepositoryError::Internal(detail) => Self::internal(detail),
        }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The envelope, serialised.
    pub fn body(&self) -> String {
        envelope_body(self.status, self.code, &self.message, &self.details)
    }
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Transition(t) => Self::conflict("INVALID_STATUS_TRANSITION", t.to_string()),
            Refusal::PaymentTransition(t) => {
                Self::conflict("INVALID_STATUS_TRANSITION", t.to_string())
            }
            Refusal::NeedsRenewal => {
                Self::conflict("INVALID_STATUS_TRANSITION", refusal.to_string())
            }
            Refusal::Invalid { field, error } => Self::invalid_field(field, &error),
        }
    }
}

fn conflict_for(field: UniqueField) -> AppError {
    let (code, message) = match field {
        UniqueField::Email => ("EMAIL_TAKEN", "an account with this email already exists"),
        UniqueField::Slug => ("SLUG_TAKEN", "a product with this slug already exists"),
        UniqueField::ExternalId => (
            "EXTERNAL_ID_TAKEN",
            "a customer with this externalId already exists",
        ),
        UniqueField::LicenseKey => (
            "LICENSE_KEY_TAKEN",
            "a license with this key already exists",
        ),
        UniqueField::Domain => ("DOMAIN_EXISTS", "this domain is already listed"),
        UniqueField::InjectableSlug => (
            "SLUG_TAKEN",
            "an injectable with this slug already exists in the product",
        ),
        UniqueField::ProviderRef => (
            "PAYMENT_EXISTS",
            "a payment with this provider and providerRef is already recorded",
        ),
        UniqueField::Other => (
            "CONFLICT",
            "the request conflicts with an existing resource",
        ),
    };
    AppError::conflict(code, message)
}

fn not_found_code(resource: &'static str) -> &'static str {
    match resource {
        "license" => "LICENSE_NOT_FOUND",
        "product" => "PRODUCT_NOT_FOUND",
        "customer" => "CUSTOMER_NOT_FOUND",
        "api key" => "API_KEY_NOT_FOUND",
        "activation" => "ACTIVATION_NOT_FOUND",
        "webhook" => "WEBHOOK_NOT_FOUND",
        "delivery" => "DELIVERY_NOT_FOUND",
        "injectable" => "INJECTABLE_NOT_FOUND",
        "site" => "SITE_NOT_FOUND",
        "payment" => "PAYMENT_NOT_FOUND",
        "domain" => "DOMAIN_NOT_FOUND",
        "user" => "USER_NOT_FOUND",
        _ => "NOT_FOUND",
    }
}

/// The envelope body for any status, code and message.
pub fn envelope_body(
    status: StatusCode,
    code: &str,
    message: &str,
    details: &[FieldError],
) -> String {
    serde_json::to_string(&ErrorEnvelope {
        error: status.canonical_reason().unwrap_or("Error"),
        message,
        code,
        details,
    })
    .unwrap_or_else(|_| String::from(r#"{"error":"Internal Server Error","message":"an internal error occurred","code":"INTERNAL_ERROR"}"#))
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .content_type("application/json")
            .body(envelope_body(
                self.status,
                self.code,
                &self.message,
                &self.details,
            ))
    }
}
