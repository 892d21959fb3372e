//! `injectables` rows.

use diesel::prelude::*;
use licentia_domain::ids::{InjectableId, ProductId, UserId};
use licentia_domain::injectable::{
    Content, ContentType, Encoding, Injectable, InjectableSummary, Target,
};
use licentia_domain::slug::Slug;
use licentia_domain::text::Name;
use licentia_ports::RepositoryError;
use time::OffsetDateTime;
use uuid::Uuid;

use super::corrupt;
use crate::schema::injectables;

/// An injectable without its content.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = injectables, check_for_backend(diesel::pg::Pg))]
pub(crate) struct InjectableSummaryRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub product_id: Uuid,
    pub name: String,
    pub slug: String,
    pub content_type: String,
    pub encoding: String,
    pub size_bytes: i32,
    pub target: Option<String>,
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A whole injectable.
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = injectables, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub(crate) struct InjectableRow {
    #[diesel(skip_update)]
    pub id: Uuid,
    #[diesel(skip_update)]
    pub user_id: Uuid,
    #[diesel(skip_update)]
    pub product_id: Uuid,
    pub name: String,
    pub slug: String,
    pub content_type: String,
    pub encoding: String,
    pub content: Vec<u8>,
    pub size_bytes: i32,
    pub target: Option<String>,
    pub active: bool,
    #[diesel(skip_update)]
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<InjectableSummaryRow> for InjectableSummary {
    type Error = RepositoryError;

    fn try_from(row: InjectableSummaryRow) -> Result<Self, Self::Error> {
        Ok(InjectableSummary {
            id: InjectableId::from_uuid(row.id),
            owner: UserId::from_uuid(row.user_id),
            product_id: ProductId::from_uuid(row.product_id),
            name: Name::parse(&row.name).map_err(corrupt("injectables", "name"))?,
            slug: Slug::parse(&row.slug).map_err(corrupt("injectables", "slug"))?,
            content_type: ContentType::parse(&row.content_type)
                .map_err(corrupt("injectables", "content_type"))?,
            encoding: Encoding::parse(&row.encoding).map_err(corrupt("injectables", "encoding"))?,
            size: u64::try_from(row.size_bytes).unwrap_or_default(),
            target: row
                .target
                .as_deref()
                .map(Target::parse)
                .transpose()
                .map_err(corrupt("injectables", "target"))?,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl TryFrom<InjectableRow> for Injectable {
    type Error = RepositoryError;

    fn try_from(row: InjectableRow) -> Result<Self, Self::Error> {
        let summary = InjectableSummary::try_from(InjectableSummaryRow {
            id: row.id,
            user_id: row.user_id,
            product_id: row.product_id,
            name: row.name,
            slug: row.slug,
            content_type: row.content_type,
            encoding: row.encoding,
            size_bytes: row.size_bytes,
            target: row.target,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })?;
        let content = Content::new(row.content, summary.encoding)
            .map_err(corrupt("injectables", "content"))?;
        Ok(Injectable { summary, content })
    }
}

impl From<&Injectable> for InjectableRow {
    fn from(i: &Injectable) -> Self {
        let s = &i.summary;
        Self {
            id: s.id.as_uuid(),
            user_id: s.owner.as_uuid(),
            product_id: s.product_id.as_uuid(),
            name: s.name.as_str().to_owned(),
            slug: s.slug.as_str().to_owned(),
            content_type: s.content_type.as_str().to_owned(),
            encoding: i.content.encoding().as_str().to_owned(),
            content: i.content.bytes().to_vec(),
            size_bytes: i32::try_from(i.content.bytes().len()).unwrap_or(i32::MAX),
            target: s.target.as_ref().map(|t| t.as_str().to_owned()),
            active: s.active,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}
