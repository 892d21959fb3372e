//! Products: what a vendor sells licenses for.

use time::OffsetDateTime;

use crate::domain_name::DomainPattern;
use crate::ids::{ProductId, UserId};
use crate::key_prefix::KeyPrefix;
use crate::metadata::Metadata;
use crate::plan::Plan;
use crate::slug::Slug;
use crate::text::{Description, Name};

/// A product with its plans.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: ProductId,
    pub owner: UserId,
    pub name: Name,
    pub slug: Slug,
    pub description: Option<Description>,
    pub key_prefix: KeyPrefix,
    pub plans: Vec<Plan>,
    pub metadata: Metadata,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A domain on a product's allow-list.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductDomain {
    pub product_id: ProductId,
    pub domain: DomainPattern,
    pub created_at: OffsetDateTime,
}
