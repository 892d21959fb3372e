//! View of a customer.

use licentia_domain::customer::Customer;
use licentia_domain::ids::CustomerId;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A customer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Customer)]
#[serde(rename_all = "camelCase")]
pub struct CustomerView {
    pub id: CustomerId,
    pub email: String,
    pub name: String,
    pub company: Option<String>,
    pub external_id: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
    #[serde(with = "super::timestamp")]
    pub updated_at: OffsetDateTime,
}

impl From<&Customer> for CustomerView {
    fn from(c: &Customer) -> Self {
        Self {
            id: c.id,
            email: c.email.as_str().to_owned(),
            name: c.name.as_str().to_owned(),
            company: c.company.as_ref().map(|n| n.as_str().to_owned()),
            external_id: c.external_id.as_ref().map(|n| n.as_str().to_owned()),
            metadata: c.metadata.to_value(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}
