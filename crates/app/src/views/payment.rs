//! View of a payment.

use licentia_domain::ids::{CustomerId, LicenseId, PaymentId, ProductId};
use licentia_domain::payment::Payment;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A payment; `amount` is in the currency's minor unit.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Payment)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    pub id: PaymentId,
    pub product_id: ProductId,
    pub license_id: Option<LicenseId>,
    pub customer_id: Option<CustomerId>,
    pub amount: i64,
    #[schema(value_type = crate::api::openapi::vocabulary::Currency)]
    pub currency: &'static str,
    #[schema(value_type = crate::api::openapi::vocabulary::PaymentStatus)]
    pub status: &'static str,
    pub provider: Option<String>,
    pub provider_ref: Option<String>,
    #[serde(with = "super::timestamp::option")]
    pub paid_at: Option<OffsetDateTime>,
    #[serde(with = "super::timestamp::option")]
    pub period_end: Option<OffsetDateTime>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
    #[serde(with = "super::timestamp")]
    pub updated_at: OffsetDateTime,
}

impl From<&Payment> for PaymentView {
    fn from(p: &Payment) -> Self {
        Self {
            id: p.id,
            product_id: p.product_id,
            license_id: p.license_id,
            customer_id: p.customer_id,
            amount: p.amount.minor_units(),
            currency: p.currency.as_str(),
            status: p.status.as_str(),
            provider: p.provider.as_ref().map(|n| n.as_str().to_owned()),
            provider_ref: p.provider_ref.as_ref().map(|n| n.as_str().to_owned()),
            paid_at: p.paid_at,
            period_end: p.period_end,
            metadata: p.metadata.to_value(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}
