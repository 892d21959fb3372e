//! Every `code` an error answer can carry, with its status and meaning: the one list
//! the OpenAPI document's `ErrorCode` enum is built from.
//!
//! Invariant (tested in `tests/openapi.rs`): every code the server's source can emit is
//! listed here, and nothing else is. Runtime refusals also carry the validation codes
//! of `licentia_domain::validation::ValidationCode` (all but `VALID`).

use std::borrow::Cow;

use licentia_domain::validation::ValidationCode;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// One error code: the statuses it comes with and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCodeInfo {
    pub code: &'static str,
    pub statuses: &'static [u16],
    pub meaning: &'static str,
}

const fn code(
    code: &'static str,
    statuses: &'static [u16],
    meaning: &'static str,
) -> ErrorCodeInfo {
    ErrorCodeInfo {
        code,
        statuses,
        meaning,
    }
}

/// The codes of `AppError`s, framework failures and middleware, by status.
pub const ERROR_CODES: &[ErrorCodeInfo] = &[
    // 400
    code("INVALID_JSON", &[400], "the body is not valid JSON"),
    code("INVALID_BODY", &[400], "the body could not be read"),
    code(
        "INVALID_QUERY",
        &[400],
        "a query parameter is malformed or out of range",
    ),
    code(
        "BAD_REQUEST",
        &[400],
        "the framework refused the request as malformed",
    ),
    code(
        "SESSION_REQUIRED",
        &[400],
        "logout needs a session token, not an API key",
    ),
    code(
        "INVALID_IDEMPOTENCY_KEY",
        &[400],
        "Idempotency-Key must be 1 to 255 characters",
    ),
    // 401
    code(
        "MISSING_CREDENTIALS",
        &[401],
        "no API key or session token was sent",
    ),
    code(
        "INVALID_METRICS_TOKEN",
        &[401],
        "`GET /metrics` was called without the token `LICENTIA_METRICS_TOKEN` names",
    ),
    code(
        "INVALID_API_KEY",
        &[401],
        "the API key is malformed or unknown",
    ),
    code(
        "API_KEY_EXPIRED",
        &[401],
        "the API key is past its expiresAt",
    ),
    code(
        "API_KEY_REVOKED",
        &[401],
        "the API key was revoked (or rotated without grace)",
    ),
    code(
        "INVALID_SESSION",
        &[401],
        "the session token is malformed, unknown, logged out or expired",
    ),
    code(
        "ACCOUNT_DISABLED",
        &[401],
        "the operator disabled this account",
    ),
    code(
        "INVALID_CREDENTIALS",
        &[401],
        "wrong e-mail or password (the two are not told apart)",
    ),
    code(
        "INVALID_SITE_TOKEN",
        &[401],
        "the WordPress site token is not valid",
    ),
    // 403
    code(
        "INSUFFICIENT_SCOPE",
        &[403],
        "the credential lacks the scope the operation needs",
    ),
    code("ADMIN_ONLY", &[403], "the operation is for platform admins"),
    code(
        "PRODUCT_SCOPE",
        &[403],
        "a project-scoped key acted outside its product",
    ),
    code(
        "SCOPE_ESCALATION",
        &[403],
        "a key may only create keys with a subset of its scopes",
    ),
    code(
        "PRODUCT_SCOPE_ESCALATION",
        &[403],
        "a project-scoped key may only create keys of its product",
    ),
    code(
        "EXPIRY_ESCALATION",
        &[403],
        "a key may not create a key that outlives it",
    ),
    code(
        "REGISTRATION_CLOSED",
        &[403],
        "the operator closed registration",
    ),
    // 404
    code(
        "ROUTE_NOT_FOUND",
        &[404],
        "no route has this method and path",
    ),
    code("NOT_FOUND", &[404], "the resource does not exist"),
    code("USER_NOT_FOUND", &[404], "the user does not exist"),
    code(
        "API_KEY_NOT_FOUND",
        &[404],
        "the API key does not exist (or belongs to another account)",
    ),
    code(
        "PRODUCT_NOT_FOUND",
        &[404],
        "the product does not exist (or belongs to another account)",
    ),
    code(
        "CUSTOMER_NOT_FOUND",
        &[404],
        "the customer does not exist (or belongs to another account)",
    ),
    code(
        "LICENSE_NOT_FOUND",
        &[404],
        "the license does not exist (or belongs to another account)",
    ),
    code(
        "ACTIVATION_NOT_FOUND",
        &[404],
        "the activation does not exist (or belongs to another account)",
    ),
    code("DOMAIN_NOT_FOUND", &[404], "the domain is not on the list"),
    code(
        "PAYMENT_NOT_FOUND",
        &[404],
        "the payment does not exist (or belongs to another account)",
    ),
    code(
        "WEBHOOK_NOT_FOUND",
        &[404],
        "the webhook endpoint does not exist (or belongs to another account)",
    ),
    code(
        "DELIVERY_NOT_FOUND",
        &[404],
        "the delivery does not exist for this endpoint",
    ),
    code(
        "INJECTABLE_NOT_FOUND",
        &[404],
        "the injectable does not exist (or belongs to another account)",
    ),
    code(
        "SITE_NOT_FOUND",
        &[404],
        "the site does not exist (or belongs to another account)",
    ),
    // 405
    code(
        "METHOD_NOT_ALLOWED",
        &[405],
        "the path exists, but not with this method",
    ),
    // 409
    code(
        "CONFLICT",
        &[409],
        "the request conflicts with an existing resource",
    ),
    code("EMAIL_TAKEN", &[409], "an account with this e-mail exists"),
    code(
        "SLUG_TAKEN",
        &[409],
        "the slug is taken (per account for products, per product for injectables)",
    ),
    code(
        "EXTERNAL_ID_TAKEN",
        &[409],
        "a customer with this externalId exists",
    ),
    code(
        "LICENSE_KEY_TAKEN",
        &[409],
        "a license with this key exists",
    ),
    code("DOMAIN_EXISTS", &[409], "the domain is already listed"),
    code(
        "PAYMENT_EXISTS",
        &[409],
        "a payment with this provider and providerRef is recorded",
    ),
    code(
        "PRODUCT_HAS_LICENSES",
        &[409],
        "the product still has licenses; pass ?force=true",
    ),
    code(
        "INVALID_STATUS_TRANSITION",
        &[409],
        "the lifecycle table refuses this status change",
    ),
    code(
        "WEBHOOK_DISABLED",
        &[409],
        "nothing is sent to a disabled endpoint",
    ),
    code(
        "DELIVERY_IN_FLIGHT",
        &[409],
        "an attempt of this delivery is under way",
    ),
    code(
        "IDEMPOTENCY_KEY_REUSED",
        &[409],
        "the Idempotency-Key was used with a different request",
    ),
    code(
        "IDEMPOTENCY_KEY_IN_USE",
        &[409],
        "the first request with this Idempotency-Key still runs",
    ),
    // 413, 415, 422, 429
    code(
        "PAYLOAD_TOO_LARGE",
        &[413],
        "the body is larger than the server's limit",
    ),
    code(
        "UNSUPPORTED_MEDIA_TYPE",
        &[415],
        "the body must be sent as application/json",
    ),
    code(
        "VALIDATION_FAILED",
        &[422],
        "fields are missing or invalid; see details",
    ),
    code("RATE_LIMITED", &[429], "over a rate limit; see Retry-After"),
    // 5xx
    code(
        "INTERNAL_ERROR",
        &[500],
        "an unexpected failure (logged; the answer is opaque)",
    ),
    code(
        "SERVICE_UNAVAILABLE",
        &[503],
        "the database cannot be reached",
    ),
    code(
        "SIGNING_UNAVAILABLE",
        &[503],
        "signing keys are not loaded yet",
    ),
    code(
        "ERROR",
        &[],
        "any other framework failure, with its own status",
    ),
];

