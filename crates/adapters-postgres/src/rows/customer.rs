//! `customers` rows.

use diesel::prelude::*;
use licentia_domain::customer::{Customer, ExternalId};
use licentia_domain::email::Email;
use licentia_domain::ids::{CustomerId, UserId};
use licentia_domain::metadata::Metadata;
use licentia_domain::text::Name;
use licentia_ports::RepositoryError;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::corrupt;
use crate::schema::customers;

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = customers, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub(crate) struct CustomerRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub company: Option<String>,
    pub external_id: Option<String>,
    pub metadata: Value,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<CustomerRow> for Customer {
    type Error = RepositoryError;

    fn try_from(row: CustomerRow) -> Result<Self, Self::Error> {
        Ok(Customer {
            id: CustomerId::from_uuid(row.id),
            owner: UserId::from_uuid(row.user_id),
            email: Email::parse(&row.email).map_err(corrupt("customers", "email"))?,
            name: Name::parse(&row.name).map_err(corrupt("customers", "name"))?,
            company: row
                .company
                .as_deref()
                .map(Name::parse)
                .transpose()
                .map_err(corrupt("customers", "company"))?,
            external_id: row
                .external_id
                .as_deref()
                .map(ExternalId::parse)
                .transpose()
                .map_err(corrupt("customers", "external_id"))?,
            metadata: Metadata::parse(row.metadata).map_err(corrupt("customers", "metadata"))?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl From<&Customer> for CustomerRow {
    fn from(c: &Customer) -> Self {
        Self {
            id: c.id.as_uuid(),
            user_id: c.owner.as_uuid(),
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
