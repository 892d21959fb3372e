//! The runtime verdict: is this copy licensed? One pure function, [`decide`].
//!
//! Precedence, first failure wins:
//! existence → status/expiry → product scope → domain → fingerprint/activation →
//! heartbeat → limits. `activate` uses [`plan_activation`], which applies the same
//! checks up to the domain and then decides whether a seat may be taken.

use serde::Serialize;
use time::OffsetDateTime;

use crate::activation::{Activation, Seat};
use crate::domain_name::{DomainName, DomainPattern};
use crate::ids::ProductId;
use crate::license_status::LicenseStatus;
use crate::license_terms::LicenseTerms;

/// Every answer a validation can give (SPEC §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ValidationCode {
    Valid,
    NotFound,
    Expired,
    Suspended,
    Revoked,
    Inactive,
    ProductMismatch,
    NotActivated,
    TooManyActivations,
    DomainNotAllowed,
    HeartbeatDead,
}

impl ValidationCode {
    /// Every code, in the SPEC's order.
    pub const ALL: [Self; 11] = [
        Self::Valid,
        Self::NotFound,
        Self::Expired,
        Self::Suspended,
        Self::Revoked,
        Self::Inactive,
        Self::ProductMismatch,
        Self::NotActivated,
        Self::TooManyActivations,
        Self::DomainNotAllowed,
        Self::HeartbeatDead,
    ];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::NotFound => "NOT_FOUND",
            Self::Expired => "EXPIRED",
            Self::Suspended => "SUSPENDED",
            Self::Revoked => "REVOKED",
            Self::Inactive => "INACTIVE",
            Self::ProductMismatch => "PRODUCT_MISMATCH",
            Self::NotActivated => "NOT_ACTIVATED",
            Self::TooManyActivations => "TOO_MANY_ACTIVATIONS",
            Self::DomainNotAllowed => "DOMAIN_NOT_ALLOWED",
            Self::HeartbeatDead => "HEARTBEAT_DEAD",
        }
    }

    /// A human sentence for the `detail` field.
    pub const fn detail(self) -> &'static str {
        match self {
            Self::Valid => "license is valid",
            Self::NotFound => "license does not exist",
            Self::Expired => "license has expired",
            Self::Suspended => "license is suspended",
            Self::Revoked => "license has been revoked",
            Self::Inactive => "license is not active",
            Self::ProductMismatch => "license belongs to another product",
            Self::NotActivated => "license is not activated for this device or domain",
            Self::TooManyActivations => "license has reached its activation limit",
            Self::DomainNotAllowed => "domain is not allowed for this license",
            Self::HeartbeatDead => "activation missed its heartbeats; activate again",
        }
    }
}

/// What a running copy asked about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationRequest {
    pub product_id: Option<ProductId>,
    pub seat: Option<Seat>,
    /// The site the copy runs on (also given for device seats, e.g. by a header).
    pub domain: Option<DomainName>,
}

/// A license with everything the verdict depends on.
#[derive(Debug, Clone, Copy)]
pub struct LicenseContext<'a> {
    pub terms: LicenseTerms,
    pub activations: &'a [Activation],
    /// The product's allow-list (empty: any domain).
    pub product_domains: &'a [DomainPattern],
    /// Domains assigned to this license.
    pub license_domains: &'a [DomainName],
}

/// The outcome, with the activation it concerns when there is one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict<'a> {
    pub code: ValidationCode,
    pub activation: Option<&'a Activation>,
}

