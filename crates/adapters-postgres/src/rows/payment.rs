//! `payments` rows.

use diesel::prelude::*;
use licentia_domain::currency::Currency;
use licentia_domain::ids::{CustomerId, LicenseId, PaymentId, ProductId, UserId};
use licentia_domain::metadata::Metadata;
use licentia_domain::payment::{Amount, Payment, Provider, ProviderRef};
use licentia_ports::RepositoryError;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::corrupt;
use crate::schema::payments;

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = payments, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub(crate) struct PaymentRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub product_id: Uuid,
    pub license_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub provider: Option<String>,
    pub provider_ref: Option<String>,
    pub paid_at: Option<OffsetDateTime>,
    pub period_end: Option<OffsetDateTime>,
    pub metadata: Value,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<PaymentRow> for Payment {
    type Error = RepositoryError;

    fn try_from(row: PaymentRow) -> Result<Self, Self::Error> {
        Ok(Payment {
            id: PaymentId::from_uuid(row.id),
            owner: UserId::from_uuid(row.user_id),
            product_id: ProductId::from_uuid(row.product_id),
            license_id: row.license_id.map(LicenseId::from_uuid),
            customer_id: row.customer_id.map(CustomerId::from_uuid),
            amount: Amount::new(row.amount).map_err(corrupt("payments", "amount"))?,
            currency: Currency::parse(&row.currency).map_err(corrupt("payments", "currency"))?,
            status: row.status.parse().map_err(corrupt("payments", "status"))?,
            provider: row
                .provider
                .as_deref()
                .map(Provider::parse)
                .transpose()
                .map_err(corrupt("payments", "provider"))?,
            provider_ref: row
                .provider_ref
                .as_deref()
                .map(ProviderRef::parse)
                .transpose()
                .map_err(corrupt("payments", "provider_ref"))?,
            paid_at: row.paid_at,
            period_end: row.period_end,
            metadata: Metadata::parse(row.metadata).map_err(corrupt("payments", "metadata"))?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl From<&Payment> for PaymentRow {
    fn from(p: &Payment) -> Self {
        Self {
            id: p.id.as_uuid(),
            user_id: p.owner.as_uuid(),
            product_id: p.product_id.as_uuid(),
            license_id: p.license_id.map(|l| l.as_uuid()),
            customer_id: p.customer_id.map(|c| c.as_uuid()),
            amount: p.amount.minor_units(),
            currency: p.currency.as_str().to_owned(),
            status: p.status.as_str().to_owned(),
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