/// The statuses a runtime refusal with `code` comes with: 404 for an unknown key, 409
/// at the activation limit, 403 otherwise (and always 403 from `injectables`).
pub fn refusal_statuses(code: ValidationCode) -> &'static [u16] {
    match code {
        ValidationCode::NotFound => &[404, 403],
        ValidationCode::TooManyActivations => &[409],
        _ => &[403],
    }
}

/// Every code an error answer can carry: [`ERROR_CODES`], then the validation codes
/// a runtime refusal carries (`NOT_FOUND` is in both and listed once).
pub fn all() -> Vec<ErrorCodeInfo> {
    let mut codes = ERROR_CODES.to_vec();
    for validation in ValidationCode::ALL {
        if validation == ValidationCode::Valid
            || codes.iter().any(|c| c.code == validation.as_str())
        {
            continue;
        }
        codes.push(code(
            validation.as_str(),
            refusal_statuses(validation),
            validation.detail(),
        ));
    }
    codes
}

/// The `ErrorCode` schema: a string enum of [`all`], described as a table.
#[derive(Debug)]
pub struct ErrorCode;

impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> RefOr<Schema> {
        let codes = all();
        let mut description = String::from(
            "Stable, machine-readable error codes. Runtime refusals (403/404/409 from \
             activate, heartbeat, checkout, injectables and the WordPress endpoints) \
             carry the validation code.\n\n| code | status | meaning |\n|---|---|---|\n",
        );
        for info in &codes {
            let statuses: Vec<String> = info.statuses.iter().map(u16::to_string).collect();
            let statuses = if statuses.is_empty() {
                "any".to_owned()
            } else {
                statuses.join(", ")
            };
            description.push_str(&format!(
                "| `{}` | {statuses} | {} |\n",
                info.code, info.meaning
            ));
        }
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
            .enum_values(Some(codes.iter().map(|c| c.code)))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorCode")
    }
}
