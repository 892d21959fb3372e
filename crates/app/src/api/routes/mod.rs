//! One module per resource.

pub mod accounts;
pub mod activations;
pub mod analytics;
pub mod api_keys;
pub mod customers;
pub mod health;
pub mod injectables;
pub mod licenses;
pub mod metrics;
pub mod openapi;
pub mod payments;
pub mod products;
pub mod runtime;
pub mod sites;
pub mod webhooks;
pub mod wordpress;

use crate::error::AppError;

/// Parses an id from the path; anything that is not a UUID cannot exist: 404.
pub(crate) fn path_id<T: std::str::FromStr>(
    raw: &str,
    resource: &'static str,
) -> Result<T, AppError> {
    raw.parse()
        .map_err(|_| AppError::not_found(resource, raw.escape_debug()))
}
