//! The one error every fallible value constructor returns.

use std::borrow::Cow;

/// Why a raw value was refused by a domain constructor.
///
/// The message is written for the API caller ("must be a valid email"); it never
/// repeats the rejected value, so it is safe to log and to return.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(Cow<'static, str>);

impl ValidationError {
    /// A refusal with a fixed explanation.
    pub const fn new(message: &'static str) -> Self {
        Self(Cow::Borrowed(message))
    }

    /// A refusal whose explanation is built at run time.
    pub fn owned(message: String) -> Self {
        Self(Cow::Owned(message))
    }

    /// The explanation, for the `details[].message` of a 422 answer.
    pub fn message(&self) -> &str {
        &self.0
    }
}
