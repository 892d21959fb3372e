//! View of a license's payment standing (`GET /v1/licenses/{id}/payment-status`).

use licentia_domain::payment::PaymentStanding;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// The net amount received in one currency, in minor units.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CurrencyTotal)]
pub struct CurrencyTotalView {
    #[schema(value_type = crate::api::openapi::vocabulary::Currency)]
    pub currency: &'static str,
    pub amount: i64,
}

/// Whether a license is paid for, until when, and how much came in per currency.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PaymentStanding)]
#[serde(rename_all = "camelCase")]
pub struct PaymentStatusView {
    pub paid: bool,
    #[serde(with = "super::timestamp::option")]
    pub paid_until: Option<OffsetDateTime>,
    #[serde(with = "super::timestamp::option")]
    pub last_payment_at: Option<OffsetDateTime>,
    pub totals: Vec<CurrencyTotalView>,
}

impl From<&PaymentStanding> for PaymentStatusView {
    fn from(s: &PaymentStanding) -> Self {
        Self {
            paid: s.paid,
            paid_until: s.paid_until,
            last_payment_at: s.last_payment_at,
            totals: s
                .totals
                .iter()
                .map(|t| CurrencyTotalView {
                    currency: t.currency.as_str(),
                    amount: t.amount,
                })
                .collect(),
        }
    }
}
