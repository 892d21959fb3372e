//! The payment status lifecycle: one transition table.
//!
//! ```text
//! PENDING   → SUCCEEDED | FAILED
//! SUCCEEDED → REFUNDED
//! FAILED, REFUNDED → (final)
//! ```
//! Setting the status a payment already has is accepted and changes nothing (a
//! provider's retried notification), as with licenses.

use std::fmt;
use std::str::FromStr;

use crate::ValidationError;

/// Where a payment is in its life (lowercase on the wire: `succeeded`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    Pending,
    Succeeded,
    Failed,
    Refunded,
}

/// The table refuses this change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a payment cannot go from {from} to {to}")]
pub struct InvalidPaymentTransition {
    pub from: PaymentStatus,
    pub to: PaymentStatus,
}

impl PaymentStatus {
    /// Every status.
    pub const ALL: [PaymentStatus; 4] =
        [Self::Pending, Self::Succeeded, Self::Failed, Self::Refunded];

    /// The wire and storage name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Refunded => "refunded",
        }
    }

    /// Checks `self → to` against the table: `Ok(true)` for a change, `Ok(false)` when
    /// the status stays the same.
    pub fn transition(self, to: PaymentStatus) -> Result<bool, InvalidPaymentTransition> {
        use PaymentStatus::*;
        match (self, to) {
            _ if self == to => Ok(false),
            (Pending, Succeeded | Failed) | (Succeeded, Refunded) => Ok(true),
            _ => Err(InvalidPaymentTransition { from: self, to }),
        }
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PaymentStatus {
    type Err = ValidationError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or(ValidationError::new(
                "must be one of succeeded, pending, failed, refunded",
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::PaymentStatus::*;
    use super::*;

    /// The table, written out independently of the `match` above.
    const ALLOWED: [(PaymentStatus, PaymentStatus); 3] = [
        (Pending, Succeeded),
        (Pending, Failed),
        (Succeeded, Refunded),
    ];

    #[test]
    fn every_pair_follows_the_table() {
        for from in PaymentStatus::ALL {
            for to in PaymentStatus::ALL {
                let result = from.transition(to);
                if from == to {
                    assert_eq!(result, Ok(false));
                } else if ALLOWED.contains(&(from, to)) {
                    assert_eq!(result, Ok(true), "{from} → {to}");
                } else {
                    assert_eq!(
                        result,
                        Err(InvalidPaymentTransition { from, to }),
                        "{from} → {to}"
                    );
                }
            }
        }
    }

    #[test]
    fn names_round_trip_and_are_lowercase_only() {
        for status in PaymentStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        assert!("SUCCEEDED".parse::<PaymentStatus>().is_err());
        assert!("paid".parse::<PaymentStatus>().is_err());
    }
}
