//! The rules' refusal of a change, raised while the change is being decided.

use crate::ValidationError;
use crate::license_status::InvalidTransition;
use crate::payment::InvalidPaymentTransition;

/// Why the rules refused a change to an existing resource.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// The lifecycle table forbids it.
    #[error(transparent)]
    Transition(#[from] InvalidTransition),
    /// The payment lifecycle table forbids it.
    #[error(transparent)]
    PaymentTransition(#[from] InvalidPaymentTransition),
    /// An expired license only becomes active again with a future expiry.
    #[error("an expired license becomes ACTIVE only when renewed with a future expiresAt")]
    NeedsRenewal,
    /// A field value breaks a rule.
    #[error("{field}: {error}")]
    Invalid {
        field: &'static str,
        error: ValidationError,
    },
}
