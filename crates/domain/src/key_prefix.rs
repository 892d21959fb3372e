//! The per-product prefix of generated license keys.

use serde::Serialize;

use crate::ValidationError;

/// 2..=8 characters of `A-Z0-9`; `LIC` unless the product says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct KeyPrefix(String);

impl KeyPrefix {
    /// The fewest characters of a prefix.
    pub const MIN_LEN: usize = 2;
    /// The most characters of a prefix.
    pub const MAX_LEN: usize = 8;

    /// Accepts 2..=8 upper-case letters and digits.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let valid = (Self::MIN_LEN..=Self::MAX_LEN).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !valid {
            return Err(ValidationError::new(
                "must be 2 to 8 characters of A-Z and 0-9",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The prefix.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for KeyPrefix {
    fn default() -> Self {
        Self("LIC".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_two_to_eight_upper_case_alphanumerics() {
        assert!(KeyPrefix::parse("LIC").is_ok());
        assert!(KeyPrefix::parse("AB12CD34").is_ok());
        assert!(KeyPrefix::parse("L").is_err());
        assert!(KeyPrefix::parse("lic").is_err());
        assert!(KeyPrefix::parse("ABCDEFGHI").is_err());
    }
}
