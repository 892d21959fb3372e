//! License terms: the few fields of a license a validation verdict depends on.
//!
//! A validating server keeps one of these per license it has seen (its cache), so
//! they are small and `Copy`: no key, no names, no metadata.

use time::OffsetDateTime;

use crate::ids::{LicenseId, ProductId};
use crate::license_status::LicenseStatus;

/// What a verdict needs to know of a license.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicenseTerms {
    pub id: LicenseId,
    pub product_id: ProductId,
    /// The stored status; readers want [`LicenseTerms::effective_status`].
    pub status: LicenseStatus,
    /// `None`: never expires.
    pub expires_at: Option<OffsetDateTime>,
    /// `None`: unlimited.
    pub max_activations: Option<u32>,
    /// Floating seats: activations silent for twice this long free their seat.
    pub heartbeat_interval_seconds: Option<u32>,
}

impl LicenseTerms {
    /// The status every reader sees: a passed `expiresAt` makes a license EXPIRED
    /// whatever is stored, except REVOKED, which is final.
    pub fn effective_status(&self, now: OffsetDateTime) -> LicenseStatus {
        match self.status {
            LicenseStatus::Revoked => LicenseStatus::Revoked,
            _ if self.is_past_expiry(now) => LicenseStatus::Expired,
            stored => stored,
        }
    }

    /// Whether `expiresAt` has passed.
    pub fn is_past_expiry(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn terms(status: LicenseStatus, expires_at: Option<OffsetDateTime>) -> LicenseTerms {
        LicenseTerms {
            id: LicenseId::generate(),
            product_id: ProductId::generate(),
            status,
            expires_at,
            max_activations: None,
            heartbeat_interval_seconds: None,
        }
    }

    #[test]
    fn a_passed_expiry_reads_as_expired_except_for_a_revoked_license() {
        let past = Some(NOW - Duration::seconds(1));
        for status in [
            LicenseStatus::Active,
            LicenseStatus::Inactive,
            LicenseStatus::Suspended,
            LicenseStatus::Expired,
        ] {
            assert_eq!(
                terms(status, past).effective_status(NOW),
                LicenseStatus::Expired
            );
        }
        assert_eq!(
            terms(LicenseStatus::Revoked, past).effective_status(NOW),
            LicenseStatus::Revoked
        );
    }

    #[test]
    fn expiry_is_reached_at_the_instant_itself_not_before() {
        assert!(terms(LicenseStatus::Active, Some(NOW)).is_past_expiry(NOW));
        let ahead = Some(NOW + Duration::seconds(1));
        assert!(!terms(LicenseStatus::Active, ahead).is_past_expiry(NOW));
        assert_eq!(
            terms(LicenseStatus::Suspended, ahead).effective_status(NOW),
            LicenseStatus::Suspended
        );
        assert!(!terms(LicenseStatus::Active, None).is_past_expiry(NOW));
    }
}
