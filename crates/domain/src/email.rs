//! E-mail addresses, normalised for comparison.

use std::fmt;

use serde::Serialize;
use validator::ValidateEmail;

use crate::ValidationError;

/// A syntactically valid e-mail address, trimmed and lower-cased.
///
/// `Debug` is redacted: addresses are personal data and must not reach logs.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses and normalises an address (at most 254 characters).
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let normalised = raw.trim().to_lowercase();
        if normalised.len() > 254 || !normalised.validate_email() {
            return Err(ValidationError::new("must be a valid email"));
        }
        Ok(Self(normalised))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_lower_cased_and_trimmed() {
        assert_eq!(
            Email::parse(" Ada@Example.COM ").map(|e| e.0),
            Ok("ada@example.com".into())
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in ["", "ada", "ada@", "@example.com", "a b@example.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn debug_does_not_print_the_address() {
        let email = Email::parse("ada@example.com").expect("valid");
        assert!(!format!("{email:?}").contains("ada"));
    }
}
