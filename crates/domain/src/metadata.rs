//! Vendor-defined metadata: a JSON object of at most 16 KiB.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::ValidationError;

/// The largest serialised size of a metadata object.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

/// A JSON object the vendor attaches to a resource; we store it, never interpret it.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(transparent)]
pub struct Metadata(Map<String, Value>);

impl Metadata {
    /// Accepts a JSON object whose serialised form is at most 16 KiB, with no NUL
    /// character (`\u0000`) in any key or string (PostgreSQL cannot store one).
    pub fn parse(value: Value) -> Result<Self, ValidationError> {
        let Value::Object(map) = value else {
            return Err(ValidationError::new("must be a JSON object"));
        };
        let value = Value::Object(map);
        if holds_nul(&value) {
            return Err(ValidationError::new(
                "must not contain the NUL character (\\u0000)",
            ));
        }
        if value.to_string().len() > MAX_METADATA_BYTES {
            return Err(ValidationError::new("must be at most 16 KiB"));
        }
        let Value::Object(map) = value else {
            return Err(ValidationError::new("must be a JSON object"));
        };
        Ok(Self(map))
    }

    /// The object as a JSON value.
    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

/// Whether a NUL character is in any key or string of `value`.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_characters_are_refused_in_keys_and_nested_strings() {
        assert!(Metadata::parse(json!({"a\u{0}": 1})).is_err());
        assert!(Metadata::parse(json!({"a": {"b": ["x", "y\u{0}"]}})).is_err());
        assert!(Metadata::parse(json!({"a": {"b": ["x", "y"]}})).is_ok());
    }

    #[test]
    fn only_objects_are_metadata() {
        assert!(Metadata::parse(json!({"crm": 1})).is_ok());
        assert!(Metadata::parse(json!([1])).is_err());
        assert!(Metadata::parse(json!("x")).is_err());
    }

    #[test]
    fn metadata_is_bounded_to_16_kib() {
        assert!(Metadata::parse(json!({"k": "x".repeat(MAX_METADATA_BYTES)})).is_err());
        assert!(Metadata::parse(json!({"k": "x".repeat(1000)})).is_ok());
    }
}