/// What `activate` should do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ActivationPlan<'a> {
    /// The seat is already held: answer with it, take nothing.
    Existing(&'a Activation),
    /// The seat was held but its heartbeats stopped: revive it (needs a free seat).
    Revive(&'a Activation),
    /// Take a new seat.
    New,
    /// Refused, with this code.
    Refused(ValidationCode),
}

impl<'a> LicenseContext<'a> {
    fn live_activations(&self, now: OffsetDateTime) -> usize {
        self.activations
            .iter()
            .filter(|a| a.is_alive(self.terms.heartbeat_interval_seconds, now))
            .count()
    }

    fn has_free_seat(&self, now: OffsetDateTime) -> bool {
        self.terms
            .max_activations
            .is_none_or(|max| self.live_activations(now) < max as usize)
    }

    fn domain_allowed(&self, domain: &DomainName) -> bool {
        let restricted = !self.product_domains.is_empty() || !self.license_domains.is_empty();
        !restricted
            || self.product_domains.iter().any(|p| p.matches(domain))
            || self.license_domains.contains(domain)
    }

    fn find(&self, seat: &Seat) -> Option<&'a Activation> {
        self.activations.iter().find(|a| &a.seat == seat)
    }

    /// Status, product and domain: the checks shared by validation and activation.
    fn admission(
        &self,
        request: &ValidationRequest,
        seat: Option<&Seat>,
        now: OffsetDateTime,
    ) -> Option<ValidationCode> {
        let status_code = match self.terms.effective_status(now) {
            LicenseStatus::Active => None,
            LicenseStatus::Expired => Some(ValidationCode::Expired),
            LicenseStatus::Suspended => Some(ValidationCode::Suspended),
            LicenseStatus::Revoked => Some(ValidationCode::Revoked),
            LicenseStatus::Inactive => Some(ValidationCode::Inactive),
        };
        if status_code.is_some() {
            return status_code;
        }
        if request
            .product_id
            .is_some_and(|p| p != self.terms.product_id)
        {
            return Some(ValidationCode::ProductMismatch);
        }
        let site = match seat {
            Some(Seat::Site(domain)) => Some(domain),
            _ => request.domain.as_ref(),
        };
        if site.is_some_and(|d| !self.domain_allowed(d)) {
            return Some(ValidationCode::DomainNotAllowed);
        }
        None
    }
}

/// Decides a validation. `None` for a license that does not exist.
pub fn decide<'a>(
    context: Option<&LicenseContext<'a>>,
    request: &ValidationRequest,
    now: OffsetDateTime,
) -> Verdict<'a> {
    let refuse = |code| Verdict {
        code,
        activation: None,
    };
    let Some(context) = context else {
        return refuse(ValidationCode::NotFound);
    };
    if let Some(code) = context.admission(request, request.seat.as_ref(), now) {
        return refuse(code);
    }
    let mut activation = None;
    if let Some(seat) = &request.seat {
        let Some(found) = context.find(seat) else {
            return refuse(ValidationCode::NotActivated);
        };
        if !found.is_alive(context.terms.heartbeat_interval_seconds, now) {
            return Verdict {
                code: ValidationCode::HeartbeatDead,
                activation: Some(found),
            };
        }
        activation = Some(found);
    }
    let over_limit = context
        .terms
        .max_activations
        .is_some_and(|max| context.live_activations(now) > max as usize);
    let code = if over_limit {
        ValidationCode::TooManyActivations
    } else {
        ValidationCode::Valid
    };
    Verdict { code, activation }
}

