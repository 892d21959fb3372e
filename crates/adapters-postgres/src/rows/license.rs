//! `licenses` rows.

use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Timestamptz};
use licentia_domain::email::Email;
use licentia_domain::ids::{CustomerId, LicenseId, ProductId, UserId};
use licentia_domain::license::License;
use licentia_domain::license_key::LicenseKey;
use licentia_domain::metadata::Metadata;
use licentia_domain::plan::Feature;
use licentia_domain::text::Name;
use licentia_ports::RepositoryError;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{corrupt, count, text_array};
use crate::schema::licenses;

type LastValidatedAt = SqlLiteral<Nullable<Timestamptz>>;

/// A license's `lastValidatedAt`, beside a query over `licenses` (unaliased).
fn last_validated_at() -> LastValidatedAt {
    sql("(SELECT v.validated_at FROM license_last_validations v WHERE v.license_id = licenses.id)")
}

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = licenses, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub(crate) struct LicenseRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub product_id: Uuid,
    pub customer_id: Option<Uuid>,
    pub key: String,
    pub key_lookup: String,
    pub plan: Option<String>,
    pub status: String,
    pub issued_to: Option<String>,
    pub issued_email: Option<String>,
    pub features: Vec<Option<String>>,
    pub max_activations: Option<i32>,
    pub activation_count: i32,
    pub expires_at: Option<OffsetDateTime>,
    pub heartbeat_interval_seconds: Option<i32>,
    /// Read from `license_last_validations` (the usage flush writes it there, not on
    /// this wide row); never written through this row.
    #[diesel(
        select_expression = last_validated_at(),
        select_expression_type = LastValidatedAt,
        skip_insertion,
        skip_update
    )]
    pub last_validated_at: Option<OffsetDateTime>,
    pub metadata: Value,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<LicenseRow> for License {
    type Error = RepositoryError;

    fn try_from(row: LicenseRow) -> Result<Self, Self::Error> {
        Ok(License {
            id: LicenseId::from_uuid(row.id),
            owner: UserId::from_uuid(row.user_id),
            product_id: ProductId::from_uuid(row.product_id),
            customer_id: row.customer_id.map(CustomerId::from_uuid),
            key: LicenseKey::from_storage(row.key),
            plan: row.plan,
            status: row.status.parse().map_err(corrupt("licenses", "status"))?,
            issued_to: row
                .issued_to
                .as_deref()
                .map(Name::parse)
                .transpose()
                .map_err(corrupt("licenses", "issued_to"))?,
            issued_email: row
                .issued_email
                .as_deref()
                .map(Email::parse)
                .transpose()
                .map_err(corrupt("licenses", "issued_email"))?,
            features: Feature::parse_list(&text_array(row.features))
                .map_err(corrupt("licenses", "features"))?,
            max_activations: row.max_activations.map(count),
            activation_count: count(row.activation_count),
            expires_at: row.expires_at,
            heartbeat_interval_seconds: row.heartbeat_interval_seconds.map(count),
            last_validated_at: row.last_validated_at,
            metadata: Metadata::parse(row.metadata).map_err(corrupt("licenses", "metadata"))?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl From<&License> for LicenseRow {
    fn from(l: &License) -> Self {
        Self {
            id: l.id.as_uuid(),
            user_id: l.owner.as_uuid(),
            product_id: l.product_id.as_uuid(),
            customer_id: l.customer_id.map(|c| c.as_uuid()),
            key: l.key.as_str().to_owned(),
            key_lookup: l.key.lookup_form().to_owned(),
            plan: l.plan.clone(),
            status: l.status.as_str().to_owned(),
            issued_to: l.issued_to.as_ref().map(|n| n.as_str().to_owned()),
            issued_email: l.issued_email.as_ref().map(|e| e.as_str().to_owned()),
            features: l
                .features
                .iter()
                .map(|f| Some(f.as_str().to_owned()))
                .collect(),
            max_activations: l
                .max_activations
                .map(|m| i32::try_from(m).unwrap_or(i32::MAX)),
            activation_count: i32::try_from(l.activation_count).unwrap_or(i32::MAX),
            expires_at: l.expires_at,
            heartbeat_interval_seconds: l
                .heartbeat_interval_seconds
                .map(|s| i32::try_from(s).unwrap_or(i32::MAX)),
            last_validated_at: l.last_validated_at,
            metadata: l.metadata.to_value(),
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}
