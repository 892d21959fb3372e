//! Views of licenses and their assigned domains.

use licentia_domain::ids::{CustomerId, LicenseId, ProductId};
use licentia_domain::license::License;
use licentia_domain::license_status::LicenseStatus;
use licentia_domain::plan::Feature;
use licentia_ports::LicenseDomain;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A license, with its status as every reader sees it at `now`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = License)]
#[serde(rename_all = "camelCase")]
pub struct LicenseView {
    pub id: LicenseId,
    pub product_id: ProductId,
    pub customer_id: Option<CustomerId>,
    pub key: String,
    pub plan: Option<String>,
    pub status: LicenseStatus,
    pub issued_to: Option<String>,
    pub issued_email: Option<String>,
    pub features: Vec<Feature>,
    pub max_activations: Option<u32>,
    pub activation_count: u32,
    #[serde(with = "super::timestamp::option")]
    pub expires_at: Option<OffsetDateTime>,
    pub heartbeat_interval_seconds: Option<u32>,
    #[serde(with = "super::timestamp::option")]
    pub last_validated_at: Option<OffsetDateTime>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
    #[serde(with = "super::timestamp")]
    pub updated_at: OffsetDateTime,
}

impl LicenseView {
    /// The view of `license` as of `now`.
    pub fn new(license: &License, now: OffsetDateTime) -> Self {
        Self {
            id: license.id,
            product_id: license.product_id,
            customer_id: license.customer_id,
            key: license.key.as_str().to_owned(),
            plan: license.plan.clone(),
            status: license.effective_status(now),
            issued_to: license.issued_to.as_ref().map(|n| n.as_str().to_owned()),
            issued_email: license.issued_email.as_ref().map(|e| e.as_str().to_owned()),
            features: license.features.clone(),
            max_activations: license.max_activations,
            activation_count: license.activation_count,
            expires_at: license.expires_at,
            heartbeat_interval_seconds: license.heartbeat_interval_seconds,
            last_validated_at: license.last_validated_at,
            metadata: license.metadata.to_value(),
            created_at: license.created_at,
            updated_at: license.updated_at,
        }
    }
}

/// A domain assigned to a license.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = LicenseDomain)]
#[serde(rename_all = "camelCase")]
pub struct LicenseDomainView {
    pub license_id: LicenseId,
    pub domain: String,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
}

impl From<&LicenseDomain> for LicenseDomainView {
    fn from(d: &LicenseDomain) -> Self {
        Self {
            license_id: d.license_id,
            domain: d.domain.as_str().to_owned(),
            created_at: d.created_at,
        }
    }
}
