//! "Has this client paid?": the standing of a license from its payments, as of a moment.
//!
//! - `paid`: a succeeded payment covers `now` — one without `period_end` (a one-off
//!   purchase) covers forever, one with it covers until then (exclusive).
//! - `paid_until`: the latest `period_end` of succeeded payments; `None` when a one-off
//!   purchase covers forever, or when nothing succeeded.
//! - `last_payment_at`: the latest `paid_at` of succeeded payments.
//! - `totals`: per currency, what was received minus what was refunded. A refunded
//!   payment was received and then given back, so it nets to zero; pending and failed
//!   ones never counted. Currencies are never added together.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::{Payment, PaymentStatus};
use crate::currency::Currency;

/// The net amount received in one currency, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrencyTotal {
    pub currency: Currency,
    pub amount: i64,
}

/// The payment standing of one license.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentStanding {
    pub paid: bool,
    pub paid_until: Option<OffsetDateTime>,
    pub last_payment_at: Option<OffsetDateTime>,
    /// Ordered by currency code.
    pub totals: Vec<CurrencyTotal>,
}

/// The standing given every payment of a license, as of `now`.
pub fn standing<'a>(
    payments: impl IntoIterator<Item = &'a Payment>,
    now: OffsetDateTime,
) -> PaymentStanding {
    let mut paid = false;
    let mut one_off = false;
    let mut paid_until: Option<OffsetDateTime> = None;
    let mut last_payment_at: Option<OffsetDateTime> = None;
    let mut totals: BTreeMap<Currency, i64> = BTreeMap::new();
    for payment in payments {
        if payment.status != PaymentStatus::Succeeded {
            continue;
        }
        let total = totals.entry(payment.currency).or_default();
        *total = total.saturating_add(payment.amount.minor_units());
        match payment.period_end {
            None => {
                one_off = true;
                paid = true;
            }
            Some(end) => {
                paid |= end > now;
                paid_until = paid_until.max(Some(end));
            }
        }
        let at = payment.paid_at.unwrap_or(payment.created_at);
        last_payment_at = last_payment_at.max(Some(at));
    }
    PaymentStanding {
        paid,
        paid_until: if one_off { None } else { paid_until },
        last_payment_at,
        totals: totals
            .into_iter()
            .map(|(currency, amount)| CurrencyTotal { currency, amount })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::datetime;

    use super::*;
    use crate::ids::{PaymentId, ProductId, UserId};
    use crate::metadata::Metadata;
    use crate::payment::Amount;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn payment(
        status: PaymentStatus,
        amount: i64,
        currency: &str,
        period_end: Option<OffsetDateTime>,
    ) -> Payment {
        Payment {
            id: PaymentId::generate(),
            owner: UserId::generate(),
            product_id: ProductId::generate(),
            license_id: None,
            customer_id: None,
            amount: Amount::new(amount).expect("amount"),
            currency: Currency::parse(currency).expect("currency"),
            status,
            provider: None,
            provider_ref: None,
            paid_at: Some(NOW - Duration::days(3)),
            period_end,
            metadata: Metadata::default(),
            created_at: NOW - Duration::days(3),
            updated_at: NOW - Duration::days(3),
        }
    }

    #[test]
    fn nothing_paid_is_not_paid() {
        let s = standing(&[], NOW);
        assert!(!s.paid);
        assert_eq!((s.paid_until, s.last_payment_at), (None, None));
        assert!(s.totals.is_empty());
    }

    #[test]
    fn a_one_off_purchase_covers_forever() {
        let s = standing(&[payment(PaymentStatus::Succeeded, 4900, "EUR", None)], NOW);
        assert!(s.paid);
        assert_eq!(s.paid_until, None);
        assert_eq!(s.last_payment_at, Some(NOW - Duration::days(3)));
    }

    #[test]
    fn a_subscription_covers_until_its_period_end() {
        let end = NOW + Duration::days(27);
        let live = standing(
            &[payment(PaymentStatus::Succeeded, 900, "EUR", Some(end))],
            NOW,
        );
        assert!(live.paid);
        assert_eq!(live.paid_until, Some(end));
        let lapsed = standing(
            &[payment(PaymentStatus::Succeeded, 900, "EUR", Some(NOW))],
            NOW,
        );
        assert!(!lapsed.paid, "the period end itself is no longer covered");
        assert_eq!(lapsed.paid_until, Some(NOW));
    }

    #[test]
    fn refunded_pending_and_failed_payments_pay_for_nothing() {
        for status in [
            PaymentStatus::Refunded,
            PaymentStatus::Pending,
            PaymentStatus::Failed,
        ] {
            let s = standing(&[payment(status, 4900, "EUR", None)], NOW);
            assert!(!s.paid, "{status}");
            assert_eq!(s.last_payment_at, None);
            assert!(s.totals.is_empty());
        }
    }

    #[test]
    fn totals_are_kept_per_currency() {
        let s = standing(
            &[
                payment(PaymentStatus::Succeeded, 1000, "EUR", None),
                payment(PaymentStatus::Succeeded, 500, "EUR", None),
                payment(PaymentStatus::Refunded, 200, "EUR", None),
                payment(PaymentStatus::Succeeded, 700, "USD", None),
            ],
            NOW,
        );
        let totals: Vec<(&str, i64)> = s
            .totals
            .iter()
            .map(|t| (t.currency.as_str(), t.amount))
            .collect();
        assert_eq!(totals, vec![("EUR", 1500), ("USD", 700)]);
    }

    fn any_status() -> impl Strategy<Value = PaymentStatus> {
        prop::sample::select(PaymentStatus::ALL.to_vec())
    }

    proptest! {
        /// `paid` is exactly "some succeeded payment is a one-off or ends after now",
        /// whatever the order of the payments.
        #[test]
        fn paid_is_exactly_a_covering_succeeded_payment(
            specs in prop::collection::vec((any_status(), 1i64..10_000, prop::option::of(-100i64..100)), 0..8),
        ) {
            let payments: Vec<Payment> = specs
                .iter()
                .map(|(status, amount, end)| {
                    payment(*status, *amount, "EUR", end.map(|d| NOW + Duration::days(d)))
                })
                .collect();
            let expected = payments.iter().any(|p| {
                p.status == PaymentStatus::Succeeded && p.period_end.is_none_or(|end| end > NOW)
            });
            let forward = standing(&payments, NOW);
            let backward = standing(payments.iter().rev(), NOW);
            prop_assert_eq!(forward.paid, expected);
            prop_assert_eq!(&forward, &backward);
            let received: i64 = payments
                .iter()
                .filter(|p| p.status == PaymentStatus::Succeeded)
                .map(|p| p.amount.minor_units())
                .sum();
            prop_assert_eq!(forward.totals.iter().map(|t| t.amount).sum::<i64>(), received);
        }
    }
}
