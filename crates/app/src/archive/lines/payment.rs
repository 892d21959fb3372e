//! `payment` lines: money recorded for a product (and a license or customer).

use licentia_domain::currency::Currency;
use licentia_domain::ids::{CustomerId, LicenseId, PaymentId, ProductId, UserId};
use licentia_domain::metadata::Metadata;
use licentia_domain::payment::{Amount, Payment, Provider, ProviderRef};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::archive::line::{InvalidField, field, optional};

/// `{"kind":"payment", …}`: `amount` in the currency's minor unit.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PaymentLine {
    pub id: PaymentId,
    pub product_id: ProductId,
    #[serde(default)]
    pub license_id: Option<LicenseId>,
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub provider_ref: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub paid_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub period_end: Option<OffsetDateTime>,
    pub metadata: Value,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<&Payment> for PaymentLine {
    fn from(p: &Payment) -> Self {
        Self {
            id: p.id,
            product_id: p.product_id,
            license_id: p.license_id,
            customer_id: p.customer_id,
            amount: p.amount.minor_units(),
            currency: p.currency.as_str().to_owned(),
            status: p.status.as_str().to_owned(),
            provider: p.provider.as_ref().map(|n| n.as_str().to_owned()),
            provider_ref: p.provider_ref.as_ref().map(|r| r.as_str().to_owned()),
            paid_at: p.paid_at,
            period_end: p.period_end,
            metadata: p.metadata.to_value(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

impl PaymentLine {
    pub fn into_record(self, owner: UserId) -> Result<Payment, InvalidField> {
        Ok(Payment {
            id: self.id,
            owner,
            product_id: self.product_id,
            license_id: self.license_id,
            customer_id: self.customer_id,
            amount: field("amount", Amount::new(self.amount))?,
            currency: field("currency", Currency::parse(&self.currency))?,
            status: field("status", self.status.parse())?,
            provider: optional("provider", self.provider, |p| Provider::parse(&p))?,
            provider_ref: optional("providerRef", self.provider_ref, |r| ProviderRef::parse(&r))?,
            paid_at: self.paid_at,
            period_end: self.period_end,
            metadata: field("metadata", Metadata::parse(self.metadata))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
