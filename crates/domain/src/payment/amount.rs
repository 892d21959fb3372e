//! Amounts of money in minor units (cents): positive whole numbers, never floats.

use crate::ValidationError;

/// The largest amount accepted: 10^15 minor units (ten trillion euros), so that totals
/// of many payments stay far from overflow and exact in JavaScript (below 2^53).
pub const MAX_MINOR_UNITS: i64 = 1_000_000_000_000_000;

/// A positive amount in the currency's minor unit (`1999` EUR is 19.99 €).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Amount(i64);

impl Amount {
    /// Accepts 1..=[`MAX_MINOR_UNITS`].
    pub fn new(minor_units: i64) -> Result<Self, ValidationError> {
        if minor_units > MAX_MINOR_UNITS {
            Err(ValidationError::new("is too large"))
        } else if minor_units > 0 {
            Ok(Self(minor_units))
        } else {
            Err(ValidationError::new(
                "must be a positive amount in minor units",
            ))
        }
    }

    /// Accepts a JSON integer only: `19.99`, `"1999"` and `1e3` are refused.
    pub fn from_json(raw: &serde_json::Value) -> Result<Self, ValidationError> {
        match raw.as_i64() {
            Some(n) => Self::new(n),
            None if raw.is_u64() => Err(ValidationError::new("is too large")),
            None => Err(ValidationError::new(
                "must be a whole number of minor units (1999 for 19.99)",
            )),
        }
    }

    /// The minor units.
    pub const fn minor_units(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn positive_integers_are_amounts() {
        assert_eq!(
            Amount::from_json(&json!(1999)).map(Amount::minor_units),
            Ok(1999)
        );
        assert_eq!(Amount::from_json(&json!(1)).map(Amount::minor_units), Ok(1));
        assert_eq!(
            Amount::from_json(&json!(MAX_MINOR_UNITS)).map(Amount::minor_units),
            Ok(MAX_MINOR_UNITS)
        );
    }

    #[test]
    fn zero_negatives_fractions_strings_and_overflow_are_refused() {
        for raw in [
            json!(0),
            json!(-5),
            json!(19.99),
            json!(10.0),
            json!("1999"),
            json!(null),
            json!(u64::MAX),
            json!(i64::MAX),
            json!(MAX_MINOR_UNITS + 1),
            json!([1]),
        ] {
            assert!(Amount::from_json(&raw).is_err(), "{raw}");
        }
    }
}
