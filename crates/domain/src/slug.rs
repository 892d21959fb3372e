//! Product slugs: `[a-z0-9-]{2,64}`.

use serde::Serialize;

use crate::ValidationError;

/// A URL-safe identifier, unique per account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    /// Accepts 2..=64 characters of `a-z`, `0-9` and `-`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let valid_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !(2..=64).contains(&raw.len()) || !valid_chars {
            return Err(ValidationError::new(
                "must be 2 to 64 characters of a-z, 0-9 and '-'",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_spec_pattern() {
        assert!(Slug::parse("my-app-2").is_ok());
        assert!(Slug::parse("a").is_err());
        assert!(Slug::parse("My-App").is_err());
        assert!(Slug::parse("my_app").is_err());
        assert!(Slug::parse(&"a".repeat(65)).is_err());
    }
}
