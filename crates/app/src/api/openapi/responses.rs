//! The error answers every operation shares, added where they can happen: the routes
//! declare their success and their own errors (a 409 `SLUG_TAKEN`, a runtime 403);
//! the failures that come from the HTTP layer itself are added here, by rule, so no
//! route can forget one:
//!
//! | the operation… | may answer |
//! |---|---|
//! | takes a JSON body | 400 (bad JSON), 413, 415, 422 |
//! | takes query parameters | 400 `INVALID_QUERY` |
//! | has path parameters | 404 |
//! | needs a credential | 401, 403 |
//! | is an authenticated POST | 400 and 409 of `Idempotency-Key` (and the header) |
//! | is rate limited (all but health and this document) | 429 |
//! | reads the database or signs (all but `/v1/health` and this document) | 503 |
//!
//! Each shared answer is a named response in the components, whose description lists
//! the codes it carries (from `error::codes`).

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder,
};

use crate::error::codes;

/// Paths neither rate limited nor in need of the database.
const UNLIMITED: &[&str] = &["/v1/health", "/v1/health/ready", "/v1/openapi.json"];
/// Paths that answer without the database or the signing keys.
const NO_DATABASE: &[&str] = &["/v1/health", "/v1/openapi.json"];

/// The shared answers: status, component name, what it means.
const SHARED: &[(u16, &str, &str)] = &[
    (400, "BadRequest", "The request is malformed."),
    (
        401,
        "Unauthorized",
        "The credential is missing, unknown, expired or revoked.",
    ),
    (403, "Forbidden", "The credential may not do this."),
    (
        404,
        "NotFound",
        "It does not exist, or belongs to another account.",
    ),
    (409, "Conflict", "It conflicts with the current state."),
    (
        413,
        "PayloadTooLarge",
        "The body is larger than the server accepts.",
    ),
    (
        415,
        "UnsupportedMediaType",
        "The body must be application/json.",
    ),
    (
        422,
        "ValidationFailed",
        "Fields are missing or invalid; `details` names each.",
    ),
    (
        429,
        "RateLimited",
        "Over a rate limit; retry after `Retry-After` seconds.",
    ),
    (
        503,
        "ServiceUnavailable",
        "The database (or the signing keys) cannot be reached; retry shortly.",
    ),
];

fn name_of(status: u16) -> &'static str {
    SHARED
        .iter()
        .find(|(s, _, _)| *s == status)
        .map_or("BadRequest", |(_, name, _)| name)
}

/// Adds the shared answers to the components.
pub fn add_components(doc: &mut OpenApi) {
    let all = codes::all();
    let components = doc.components.get_or_insert_with(Default::default);
    for (status, name, meaning) in SHARED {
        let carried: Vec<String> = all
            .iter()
            .filter(|c| c.statuses.contains(status))
            .map(|c| format!("`{}`", c.code))
            .collect();
        let mut response = ResponseBuilder::new()
            .description(format!("{meaning} Codes: {}.", carried.join(", ")))
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Error")))
                    .build(),
            );
        if *status == 429 {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::Integer))
                    .description(Some("Seconds until the refused budget has room again."))
                    .build(),
            );
        }
        components
            .responses
            .insert((*name).to_owned(), RefOr::T(response.build()));
    }
}

/// Adds the shared answers each operation can give (see the module documentation).
pub fn add_to_operations(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_parameters = path.contains('{');
        let post = item.post.is_some();
        for (method, operation) in super::operations_with_methods_mut(item) {
            let statuses = statuses_of(path, method, operation, has_path_parameters);
            if method == "post" && post && is_authenticated(operation) {
                add_idempotency_key(operation);
            }
            for status in statuses {
                let key = status.to_string();
                operation
                    .responses
                    .responses
                    .entry(key)
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name_of(status))));
            }
        }
    }
}

fn is_authenticated(operation: &Operation) -> bool {
    operation.security.as_ref().is_some_and(|s| !s.is_empty())
}

fn statuses_of(
    path: &str,
    method: &str,
    operation: &Operation,
    has_path_parameters: bool,
) -> Vec<u16> {
    let mut statuses = Vec::new();
    if operation.request_body.is_some() {
        statuses.extend([400, 413, 415, 422]);
    }
    let has_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Query);
    if has_query {
        statuses.push(400);
    }
    if has_path_parameters {
        statuses.push(404);
    }
    if is_authenticated(operation) {
        statuses.extend([401, 403]);
        if method == "post" {
            statuses.extend([400, 409]);
        }
    }
    if !UNLIMITED.contains(&path) {
        statuses.push(429);
    }
    if !NO_DATABASE.contains(&path) {
        statuses.push(503);
    }
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

fn add_idempotency_key(operation: &mut Operation) {
    let parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "1 to 255 characters. The same key with the same body within 24 h replays \
             the first answer (with `Idempotent-Replayed: true`) instead of acting twice; \
             with another body it answers 409 `IDEMPOTENCY_KEY_REUSED`.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255)),
        ))
        .build();
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(parameter);
}
