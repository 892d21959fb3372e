//! Licenses: the terms they are issued with, their effective status, and renewal.

use time::{Duration, OffsetDateTime};

use crate::ValidationError;
use crate::email::Email;
use crate::event::EventType;
use crate::ids::{CustomerId, LicenseId, ProductId, UserId};
use crate::license_key::LicenseKey;
use crate::license_status::{InvalidTransition, LicenseStatus, Transition};
use crate::license_terms::LicenseTerms;
use crate::metadata::Metadata;
use crate::plan::{Feature, Plan};
use crate::refusal::Refusal;
use crate::text::Name;

/// A license as stored, with its live activation count.
#[derive(Debug, Clone, PartialEq)]
pub struct License {
    pub id: LicenseId,
    pub owner: UserId,
    pub product_id: ProductId,
    pub customer_id: Option<CustomerId>,
    pub key: LicenseKey,
    pub plan: Option<String>,
    /// The stored status; readers want [`License::effective_status`].
    pub status: LicenseStatus,
    pub issued_to: Option<Name>,
    pub issued_email: Option<Email>,
    pub features: Vec<Feature>,
    /// `None`: unlimited.
    pub max_activations: Option<u32>,
    pub activation_count: u32,
    /// `None`: never expires.
    pub expires_at: Option<OffsetDateTime>,
    /// Floating seats: activations silent for twice this long free their seat.
    pub heartbeat_interval_seconds: Option<u32>,
    pub last_validated_at: Option<OffsetDateTime>,
    pub metadata: Metadata,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// How to renew: to a date, or by a number of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// Expire at this instant (must be in the future).
    Until(OffsetDateTime),
    /// Add days to the later of now and the current expiry.
    ExtendDays(u32),
}

impl License {
    /// What a validation verdict depends on.
    pub fn terms(&self) -> LicenseTerms {
        LicenseTerms {
            id: self.id,
            product_id: self.product_id,
            status: self.status,
            expires_at: self.expires_at,
            max_activations: self.max_activations,
            heartbeat_interval_seconds: self.heartbeat_interval_seconds,
        }
    }

    /// The status every reader sees: see [`LicenseTerms::effective_status`].
    pub fn effective_status(&self, now: OffsetDateTime) -> LicenseStatus {
        self.terms().effective_status(now)
    }

    /// Whether `expiresAt` has passed.
    pub fn is_past_expiry(&self, now: OffsetDateTime) -> bool {
        self.terms().is_past_expiry(now)
    }

    /// Moves to `to` following the lifecycle table, from the effective status.
    pub fn change_status(
        &mut self,
        to: LicenseStatus,
        now: OffsetDateTime,
    ) -> Result<Transition, Refusal> {
        let from = self.effective_status(now);
        let transition = from.transition(to)?;
        if to == LicenseStatus::Active && self.is_past_expiry(now) {
            return Err(Refusal::NeedsRenewal);
        }
        self.status = to;
        Ok(transition)
    }

    /// Sets a new expiry. An EXPIRED license whose new expiry lies ahead (or is
    /// removed) becomes ACTIVE again: that is a renewal. Returns the event it is.
    pub fn set_expiry(
        &mut self,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<Option<EventType>, Refusal> {
        let was = self.effective_status(now);
        if was == LicenseStatus::Revoked {
            return Err(InvalidTransition {
                from: LicenseStatus::Revoked,
                to: LicenseStatus::Active,
            }
            .into());
        }
        self.expires_at = expires_at;
        if self.status == LicenseStatus::Expired && !self.is_past_expiry(now) {
            self.status = LicenseStatus::Active;
        }
        Ok(
            (was == LicenseStatus::Expired && self.effective_status(now) == LicenseStatus::Active)
                .then_some(EventType::LicenseRenewed),
        )
    }

    /// Renews: the new expiry must lie in the future; EXPIRED becomes ACTIVE.
    pub fn renew(&mut self, renewal: Renewal, now: OffsetDateTime) -> Result<(), Refusal> {
        let until = match renewal {
            Renewal::Until(at) => at,
            Renewal::ExtendDays(days) => {
                let base = self.expires_at.map_or(now, |at| at.max(now));
                base + Duration::days(i64::from(days))
            }
        };
        if until <= now {
            return Err(Refusal::Invalid {
                field: "expiresAt",
                error: ValidationError::new("must be in the future"),
            });
        }
        self.set_expiry(Some(until), now).map(|_| ())
    }
}

/// What a new license is issued with, before plan defaults are applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestedTerms {
    pub max_activations: Option<Option<u32>>,
    pub expires_at: Option<Option<OffsetDateTime>>,
    pub features: Option<Vec<Feature>>,
    pub heartbeat_interval_seconds: Option<Option<u32>>,
}

/// The terms a license is issued with.
#[derive(Debug, Clone, PartialEq)]
pub struct Terms {
    pub max_activations: Option<u32>,
    pub expires_at: Option<OffsetDateTime>,
    pub features: Vec<Feature>,
    pub heartbeat_interval_seconds: Option<u32>,
}

