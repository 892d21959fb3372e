//! Views of products and their allowed domains.

use licentia_domain::ids::ProductId;
use licentia_domain::plan::Plan;
use licentia_domain::product::{Product, ProductDomain};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A product.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Product)]
#[serde(rename_all = "camelCase")]
pub struct ProductView {
    pub id: ProductId,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub key_prefix: String,
    pub plans: Vec<Plan>,
    #[schema(value_type = Object)]
    #[schema(value_type = Object)]
    pub metadata: Value,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
    #[serde(with = "super::timestamp")]
    pub updated_at: OffsetDateTime,
}

impl From<&Product> for ProductView {
    fn from(p: &Product) -> Self {
        Self {
            id: p.id,
            name: p.name.as_str().to_owned(),
            slug: p.slug.as_str().to_owned(),
            description: p.description.as_ref().map(|d| d.as_str().to_owned()),
            key_prefix: p.key_prefix.as_str().to_owned(),
            plans: p.plans.clone(),
            metadata: p.metadata.to_value(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A domain on a product's allow-list.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ProductDomain)]
#[serde(rename_all = "camelCase")]
pub struct ProductDomainView {
    pub product_id: ProductId,
    pub domain: String,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
}

impl From<&ProductDomain> for ProductDomainView {
    fn from(d: &ProductDomain) -> Self {
        Self {
            product_id: d.product_id,
            domain: d.domain.as_str().to_owned(),
            created_at: d.created_at,
        }
    }
}
