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

/// [`License`](crate::license::License) delegates to these, and its tests cover them.
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
