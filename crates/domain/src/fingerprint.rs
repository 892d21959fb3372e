//! Device fingerprints sent by running copies of the software.

use serde::Serialize;

use crate::ValidationError;

/// An opaque machine identifier: 1..=255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Accepts 1..=255 printable ASCII characters (no spaces around it).
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        let valid = (1..=255).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic());
        if !valid {
            return Err(ValidationError::new(
                "must be 1 to 255 visible ASCII characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The fingerprint.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_visible_ascii() {
        assert!(Fingerprint::parse("a1:b2:c3").is_ok());
        assert!(Fingerprint::parse("").is_err());
        assert!(Fingerprint::parse("has space").is_err());
        assert!(Fingerprint::parse(&"f".repeat(256)).is_err());
    }
}