/// Decides an activation of `seat`: idempotent for a held seat, exact about limits.
pub fn plan_activation<'a>(
    context: &LicenseContext<'a>,
    seat: &Seat,
    request: &ValidationRequest,
    now: OffsetDateTime,
) -> ActivationPlan<'a> {
    if let Some(code) = context.admission(request, Some(seat), now) {
        return ActivationPlan::Refused(code);
    }
    match context.find(seat) {
        Some(held) if held.is_alive(context.terms.heartbeat_interval_seconds, now) => {
            ActivationPlan::Existing(held)
        }
        Some(dead) if context.has_free_seat(now) => ActivationPlan::Revive(dead),
        None if context.has_free_seat(now) => ActivationPlan::New,
        _ => ActivationPlan::Refused(ValidationCode::TooManyActivations),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::Fingerprint;
    use crate::ids::{ActivationId, LicenseId, UserId};
    use crate::key_prefix::KeyPrefix;
    use crate::license::License;
    use crate::license_key::LicenseKey;
    use crate::metadata::Metadata;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    #[test]
    fn every_code_is_listed_once_and_serialises_as_its_wire_name() {
        let names: std::collections::HashSet<_> =
            ValidationCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ValidationCode::ALL.len());
        for code in ValidationCode::ALL {
            let json = serde_json::to_value(code).expect("serialises");
            assert_eq!(json, serde_json::Value::from(code.as_str()));
        }
    }

    fn license(
        status: LicenseStatus,
        max: Option<u32>,
        expires_at: Option<OffsetDateTime>,
    ) -> License {
        License {
            id: LicenseId::generate(),
            owner: UserId::generate(),
            product_id: ProductId::from_uuid(uuid::Uuid::nil()),
            customer_id: None,
            key: LicenseKey::generate(&KeyPrefix::default()),
            plan: None,
            status,
            issued_to: None,
            issued_email: None,
            features: vec![],
            max_activations: max,
            activation_count: 0,
            expires_at,
            heartbeat_interval_seconds: None,
            last_validated_at: None,
            metadata: Metadata::default(),
            created_at: NOW,
            updated_at: NOW,
        }
    }

    fn device(name: &str) -> Seat {
        Seat::Device(Fingerprint::parse(name).expect("valid"))
    }

    fn site(name: &str) -> Seat {
        Seat::Site(DomainName::parse(name).expect("valid"))
    }

    fn activation(license: &License, seat: Seat, silent_for: i64) -> Activation {
        Activation {
            id: ActivationId::generate(),
            license_id: license.id,
            seat,
            name: None,
            platform: None,
            ip_address: None,
            metadata: Metadata::default(),
            last_heartbeat_at: NOW - Duration::seconds(silent_for),
            created_at: NOW - Duration::days(1),
        }
    }

    fn context<'a>(license: &License, activations: &'a [Activation]) -> LicenseContext<'a> {
        LicenseContext {
            terms: license.terms(),
            activations,
            product_domains: &[],
            license_domains: &[],
        }
    }

    fn ask(seat: Option<Seat>) -> ValidationRequest {
        ValidationRequest {
            seat,
            ..ValidationRequest::default()
        }
    }

    #[test]
    fn a_missing_license_is_not_found() {
        assert_eq!(decide(None, &ask(None), NOW).code, ValidationCode::NotFound);
    }

    #[test]
    fn each_status_answers_its_own_code() {
        for (status, code) in [
            (LicenseStatus::Active, ValidationCode::Valid),
            (LicenseStatus::Suspended, ValidationCode::Suspended),
            (LicenseStatus::Revoked, ValidationCode::Revoked),
            (LicenseStatus::Inactive, ValidationCode::Inactive),
            (LicenseStatus::Expired, ValidationCode::Expired),
        ] {
            let l = license(status, None, None);
            assert_eq!(
                decide(Some(&context(&l, &[])), &ask(None), NOW).code,
                code,
                "{status}"
            );
        }
    }

    #[test]
    fn a_passed_expiry_is_expired_even_when_stored_active() {
        let l = license(
            LicenseStatus::Active,
            None,
            Some(NOW - Duration::seconds(1)),
        );
        assert_eq!(
            decide(Some(&context(&l, &[])), &ask(None), NOW).code,
            ValidationCode::Expired
        );
    }

    #[test]
    fn another_products_key_is_a_mismatch() {
        let l = license(LicenseStatus::Active, None, None);
        let request = ValidationRequest {
            product_id: Some(ProductId::generate()),
            ..ValidationRequest::default()
        };
        assert_eq!(
            decide(Some(&context(&l, &[])), &request, NOW).code,
            ValidationCode::ProductMismatch
        );
    }

    #[test]
    fn status_is_checked_before_the_product() {
        let l = license(LicenseStatus::Suspended, None, None);
        let request = ValidationRequest {
            product_id: Some(ProductId::generate()),
            ..ValidationRequest::default()
        };
        assert_eq!(
            decide(Some(&context(&l, &[])), &request, NOW).code,
            ValidationCode::Suspended
        );
    }

    #[test]
    fn a_domain_outside_the_allow_list_is_refused() {
        let l = license(LicenseStatus::Active, None, None);
        let patterns = [DomainPattern::parse("*.example.com").expect("valid")];
        let ctx = LicenseContext {
            product_domains: &patterns,
            ..context(&l, &[])
        };
        let request = |d: &str| ValidationRequest {
            domain: Some(DomainName::parse(d).expect("valid")),
            ..ValidationRequest::default()
        };
        assert_eq!(
            decide(Some(&ctx), &request("shop.example.com"), NOW).code,
            ValidationCode::Valid
        );
        assert_eq!(
            decide(Some(&ctx), &request("evil.test"), NOW).code,
            ValidationCode::DomainNotAllowed
        );
    }

    #[test]
    fn license_domains_extend_the_allow_list() {
        let l = license(LicenseStatus::Active, None, None);
        let assigned = [DomainName::parse("client.test").expect("valid")];
        let ctx = LicenseContext {
            license_domains: &assigned,
            ..context(&l, &[])
        };
        let request = |d: &str| ValidationRequest {
            domain: Some(DomainName::parse(d).expect("valid")),
            ..ValidationRequest::default()
        };
        assert_eq!(
            decide(Some(&ctx), &request("client.test"), NOW).code,
            ValidationCode::Valid
        );
        assert_eq!(
            decide(Some(&ctx), &request("other.test"), NOW).code,
            ValidationCode::DomainNotAllowed
        );
    }

    #[test]
    fn an_unknown_fingerprint_is_not_activated() {
        let l = license(LicenseStatus::Active, Some(3), None);
        let held = [activation(&l, device("a"), 0)];
        let verdict = decide(Some(&context(&l, &held)), &ask(Some(device("b"))), NOW);
        assert_eq!(verdict.code, ValidationCode::NotActivated);
        let verdict = decide(Some(&context(&l, &held)), &ask(Some(device("a"))), NOW);
        assert_eq!(verdict.code, ValidationCode::Valid);
        assert_eq!(verdict.activation.map(|a| a.id), Some(held[0].id));
    }

    #[test]
    fn a_silent_activation_is_heartbeat_dead() {
        let mut l = license(LicenseStatus::Active, Some(1), None);
        l.heartbeat_interval_seconds = Some(60);
        let held = [activation(&l, device("a"), 600)];
        let ctx = context(&l, &held);
        assert_eq!(
            decide(Some(&ctx), &ask(Some(device("a"))), NOW).code,
            ValidationCode::HeartbeatDead
        );
    }

    #[test]
    fn a_license_over_its_limit_is_too_many_activations() {
        let l = license(LicenseStatus::Active, Some(1), None);
        let held = [
            activation(&l, device("a"), 0),
            activation(&l, device("b"), 0),
        ];
        assert_eq!(
            decide(Some(&context(&l, &held)), &ask(Some(device("a"))), NOW).code,
            ValidationCode::TooManyActivations
        );
    }

    #[test]
    fn activating_a_held_seat_is_idempotent() {
        let l = license(LicenseStatus::Active, Some(1), None);
        let held = [activation(&l, device("a"), 0)];
        let plan = plan_activation(&context(&l, &held), &device("a"), &ask(None), NOW);
        assert_eq!(plan, ActivationPlan::Existing(&held[0]));
    }

    #[test]
    fn a_full_license_refuses_a_new_seat() {
        let l = license(LicenseStatus::Active, Some(1), None);
        let held = [activation(&l, device("a"), 0)];
        let plan = plan_activation(&context(&l, &held), &device("b"), &ask(None), NOW);
        assert_eq!(
            plan,
            ActivationPlan::Refused(ValidationCode::TooManyActivations)
        );
    }

    #[test]
    fn a_dead_seat_frees_its_place_for_another_device() {
        let mut l = license(LicenseStatus::Active, Some(1), None);
        l.heartbeat_interval_seconds = Some(60);
        let held = [activation(&l, device("a"), 600)];
        let ctx = context(&l, &held);
        assert_eq!(
            plan_activation(&ctx, &device("b"), &ask(None), NOW),
            ActivationPlan::New
        );
        assert_eq!(
            plan_activation(&ctx, &device("a"), &ask(None), NOW),
            ActivationPlan::Revive(&held[0])
        );
    }

    #[test]
    fn site_activations_obey_the_allow_list() {
        let l = license(LicenseStatus::Active, None, None);
        let patterns = [DomainPattern::parse("example.com").expect("valid")];
        let ctx = LicenseContext {
            product_domains: &patterns,
            ..context(&l, &[])
        };
        assert_eq!(
            plan_activation(&ctx, &site("other.test"), &ask(None), NOW),
            ActivationPlan::Refused(ValidationCode::DomainNotAllowed)
        );
        assert_eq!(
            plan_activation(&ctx, &site("example.com"), &ask(None), NOW),
            ActivationPlan::New
        );
    }

    #[test]
    fn suspended_license_cannot_activate() {
        let l = license(LicenseStatus::Suspended, None, None);
        assert_eq!(
            plan_activation(&context(&l, &[]), &device("a"), &ask(None), NOW),
            ActivationPlan::Refused(ValidationCode::Suspended)
        );
    }

    fn any_status() -> impl Strategy<Value = LicenseStatus> {
        prop::sample::select(LicenseStatus::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn valid_means_active_unexpired_and_within_limits(
            status in any_status(),
            max in prop::option::of(0u32..4),
            expired in any::<bool>(),
            held in 0usize..5,
            silent in prop::collection::vec(0i64..400, 5),
            interval in prop::option::of(30u32..120),
            asks_for in prop::option::of(0usize..6),
        ) {
            let expires = expired.then_some(NOW - Duration::seconds(1));
            let mut l = license(status, max, expires);
            l.heartbeat_interval_seconds = interval;
            let activations: Vec<Activation> =
                (0..held).map(|i| activation(&l, device(&format!("d{i}")), silent[i])).collect();
            let ctx = context(&l, &activations);
            let request = ask(asks_for.map(|i| device(&format!("d{i}"))));
            let verdict = decide(Some(&ctx), &request, NOW);
            if verdict.code == ValidationCode::Valid {
                prop_assert_eq!(l.effective_status(NOW), LicenseStatus::Active);
                let live = activations.iter().filter(|a| a.is_alive(interval, NOW)).count();
                prop_assert!(max.is_none_or(|m| live <= m as usize));
                if let Some(seat) = &request.seat {
                    let found = activations.iter().find(|a| &a.seat == seat);
                    prop_assert!(found.is_some_and(|a| a.is_alive(interval, NOW)));
                }
            }
            if l.effective_status(NOW) != LicenseStatus::Active {
                prop_assert_ne!(verdict.code, ValidationCode::Valid);
            }
        }

        #[test]
        fn activation_never_exceeds_the_limit(
            max in 0u32..4,
            held in 0usize..5,
            silent in prop::collection::vec(0i64..400, 5),
            interval in prop::option::of(30u32..120),
            wants in 0usize..6,
        ) {
            let mut l = license(LicenseStatus::Active, Some(max), None);
            l.heartbeat_interval_seconds = interval;
            let activations: Vec<Activation> =
                (0..held).map(|i| activation(&l, device(&format!("d{i}")), silent[i])).collect();
            let ctx = context(&l, &activations);
            let live = activations.iter().filter(|a| a.is_alive(interval, NOW)).count();
            match plan_activation(&ctx, &device(&format!("d{wants}")), &ask(None), NOW) {
                ActivationPlan::New | ActivationPlan::Revive(_) => prop_assert!(live < max as usize),
                ActivationPlan::Existing(a) => prop_assert!(a.is_alive(interval, NOW)),
                ActivationPlan::Refused(code) => {
                    prop_assert_eq!(code, ValidationCode::TooManyActivations);
                    prop_assert!(live >= max as usize);
                }
            }
        }
    }
}
