//! What a vendor sells: `product` lines (with their plans), `productDomain` lines (the
//! product's domain allow-list) and `injectable` lines (content shipped to licensed
//! copies).

use licentia_domain::ValidationError;
use licentia_domain::domain_name::DomainPattern;
use licentia_domain::ids::{InjectableId, ProductId, UserId};
use licentia_domain::injectable::{
    Content, ContentType, Encoding, Injectable, InjectableSummary, Target,
};
use licentia_domain::key_prefix::KeyPrefix;
use licentia_domain::metadata::Metadata;
use licentia_domain::plan::{Plan, check_heartbeat_interval, check_plans};
use licentia_domain::product::{Product, ProductDomain};
use licentia_domain::slug::Slug;
use licentia_domain::text::{Description, Name};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::archive::line::{InvalidField, field, optional};

/// `{"kind":"product", …}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductLine {
    pub id: ProductId,
    pub name: String,
    pub slug: String,
    #[serde(default)]
    pub description: Option<String>,
    pub key_prefix: String,
    /// As in the API: `name`, `maxActivations`, `durationDays`, `features`,
    /// `heartbeatIntervalSeconds`.
    pub plans: Vec<Plan>,
    pub metadata: Value,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<&Product> for ProductLine {
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

/// Checks plans as the API does when a product is created.
fn checked_plans(raw: Vec<Plan>) -> Result<Vec<Plan>, ValidationError> {
    let plans = raw
        .into_iter()
        .map(|p| {
            let mut plan = Plan::new(&p.name, p.max_activations, p.duration_days, p.features)?;
            plan.heartbeat_interval_seconds = p
                .heartbeat_interval_seconds
                .map(check_heartbeat_interval)
                .transpose()?;
            Ok(plan)
        })
        .collect::<Result<Vec<_>, ValidationError>>()?;
    check_plans(&plans)?;
    Ok(plans)
}

impl ProductLine {
    pub fn into_record(self, owner: UserId) -> Result<Product, InvalidField> {
        Ok(Product {
            id: self.id,
            owner,
            name: field("name", Name::parse(&self.name))?,
            slug: field("slug", Slug::parse(&self.slug))?,
            description: optional("description", self.description, |d| Description::parse(&d))?,
            key_prefix: field("keyPrefix", KeyPrefix::parse(&self.key_prefix))?,
            plans: field("plans", checked_plans(self.plans))?,
            metadata: field("metadata", Metadata::parse(self.metadata))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// `{"kind":"productDomain", …}`: one domain (or `*.` pattern) a product allows.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductDomainLine {
    pub product_id: ProductId,
    pub domain: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<&ProductDomain> for ProductDomainLine {
    fn from(d: &ProductDomain) -> Self {
        Self {
            product_id: d.product_id,
            domain: d.domain.as_str().to_owned(),
            created_at: d.created_at,
        }
    }
}

impl ProductDomainLine {
    pub fn into_record(self) -> Result<ProductDomain, InvalidField> {
        Ok(ProductDomain {
            product_id: self.product_id,
            domain: field("domain", DomainPattern::parse(&self.domain))?,
            created_at: self.created_at,
        })
    }
}

/// `{"kind":"injectable", …}`: `content` is text or base64, as `encoding` says.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InjectableLine {
    pub id: InjectableId,
    pub product_id: ProductId,
    pub name: String,
    pub slug: String,
    pub content_type: String,
    pub encoding: String,
    pub content: String,
    #[serde(default)]
    pub target: Option<String>,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<&Injectable> for InjectableLine {
    fn from(i: &Injectable) -> Self {
        let s = &i.summary;
        Self {
            id: s.id,
            product_id: s.product_id,
            name: s.name.as_str().to_owned(),
            slug: s.slug.as_str().to_owned(),
            content_type: s.content_type.as_str().to_owned(),
            encoding: i.content.encoding().as_str().to_owned(),
            content: i.content.to_wire(),
            target: s.target.as_ref().map(|t| t.as_str().to_owned()),
            active: s.active,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

impl InjectableLine {
    pub fn into_record(self, owner: UserId) -> Result<Injectable, InvalidField> {
        let encoding = field("encoding", Encoding::parse(&self.encoding))?;
        let content = field("content", Content::parse(&self.content, encoding))?;
        Ok(Injectable {
            summary: InjectableSummary {
                id: self.id,
                owner,
                product_id: self.product_id,
                name: field("name", Name::parse(&self.name))?,
                slug: field("slug", Slug::parse(&self.slug))?,
                content_type: field("contentType", ContentType::parse(&self.content_type))?,
                encoding,
                size: content.bytes().len() as u64,
                target: optional("target", self.target, |t| Target::parse(&t))?,
                active: self.active,
                created_at: self.created_at,
                updated_at: self.updated_at,
            },
            content,
        })
    }
}