impl RequestedTerms {
    /// Fills what the request left out from `plan` (when the plan names one of the
    /// product's plans): `maxActivations`, `durationDays` (counted from `now`) and
    /// `features`. An explicit `null` in the request means "none" and wins.
    pub fn resolve(self, plan: Option<&Plan>, now: OffsetDateTime) -> Terms {
        Terms {
            max_activations: self
                .max_activations
                .unwrap_or_else(|| plan.and_then(|p| p.max_activations)),
            expires_at: self.expires_at.unwrap_or_else(|| {
                plan.and_then(|p| p.duration_days)
                    .map(|days| now + Duration::days(i64::from(days)))
            }),
            features: self
                .features
                .unwrap_or_else(|| plan.map(|p| p.features.clone()).unwrap_or_default()),
            heartbeat_interval_seconds: self
                .heartbeat_interval_seconds
                .unwrap_or_else(|| plan.and_then(|p| p.heartbeat_interval_seconds)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key_prefix::KeyPrefix;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn license(status: LicenseStatus, expires_at: Option<OffsetDateTime>) -> License {
        License {
            id: LicenseId::generate(),
            owner: UserId::generate(),
            product_id: ProductId::generate(),
            customer_id: None,
            key: LicenseKey::generate(&KeyPrefix::default()),
            plan: None,
            status,
            issued_to: None,
            issued_email: None,
            features: vec![],
            max_activations: None,
            activation_count: 0,
            expires_at,
            heartbeat_interval_seconds: None,
            last_validated_at: None,
            metadata: Metadata::default(),
            created_at: NOW,
            updated_at: NOW,
        }
    }

    #[test]
    fn a_passed_expiry_reads_as_expired_whatever_is_stored() {
        let past = Some(NOW - Duration::seconds(1));
        for stored in [
            LicenseStatus::Active,
            LicenseStatus::Suspended,
            LicenseStatus::Inactive,
        ] {
            assert_eq!(
                license(stored, past).effective_status(NOW),
                LicenseStatus::Expired
            );
        }
        assert_eq!(
            license(LicenseStatus::Revoked, past).effective_status(NOW),
            LicenseStatus::Revoked
        );
        assert_eq!(
            license(LicenseStatus::Active, None).effective_status(NOW),
            LicenseStatus::Active
        );
    }

    #[test]
    fn expiry_is_inclusive_of_the_instant() {
        assert_eq!(
            license(LicenseStatus::Active, Some(NOW)).effective_status(NOW),
            LicenseStatus::Expired
        );
    }

    #[test]
    fn extend_days_counts_from_the_later_of_now_and_expiry() {
        let mut ahead = license(LicenseStatus::Active, Some(NOW + Duration::days(10)));
        ahead.renew(Renewal::ExtendDays(30), NOW).expect("renews");
        assert_eq!(ahead.expires_at, Some(NOW + Duration::days(40)));

        let mut behind = license(LicenseStatus::Active, Some(NOW - Duration::days(10)));
        behind.renew(Renewal::ExtendDays(30), NOW).expect("renews");
        assert_eq!(behind.expires_at, Some(NOW + Duration::days(30)));
    }

    #[test]
    fn renewing_an_expired_license_makes_it_active() {
        let mut l = license(LicenseStatus::Expired, Some(NOW - Duration::days(1)));
        l.renew(Renewal::Until(NOW + Duration::days(1)), NOW)
            .expect("renews");
        assert_eq!(l.status, LicenseStatus::Active);
    }

    #[test]
    fn renewal_into_the_past_is_refused() {
        let mut l = license(LicenseStatus::Active, None);
        assert!(matches!(
            l.renew(Renewal::Until(NOW - Duration::days(1)), NOW),
            Err(Refusal::Invalid {
                field: "expiresAt",
                ..
            })
        ));
    }

    #[test]
    fn a_revoked_license_cannot_be_renewed() {
        let mut l = license(LicenseStatus::Revoked, None);
        assert!(matches!(
            l.renew(Renewal::ExtendDays(1), NOW),
            Err(Refusal::Transition(_))
        ));
    }

    #[test]
    fn a_suspended_license_stays_suspended_when_renewed() {
        let mut l = license(LicenseStatus::Suspended, Some(NOW + Duration::days(1)));
        l.renew(Renewal::ExtendDays(5), NOW).expect("renews");
        assert_eq!(l.effective_status(NOW), LicenseStatus::Suspended);
    }

    #[test]
    fn an_expired_license_cannot_simply_be_set_active() {
        let mut l = license(LicenseStatus::Active, Some(NOW - Duration::days(1)));
        assert_eq!(
            l.change_status(LicenseStatus::Active, NOW),
            Err(Refusal::NeedsRenewal)
        );
    }

    #[test]
    fn status_changes_start_from_the_effective_status() {
        let mut l = license(LicenseStatus::Active, Some(NOW - Duration::days(1)));
        // Effectively EXPIRED, and EXPIRED → SUSPENDED is not in the table.
        assert!(matches!(
            l.change_status(LicenseStatus::Suspended, NOW),
            Err(Refusal::Transition(_))
        ));
    }

    #[test]
    fn plan_defaults_fill_only_what_the_request_omits() {
        let plan = Plan::new(
            "Pro",
            Some(3),
            Some(365),
            Feature::parse_list(&["sync"]).expect("ok"),
        )
        .expect("valid plan");
        let terms = RequestedTerms::default().resolve(Some(&plan), NOW);
        assert_eq!(terms.max_activations, Some(3));
        assert_eq!(terms.expires_at, Some(NOW + Duration::days(365)));
        assert_eq!(terms.features, plan.features);

        let explicit = RequestedTerms {
            max_activations: Some(None),
            expires_at: Some(None),
            features: Some(vec![]),
            heartbeat_interval_seconds: Some(None),
        }
        .resolve(Some(&plan), NOW);
        assert_eq!(explicit.max_activations, None);
        assert_eq!(explicit.expires_at, None);
        assert!(explicit.features.is_empty());
    }
}
