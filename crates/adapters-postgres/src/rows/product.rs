//! `products` rows.

use diesel::prelude::*;
use licentia_domain::ValidationError;
use licentia_domain::ids::{ProductId, UserId};
use licentia_domain::key_prefix::KeyPrefix;
use licentia_domain::metadata::Metadata;
use licentia_domain::plan::Plan;
use licentia_domain::product::Product;
use licentia_domain::slug::Slug;
use licentia_domain::text::{Description, Name};
use licentia_ports::RepositoryError;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::corrupt;
use crate::schema::products;

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = products, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub(crate) struct ProductRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub key_prefix: String,
    pub plans: Value,
    pub metadata: Value,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<ProductRow> for Product {
    type Error = RepositoryError;

    fn try_from(row: ProductRow) -> Result<Self, Self::Error> {
        let plans: Vec<Plan> = serde_json::from_value(row.plans)
            .map_err(|e| ValidationError::owned(e.to_string()))
            .map_err(corrupt("products", "plans"))?;
        Ok(Product {
            id: ProductId::from_uuid(row.id),
            owner: UserId::from_uuid(row.user_id),
            name: Name::parse(&row.name).map_err(corrupt("products", "name"))?,
            slug: Slug::parse(&row.slug).map_err(corrupt("products", "slug"))?,
            description: row
                .description
                .as_deref()
                .map(Description::parse)
                .transpose()
                .map_err(corrupt("products", "description"))?,
            key_prefix: KeyPrefix::parse(&row.key_prefix)
                .map_err(corrupt("products", "key_prefix"))?,
            plans,
            metadata: Metadata::parse(row.metadata).map_err(corrupt("products", "metadata"))?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl From<&Product> for ProductRow {
    fn from(p: &Product) -> Self {
        Self {
            id: p.id.as_uuid(),
            user_id: p.owner.as_uuid(),
            name: p.name.as_str().to_owned(),
            slug: p.slug.as_str().to_owned(),
            description: p.description.as_ref().map(|d| d.as_str().to_owned()),
            key_prefix: p.key_prefix.as_str().to_owned(),
            plans: serde_json::to_value(&p.plans).unwrap_or(Value::Array(vec![])),
            metadata: p.metadata.to_value(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}
