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
    /// Accepts a JSON object whose serialised form is at most 16 KiB.
    pub fn parse(value: Value) -> Result<Self, ValidationError> {
        let Value::Object(map) = value else {
            return Err(ValidationError::new("must be a JSON object"));
        };
        if Value::Object(map.clone()).to_string().len() > MAX_METADATA_BYTES {
            return Err(ValidationError::new("must be at most 16 KiB"));
        }
        Ok(Self(map))
    }

    /// The object as a JSON value.
    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
