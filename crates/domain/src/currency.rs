//! ISO 4217 currency codes: three uppercase letters from the list of active codes.

use std::fmt;

use crate::ValidationError;

/// The active ISO 4217 alphabetic codes (SIX list, 2026), without `XTS` (testing) and
/// `XXX` (no currency). Withdrawn codes (`HRK`, `CUC`, `ZWL`, `ANG`, `SLL`) are refused.
pub const ACTIVE_CODES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK",
    "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD",
    "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD",
    "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT",
    "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK",
    "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP",
    "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS",
    "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST",
    "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD", "XPF",
    "XPT", "XSU", "XUA", "YER", "ZAR", "ZMW", "ZWG",
];

/// An active ISO 4217 currency code, always uppercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(&'static str);

impl Currency {
    /// Accepts exactly three uppercase ASCII letters naming an active currency.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.len() != 3 || !raw.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ValidationError::new(
                "must be an ISO 4217 code of three uppercase letters such as EUR",
            ));
        }
        ACTIVE_CODES
            .iter()
            .find(|code| **code == raw)
            .map(|code| Self(code))
            .ok_or(ValidationError::new(
                "must be an active ISO 4217 currency code",
            ))
    }

    /// The code (`EUR`).
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_unique_and_well_formed() {
        assert!(ACTIVE_CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(
            ACTIVE_CODES
                .iter()
                .all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
    }

    #[test]
    fn common_codes_parse() {
        for code in ["EUR", "USD", "JPY", "GBP", "CHF", "BHD"] {
            assert_eq!(Currency::parse(code).map(Currency::as_str), Ok(code));
        }
    }

    #[test]
    fn lowercase_odd_lengths_and_unknown_codes_are_refused() {
        for raw in [
            "eur", "Eur", "EU", "EURO", "", "E1R", "ABC", "XXX", "XTS", "HRK", " EUR",
        ] {
            assert!(Currency::parse(raw).is_err(), "{raw:?}");
        }
    }
}
