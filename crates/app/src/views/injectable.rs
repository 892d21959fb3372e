//! Views of injectables: lists show what describes them, a single one its content too.

use licentia_domain::ids::{InjectableId, ProductId};
use licentia_domain::injectable::{Injectable, InjectableSummary};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// An injectable as listed (no content).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = InjectableSummary)]
#[serde(rename_all = "camelCase")]
pub struct InjectableSummaryView {
    pub id: InjectableId,
    pub product_id: ProductId,
    pub name: String,
    pub slug: String,
    pub content_type: String,
    /// `text` or `base64`: how `content` is written.
    #[schema(value_type = crate::api::openapi::vocabulary::Encoding)]
    pub encoding: &'static str,
    /// Bytes of content.
    pub size: u64,
    pub target: Option<String>,
    pub active: bool,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
    #[serde(with = "super::timestamp")]
    pub updated_at: OffsetDateTime,
}

impl From<&InjectableSummary> for InjectableSummaryView {
    fn from(s: &InjectableSummary) -> Self {
        Self {
            id: s.id,
            product_id: s.product_id,
            name: s.name.as_str().to_owned(),
            slug: s.slug.as_str().to_owned(),
            content_type: s.content_type.as_str().to_owned(),
            encoding: s.encoding.as_str(),
            size: s.size,
            target: s.target.as_ref().map(|t| t.as_str().to_owned()),
            active: s.active,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// An injectable with its content.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Injectable)]
#[serde(rename_all = "camelCase")]
pub struct InjectableView {
    #[serde(flatten)]
    pub summary: InjectableSummaryView,
    pub content: String,
}

impl From<&Injectable> for InjectableView {
    fn from(i: &Injectable) -> Self {
        Self {
            summary: InjectableSummaryView::from(&i.summary),
            content: i.content.to_wire(),
        }
    }
}
