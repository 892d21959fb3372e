//! Who bought what: `customer` lines, `license` lines (keys kept as issued, so running
//! copies keep validating), `licenseDomain` lines and `activation` lines (the seats
//! taken).

use licentia_domain::ValidationError;
use licentia_domain::activation::{Activation, Seat};
use licentia_domain::customer::{Customer, ExternalId};
use licentia_domain::domain_name::DomainName;
use licentia_domain::email::Email;
use licentia_domain::fingerprint::Fingerprint;
use licentia_domain::ids::{ActivationId, CustomerId, LicenseId, ProductId, UserId};
use licentia_domain::license::License;
use licentia_domain::license_key::LicenseKey;
use licentia_domain::metadata::Metadata;
use licentia_domain::plan::{Feature, check_heartbeat_interval};
use licentia_domain::text::{BoundedText, Name};
use licentia_ports::LicenseDomain;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::archive::line::{InvalidField, field, optional};

/// `{"kind":"customer", …}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerLine {
    pub id: CustomerId,
    pub email: String,
    pub name: String,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    pub metadata: Value,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<&Customer> for CustomerLine {
    fn from(c: &Customer) -> Self {
        Self {
            id: c.id,
            email: c.email.as_str().to_owned(),
            name: c.name.as_str().to_owned(),
            company: c.company.as_ref().map(|n| n.as_str().to_owned()),
            external_id: c.external_id.as_ref().map(|e| e.as_str().to_owned()),
            metadata: c.metadata.to_value(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl CustomerLine {
    pub fn into_record(self, owner: UserId) -> Result<Customer, InvalidField> {
        Ok(Customer {
            id: self.id,
            owner,
            email: field("email", Email::parse(&self.email))?,
            name: field("name", Name::parse(&self.name))?,
            company: optional("company", self.company, |c| Name::parse(&c))?,
            external_id: optional("externalId", self.external_id, |e| ExternalId::parse(&e))?,
            metadata: field("metadata", Metadata::parse(self.metadata))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// `{"kind":"license", …}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LicenseLine {
    pub id: LicenseId,
    pub product_id: ProductId,
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// The key as issued.
    pub key: String,
    #[serde(default)]
    pub plan: Option<String>,
    /// The stored status (`ACTIVE`, …), not the effective one.
    pub status: String,
    #[serde(default)]
    pub issued_to: Option<String>,
    #[serde(default)]
    pub issued_email: Option<String>,
    pub features: Vec<String>,
    #[serde(default)]
    pub max_activations: Option<u32>,
    pub activation_count: u32,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub heartbeat_interval_seconds: Option<u32>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_validated_at: Option<OffsetDateTime>,
    pub metadata: Value,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<&License> for LicenseLine {
    fn from(l: &License) -> Self {
        Self {
            id: l.id,
            product_id: l.product_id,
            customer_id: l.customer_id,
            key: l.key.as_str().to_owned(),
            plan: l.plan.clone(),
            status: l.status.as_str().to_owned(),
            issued_to: l.issued_to.as_ref().map(|n| n.as_str().to_owned()),
            issued_email: l.issued_email.as_ref().map(|e| e.as_str().to_owned()),
            features: l.features.iter().map(|f| f.as_str().to_owned()).collect(),
            max_activations: l.max_activations,
            activation_count: l.activation_count,
            expires_at: l.expires_at,
            heartbeat_interval_seconds: l.heartbeat_interval_seconds,
            last_validated_at: l.last_validated_at,
            metadata: l.metadata.to_value(),
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

/// A plan name as products hold them: 1 to 100 characters.
type PlanName = BoundedText<100>;

/// As the API bounds it.
fn max_activations(raw: u32) -> Result<u32, ValidationError> {
    if raw <= 1_000_000 {
        Ok(raw)
    } else {
        Err(ValidationError::new("must be at most 1000000"))
    }
}

impl LicenseLine {
    pub fn into_record(self, owner: UserId) -> Result<License, InvalidField> {
        Ok(License {
            id: self.id,
            owner,
            product_id: self.product_id,
            customer_id: self.customer_id,
            key: field("key", LicenseKey::import(&self.key))?,
            plan: optional("plan", self.plan, |p| {
                PlanName::parse(&p).map(PlanName::into_inner)
            })?,
            status: field("status", self.status.parse())?,
            issued_to: optional("issuedTo", self.issued_to, |n| Name::parse(&n))?,
            issued_email: optional("issuedEmail", self.issued_email, |e| Email::parse(&e))?,
            features: field("features", Feature::parse_list(&self.features))?,
            max_activations: optional("maxActivations", self.max_activations, max_activations)?,
            activation_count: self.activation_count,
            expires_at: self.expires_at,
            heartbeat_interval_seconds: optional(
                "heartbeatIntervalSeconds",
                self.heartbeat_interval_seconds,
                check_heartbeat_interval,
            )?,
            last_validated_at: self.last_validated_at,
            metadata: field("metadata", Metadata::parse(self.metadata))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// `{"kind":"licenseDomain", …}`: a domain assigned to a license.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LicenseDomainLine {
    pub license_id: LicenseId,
    pub domain: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<&LicenseDomain> for LicenseDomainLine {
    fn from(d: &LicenseDomain) -> Self {
        Self {
            license_id: d.license_id,
            domain: d.domain.as_str().to_owned(),
            created_at: d.created_at,
        }
    }
}

impl LicenseDomainLine {
    pub fn into_record(self) -> Result<LicenseDomain, InvalidField> {
        Ok(LicenseDomain {
            license_id: self.license_id,
            domain: field("domain", DomainName::parse(&self.domain))?,
            created_at: self.created_at,
        })
    }
}

/// `{"kind":"activation", …}`: exactly one of `fingerprint` (a device) and `domain` (a
/// site).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActivationLine {
    pub id: ActivationId,
    pub license_id: LicenseId,
    #[serde(default)]
    pub fingerprint: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub ip_address: Option<String>,
    pub metadata: Value,
    #[serde(with = "time::serde::rfc3339")]
    pub last_heartbeat_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<&Activation> for ActivationLine {
    fn from(a: &Activation) -> Self {
        let (fingerprint, domain) = match &a.seat {
            Seat::Device(f) => (Some(f.as_str().to_owned()), None),
            Seat::Site(d) => (None, Some(d.as_str().to_owned())),
        };
        Self {
            id: a.id,
            license_id: a.license_id,
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

/// What a running copy reports about itself (`name`, `platform`): as the runtime API
/// accepts it.
type Short = BoundedText<255>;

fn ip_address(raw: String) -> Result<String, ValidationError> {
    raw.trim()
        .parse::<std::net::IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| ValidationError::new("must be an IP address"))
}

impl ActivationLine {
    pub fn into_record(self) -> Result<Activation, InvalidField> {
        let seat = match (self.fingerprint, self.domain) {
            (Some(f), None) => Seat::Device(field("fingerprint", Fingerprint::parse(&f))?),
            (None, Some(d)) => Seat::Site(field("domain", DomainName::parse(&d))?),
            _ => {
                return Err(InvalidField::new(
                    "fingerprint",
                    "or `domain` must be given, not both",
                ));
            }
        };
        Ok(Activation {
            id: self.id,
            license_id: self.license_id,
            seat,
            name: optional("name", self.name, |n| {
                Short::parse(&n).map(Short::into_inner)
            })?,
            platform: optional("platform", self.platform, |p| {
                Short::parse(&p).map(Short::into_inner)
            })?,
            ip_address: optional("ipAddress", self.ip_address, ip_address)?,
            metadata: field("metadata", Metadata::parse(self.metadata))?,
            last_heartbeat_at: self.last_heartbeat_at,
            created_at: self.created_at,
        })
    }
}
