//! Turning request bodies into domain values, collecting every field's problem.
//!
//! Request types keep fields optional so that a missing field is reported like any
//! other invalid field — a 422 with `details` — rather than as a parse failure.

use licentia_domain::ValidationError;
use serde::{Deserialize, Deserializer};

use crate::error::{AppError, FieldError};

/// Collects field errors while parsing one request.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// Parses a required field: `None` is "is required".
    pub fn required<R, T>(
        &mut self,
        field: &str,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, ValidationError>,
    ) -> Option<T> {
        match raw {
            Some(raw) => self.check(field, parse(raw)),
            None => {
                self.reject(field, "is required");
                None
            }
        }
    }

    /// Parses an optional field: absent stays absent.
    pub fn optional<R, T>(
        &mut self,
        field: &str,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, ValidationError>,
    ) -> Option<T> {
        raw.and_then(|raw| self.check(field, parse(raw)))
    }

    /// Parses a field of a PATCH: absent (`None`), null (`Some(None)`) or a value.
    pub fn patch<R, T>(
        &mut self,
        field: &str,
        raw: Option<Option<R>>,
        parse: impl FnOnce(R) -> Result<T, ValidationError>,
    ) -> Option<Option<T>> {
        match raw {
            None => None,
            Some(None) => Some(None),
            Some(Some(raw)) => self.check(field, parse(raw)).map(Some),
        }
    }

    /// Records the outcome of a parse.
    pub fn check<T>(&mut self, field: &str, result: Result<T, ValidationError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.reject(field, error.message());
                None
            }
        }
    }

    /// Records a problem found by the caller.
    pub fn reject(&mut self, field: &str, message: &str) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        });
    }

    /// Adds the errors of a nested object under `prefix` (`licenses[3].email`).
    pub fn absorb(&mut self, prefix: &str, other: Fields) {
        self.errors
            .extend(other.errors.into_iter().map(|e| FieldError {
                field: format!("{prefix}.{}", e.field),
                message: e.message,
            }));
    }

    /// Whether nothing was rejected so far.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(value)` when every field parsed, else the 422. `build` runs only when clean.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, AppError> {
        if !self.errors.is_empty() {
            return Err(AppError::validation(self.errors));
        }
        build().ok_or_else(|| AppError::internal("a parsed field went missing"))
    }
}

/// Deserialises a field that may be absent, `null`, or a value, keeping the three apart
/// (use with `#[serde(default, deserialize_with = "nullable")]`).
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Parses an RFC 3339 timestamp.
pub fn timestamp(raw: String) -> Result<time::OffsetDateTime, ValidationError> {
    time::OffsetDateTime::parse(&raw, &time::format_description::well_known::Rfc3339)
        .map(|t| t.to_offset(time::UtcOffset::UTC))
        .map_err(|_| {
            ValidationError::new("must be an RFC 3339 timestamp such as 2026-01-01T00:00:00Z")
        })
}

/// Parses a UUID of a referenced resource.
pub fn uuid<T: std::str::FromStr>(raw: String) -> Result<T, ValidationError> {
    raw.parse()
        .map_err(|_| ValidationError::new("must be a UUID"))
}
