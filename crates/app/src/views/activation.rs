//! Views of activations: for running copies and for the vendor.

use licentia_domain::activation::{Activation, Seat};
use licentia_domain::ids::{ActivationId, LicenseId};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// An activation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Activation)]
#[serde(rename_all = "camelCase")]
pub struct ActivationView {
    pub id: ActivationId,
    pub license_id: LicenseId,
    pub fingerprint: Option<String>,
    pub domain: Option<String>,
    pub name: Option<String>,
    pub platform: Option<String>,
    pub ip_address: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// Whether the activation still holds its seat (heartbeats on time).
    pub alive: bool,
    #[serde(with = "super::timestamp")]
    pub last_heartbeat_at: OffsetDateTime,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
}

impl ActivationView {
    /// The view of `activation` as of `now`, with the license's heartbeat interval.
    pub fn new(
        activation: &Activation,
        heartbeat_interval: Option<u32>,
        now: OffsetDateTime,
    ) -> Self {
        let (fingerprint, domain) = match &activation.seat {
            Seat::Device(f) => (Some(f.as_str().to_owned()), None),
            Seat::Site(d) => (None, Some(d.as_str().to_owned())),
        };
        Self {
            id: activation.id,
            license_id: activation.license_id,
            fingerprint,
            domain,
            name: activation.name.clone(),
            platform: activation.platform.clone(),
            ip_address: activation.ip_address.clone(),
            metadata: activation.metadata.to_value(),
            alive: activation.is_alive(heartbeat_interval, now),
            last_heartbeat_at: activation.last_heartbeat_at,
            created_at: activation.created_at,
        }
    }
}
