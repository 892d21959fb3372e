//! Payment provider names: `stripe`, `paddle`, `manual` — compared case-insensitively.

use crate::ValidationError;
use crate::text::BoundedText;

/// A provider's name, trimmed and lowercased (`Stripe` is `stripe`), up to 64
/// characters, so that a reference cannot be recorded twice under two spellings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Provider(String);

impl Provider {
    /// Trims, checks and lowercases `raw`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        BoundedText::<64>::parse(raw).map(|text| Self(text.as_str().to_lowercase()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_lowercased() {
        assert_eq!(
            Provider::parse("  Stripe ").map(|p| p.as_str().to_owned()),
            Ok("stripe".to_owned())
        );
    }

    #[test]
    fn blank_and_overlong_names_are_refused() {
        assert!(Provider::parse(" ").is_err());
        assert!(Provider::parse(&"p".repeat(65)).is_err());
        assert!(Provider::parse(&"p".repeat(64)).is_ok());
    }
}
