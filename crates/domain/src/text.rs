//! Bounded free text: names, descriptions, reasons.

use serde::Serialize;

use crate::ValidationError;

/// Human text of 1..=`MAX` characters after trimming, with no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct BoundedText<const MAX: usize>(String);

impl<const MAX: usize> BoundedText<MAX> {
    /// Trims `raw` and checks its length and characters.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::new("must not be empty"));
        }
        if trimmed.chars().count() > MAX {
            return Err(ValidationError::owned(format!(
                "must be at most {MAX} characters"
            )));
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(ValidationError::new("must not contain control characters"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The owned text.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A display name (user, product, customer, API key): up to 200 characters.
pub type Name = BoundedText<200>;
/// A longer description: up to 5 000 characters.
pub type Description = BoundedText<5000>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed() {
        assert_eq!(
            Name::parse("  Acme  ").map(Name::into_inner),
            Ok("Acme".into())
        );
    }

    #[test]
    fn blank_and_overlong_names_are_refused() {
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"x".repeat(201)).is_err());
        assert!(Name::parse(&"x".repeat(200)).is_ok());
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(Name::parse("a\u{0}b").is_err());
    }
}
