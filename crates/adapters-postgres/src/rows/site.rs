//! `sites` and `site_actions` rows.

use diesel::prelude::*;
use licentia_domain::domain_name::DomainName;
use licentia_domain::email::Email;
use licentia_domain::ids::{LicenseId, ProductId, SiteActionId, SiteId, UserId};
use licentia_domain::metadata::Metadata;
use licentia_domain::site::{
    Site, SiteAction, SiteActionState, SiteActionType, SiteReport, SiteUrl, Version,
};
use licentia_domain::text::Name;
use licentia_ports::RepositoryError;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::corrupt;
use crate::schema::{site_actions, sites};

/// A site (its token hash is written, never read back into the domain).
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sites, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub(crate) struct SiteRow {
    #[diesel(skip_update)]
    pub id: Uuid,
    #[diesel(skip_update)]
    pub user_id: Uuid,
    #[diesel(skip_update)]
    pub product_id: Uuid,
    #[diesel(skip_update)]
    pub license_id: Uuid,
    #[diesel(skip_update)]
    pub domain: String,
    pub site_url: String,
    pub site_name: Option<String>,
    pub admin_email: Option<String>,
    pub wp_version: Option<String>,
    pub php_version: Option<String>,
    pub plugin_version: Option<String>,
    pub health_data: Option<Value>,
    pub last_seen_at: OffsetDateTime,
    #[diesel(skip_update)]
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

fn version(raw: Option<String>, field: &'static str) -> Result<Option<Version>, RepositoryError> {
    raw.as_deref()
        .map(Version::parse)
        .transpose()
        .map_err(corrupt("sites", field))
}

impl TryFrom<SiteRow> for Site {
    type Error = RepositoryError;

    fn try_from(row: SiteRow) -> Result<Self, Self::Error> {
        let domain = DomainName::parse(&row.domain).map_err(corrupt("sites", "domain"))?;
        Ok(Site {
            id: SiteId::from_uuid(row.id),
            owner: UserId::from_uuid(row.user_id),
            product_id: ProductId::from_uuid(row.product_id),
            license_id: LicenseId::from_uuid(row.license_id),
            url: SiteUrl::from_storage(row.site_url, domain),
            name: row
                .site_name
                .as_deref()
                .map(Name::parse)
                .transpose()
                .map_err(corrupt("sites", "site_name"))?,
            admin_email: row
                .admin_email
                .as_deref()
                .map(Email::parse)
                .transpose()
                .map_err(corrupt("sites", "admin_email"))?,
            report: SiteReport {
                wp_version: version(row.wp_version, "wp_version")?,
                php_version: version(row.php_version, "php_version")?,
                plugin_version: version(row.plugin_version, "plugin_version")?,
                health_data: row
                    .health_data
                    .map(Metadata::parse)
                    .transpose()
                    .map_err(corrupt("sites", "health_data"))?,
            },
            last_seen_at: row.last_seen_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl From<&Site> for SiteRow {
    fn from(s: &Site) -> Self {
        let text = |v: &Option<Version>| v.as_ref().map(|v| v.as_str().to_owned());
        Self {
            id: s.id.as_uuid(),
            user_id: s.owner.as_uuid(),
            product_id: s.product_id.as_uuid(),
            license_id: s.license_id.as_uuid(),
            domain: s.url.domain().as_str().to_owned(),
            site_url: s.url.as_str().to_owned(),
            site_name: s.name.as_ref().map(|n| n.as_str().to_owned()),
            admin_email: s.admin_email.as_ref().map(|e| e.as_str().to_owned()),
            wp_version: text(&s.report.wp_version),
            php_version: text(&s.report.php_version),
            plugin_version: text(&s.report.plugin_version),
            health_data: s.report.health_data.as_ref().map(Metadata::to_value),
            last_seen_at: s.last_seen_at,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A queued action.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = site_actions, check_for_backend(diesel::pg::Pg))]
pub(crate) struct SiteActionRow {
    pub id: Uuid,
    pub site_id: Uuid,
    pub action_type: String,
    pub payload: Value,
    pub state: String,
    pub created_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
    pub done_at: Option<OffsetDateTime>,
}

impl TryFrom<SiteActionRow> for SiteAction {
    type Error = RepositoryError;

    fn try_from(row: SiteActionRow) -> Result<Self, Self::Error> {
        Ok(SiteAction {
            id: SiteActionId::from_uuid(row.id),
            site_id: SiteId::from_uuid(row.site_id),
            action_type: SiteActionType::parse(&row.action_type)
                .map_err(corrupt("site_actions", "action_type"))?,
            payload: Metadata::parse(row.payload).map_err(corrupt("site_actions", "payload"))?,
            state: SiteActionState::parse(&row.state).ok_or_else(|| {
                RepositoryError::Internal(format!(
                    "corrupt row in site_actions.state: {}",
                    row.state
                ))
            })?,
            created_at: row.created_at,
            delivered_at: row.delivered_at,
            done_at: row.done_at,
        })
    }
}

impl From<&SiteAction> for SiteActionRow {
    fn from(a: &SiteAction) -> Self {
        Self {
            id: a.id.as_uuid(),
            site_id: a.site_id.as_uuid(),
            action_type: a.action_type.as_str().to_owned(),
            payload: a.payload.to_value(),
            state: a.state.as_str().to_owned(),
            created_at: a.created_at,
            delivered_at: a.delivered_at,
            done_at: a.done_at,
        }
    }
}
