//! `activations` rows.

use diesel::prelude::*;
use licentia_domain::activation::{Activation, Seat};
use licentia_domain::domain_name::DomainName;
use licentia_domain::fingerprint::Fingerprint;
use licentia_domain::ids::{ActivationId, LicenseId};
use licentia_domain::metadata::Metadata;
use licentia_ports::RepositoryError;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::corrupt;
use crate::schema::activations;

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = activations, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ActivationRow {
    pub id: Uuid,
    pub license_id: Uuid,
    pub fingerprint: Option<String>,
    pub domain: Option<String>,
    pub name: Option<String>,
    pub platform: Option<String>,
    pub ip_address: Option<String>,
    pub metadata: Value,
    pub last_heartbeat_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
}

impl TryFrom<ActivationRow> for Activation {
    type Error = RepositoryError;

    fn try_from(row: ActivationRow) -> Result<Self, Self::Error> {
        let seat = match (row.fingerprint, row.domain) {
            (Some(f), None) => {
                Seat::Device(Fingerprint::parse(&f).map_err(corrupt("activations", "fingerprint"))?)
            }
            (None, Some(d)) => {
                Seat::Site(DomainName::parse(&d).map_err(corrupt("activations", "domain"))?)
            }
            _ => {
                return Err(RepositoryError::Internal(
                    "corrupt row in activations: seat".into(),
                ));
            }
        };
        Ok(Activation {
            id: ActivationId::from_uuid(row.id),
            license_id: LicenseId::from_uuid(row.license_id),
            seat,
            name: row.name,
            platform: row.platform,
            ip_address: row.ip_address,
            metadata: Metadata::parse(row.metadata).map_err(corrupt("activations", "metadata"))?,
            last_heartbeat_at: row.last_heartbeat_at,
            created_at: row.created_at,
        })
    }
}

impl From<&Activation> for ActivationRow {
    fn from(a: &Activation) -> Self {
        let (fingerprint, domain) = match &a.seat {
            Seat::Device(f) => (Some(f.as_str().to_owned()), None),
            Seat::Site(d) => (None, Some(d.as_str().to_owned())),
        };
        Self {
            id: a.id.as_uuid(),
            license_id: a.license_id.as_uuid(),
            fingerprint,
            domain,
            name: a.name.clone(),
            platform: a.platform.clone(),
            ip_address: a.ip_address.clone(),
            metadata: a.metadata.to_value(),
            last_heartbeat_at: a.last_heartbeat_at,
            created_at: a.created_at,
        }
    }
}
