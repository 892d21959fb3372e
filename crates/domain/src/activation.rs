//! Activations: a license in use on one device (fingerprint) or one site (domain).

use time::{Duration, OffsetDateTime};

use crate::domain_name::DomainName;
use crate::fingerprint::Fingerprint;
use crate::ids::{ActivationId, LicenseId};
use crate::metadata::Metadata;

/// What an activation is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seat {
    Device(Fingerprint),
    Site(DomainName),
}

/// One seat taken on a license.
#[derive(Debug, Clone, PartialEq)]
pub struct Activation {
    pub id: ActivationId,
    pub license_id: LicenseId,
    pub seat: Seat,
    pub name: Option<String>,
    pub platform: Option<String>,
    pub ip_address: Option<String>,
    pub metadata: Metadata,
    pub last_heartbeat_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
}

impl Activation {
    /// Whether the activation still holds its seat: with a heartbeat interval, an
    /// activation silent for twice that long is dead and its seat is free again.
    pub fn is_alive(&self, heartbeat_interval: Option<u32>, now: OffsetDateTime) -> bool {
        heartbeat_interval.is_none_or(|seconds| {
            now - self.last_heartbeat_at < Duration::seconds(2 * i64::from(seconds))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn activation(last_heartbeat_at: OffsetDateTime) -> Activation {
        Activation {
            id: ActivationId::generate(),
            license_id: LicenseId::generate(),
            seat: Seat::Device(Fingerprint::parse("machine-1").expect("valid")),
            name: None,
            platform: None,
            ip_address: None,
            metadata: Metadata::default(),
            last_heartbeat_at,
            created_at: last_heartbeat_at,
        }
    }

    #[test]
    fn without_an_interval_an_activation_never_dies() {
        assert!(activation(NOW - Duration::days(400)).is_alive(None, NOW));
    }

    #[test]
    fn an_activation_dies_after_twice_the_interval_of_silence() {
        assert!(activation(NOW - Duration::seconds(119)).is_alive(Some(60), NOW));
        assert!(!activation(NOW - Duration::seconds(120)).is_alive(Some(60), NOW));
    }
}
