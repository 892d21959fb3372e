//! The license status lifecycle: one transition table (SPEC §7).
//!
//! ```text
//! INACTIVE  → ACTIVE
//! ACTIVE    → INACTIVE | SUSPENDED | REVOKED | EXPIRED
//! SUSPENDED → ACTIVE | REVOKED
//! EXPIRED   → ACTIVE            (renewal with a future expiry)
//! REVOKED   → (final)
//! ```
//! Setting the status a license already has is accepted and changes nothing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::event::EventType;

/// Where a license is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LicenseStatus {
    Inactive,
    Active,
    Suspended,
    Revoked,
    Expired,
}

/// The outcome of asking for a status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The license already has that status.
    Unchanged,
    /// A real change, announced by this event.
    Changed(EventType),
}

/// The table refuses this change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a license cannot go from {from} to {to}")]
pub struct InvalidTransition {
    pub from: LicenseStatus,
    pub to: LicenseStatus,
}

impl LicenseStatus {
    /// Every status.
    pub const ALL: [LicenseStatus; 5] = [
        Self::Inactive,
        Self::Active,
        Self::Suspended,
        Self::Revoked,
        Self::Expired,
    ];

    /// The wire and storage name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Inactive => "INACTIVE",
            Self::Active => "ACTIVE",
            Self::Suspended => "SUSPENDED",
            Self::Revoked => "REVOKED",
            Self::Expired => "EXPIRED",
        }
    }

    /// Checks `self → to` against the lifecycle table.
    pub fn transition(self, to: LicenseStatus) -> Result<Transition, InvalidTransition> {
        use LicenseStatus::*;
        if self == to {
            return Ok(Transition::Unchanged);
        }
        let event = match (self, to) {
            (Inactive, Active) => EventType::LicenseUpdated,
            (Active, Inactive) => EventType::LicenseUpdated,
            (Active, Suspended) => EventType::LicenseSuspended,
            (Active | Suspended, Revoked) => EventType::LicenseRevoked,
            (Active, Expired) => EventType::LicenseExpired,
            (Suspended, Active) => EventType::LicenseReinstated,
            (Expired, Active) => EventType::LicenseRenewed,
            _ => return Err(InvalidTransition { from: self, to }),
        };
        Ok(Transition::Changed(event))
    }
}

impl fmt::Display for LicenseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LicenseStatus {
    type Err = ValidationError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(raw))
            .ok_or(ValidationError::new(
                "must be one of INACTIVE, ACTIVE, SUSPENDED, REVOKED, EXPIRED",
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::LicenseStatus::*;
    use super::*;

    /// The SPEC's table, written out independently of the `match` above.
    const ALLOWED: [(LicenseStatus, LicenseStatus); 8] = [
        (Inactive, Active),
        (Active, Inactive),
        (Active, Suspended),
        (Active, Revoked),
        (Active, Expired),
        (Suspended, Active),
        (Suspended, Revoked),
        (Expired, Active),
    ];

    #[test]
    fn every_pair_follows_the_spec_table() {
        for from in LicenseStatus::ALL {
            for to in LicenseStatus::ALL {
                let result = from.transition(to);
                if from == to {
                    assert_eq!(result, Ok(Transition::Unchanged));
                } else if ALLOWED.contains(&(from, to)) {
                    assert!(
                        matches!(result, Ok(Transition::Changed(_))),
                        "{from} → {to}"
                    );
                } else {
                    assert_eq!(result, Err(InvalidTransition { from, to }), "{from} → {to}");
                }
            }
        }
    }

    #[test]
    fn revoked_is_final() {
        for to in [Inactive, Active, Suspended, Expired] {
            assert!(Revoked.transition(to).is_err());
        }
    }

    #[test]
    fn suspended_license_cannot_expire_or_deactivate_directly() {
        assert!(Suspended.transition(Expired).is_err());
        assert!(Suspended.transition(Inactive).is_err());
    }

    #[test]
    fn each_change_announces_its_event() {
        assert_eq!(
            Active.transition(Suspended),
            Ok(Transition::Changed(EventType::LicenseSuspended))
        );
        assert_eq!(
            Suspended.transition(Active),
            Ok(Transition::Changed(EventType::LicenseReinstated))
        );
        assert_eq!(
            Suspended.transition(Revoked),
            Ok(Transition::Changed(EventType::LicenseRevoked))
        );
        assert_eq!(
            Expired.transition(Active),
            Ok(Transition::Changed(EventType::LicenseRenewed))
        );
        assert_eq!(
            Active.transition(Expired),
            Ok(Transition::Changed(EventType::LicenseExpired))
        );
    }

    #[test]
    fn statuses_parse_case_insensitively_and_print_upper_case() {
        for status in LicenseStatus::ALL {
            assert_eq!(status.as_str().to_lowercase().parse(), Ok(status));
        }
        assert!("DELETED".parse::<LicenseStatus>().is_err());
    }
}
