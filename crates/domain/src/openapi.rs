//! OpenAPI schemas (the `openapi` feature) that a derive cannot express: the
//! constraints the parsers enforce on a value serialised as a plain string.
//!
//! The other types the HTTP API serialises as they are (ids, plans, statuses,
//! validation codes, tiers, roles) derive `utoipa::ToSchema` beside their definition.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use crate::plan::Feature;

impl utoipa::PartialSchema for Feature {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A feature flag a license unlocks."))
            .min_length(Some(1))
            .max_length(Some(100))
            .pattern(Some("^[A-Za-z0-9_.:-]+$"))
            .examples(["sync"])
            .into()
    }
}

impl utoipa::ToSchema for Feature {}
