//! WordPress: `site` lines (with the SHA-256 of the site's token, so the plugin keeps
//! working) and `siteAction` lines (actions queued for a site).

use licentia_domain::email::Email;
use licentia_domain::ids::{LicenseId, ProductId, SiteActionId, SiteId, UserId};
use licentia_domain::metadata::Metadata;
use licentia_domain::site::{
    Site, SiteAction, SiteActionState, SiteActionType, SiteReport, SiteUrl, Version,
};
use licentia_domain::text::Name;
use licentia_ports::SiteRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::{Redacted, hash_from_wire, hash_to_wire};
use crate::archive::line::{InvalidField, field, optional};

/// `{"kind":"site", …}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SiteLine {
    pub id: SiteId,
    pub product_id: ProductId,
    pub license_id: LicenseId,
    /// As registered; its domain holds the site's seat.
    pub url: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub admin_email: Option<String>,
    #[serde(default)]
    pub wp_version: Option<String>,
    #[serde(default)]
    pub php_version: Option<String>,
    #[serde(default)]
    pub plugin_version: Option<String>,
    #[serde(default)]
    pub health_data: Option<Value>,
    /// Base64 of the SHA-256 of the site's token.
    pub token_hash: Redacted,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<&SiteRecord> for SiteLine {
    fn from(r: &SiteRecord) -> Self {
        let s = &r.site;
        let text = |v: &Option<Version>| v.as_ref().map(|v| v.as_str().to_owned());
        Self {
            id: s.id,
            product_id: s.product_id,
            license_id: s.license_id,
            url: s.url.as_str().to_owned(),
            name: s.name.as_ref().map(|n| n.as_str().to_owned()),
            admin_email: s.admin_email.as_ref().map(|e| e.as_str().to_owned()),
            wp_version: text(&s.report.wp_version),
            php_version: text(&s.report.php_version),
            plugin_version: text(&s.report.plugin_version),
            health_data: s.report.health_data.as_ref().map(Metadata::to_value),
            token_hash: hash_to_wire(&r.token_hash),
            last_seen_at: s.last_seen_at,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

impl SiteLine {
    pub fn into_record(self, owner: UserId) -> Result<SiteRecord, InvalidField> {
        let version = |name, raw: Option<String>| optional(name, raw, |v| Version::parse(&v));
        Ok(SiteRecord {
            site: Site {
                id: self.id,
                owner,
                product_id: self.product_id,
                license_id: self.license_id,
                url: field("url", SiteUrl::parse(&self.url))?,
                name: optional("name", self.name, |n| Name::parse(&n))?,
                admin_email: optional("adminEmail", self.admin_email, |e| Email::parse(&e))?,
                report: SiteReport {
                    wp_version: version("wpVersion", self.wp_version)?,
                    php_version: version("phpVersion", self.php_version)?,
                    plugin_version: version("pluginVersion", self.plugin_version)?,
                    health_data: optional("healthData", self.health_data, Metadata::parse)?,
                },
                last_seen_at: self.last_seen_at,
                created_at: self.created_at,
                updated_at: self.updated_at,
            },
            token_hash: hash_from_wire("tokenHash", &self.token_hash)?,
        })
    }
}

/// `{"kind":"siteAction", …}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SiteActionLine {
    pub id: SiteActionId,
    pub site_id: SiteId,
    /// `deactivate`, `update_plugin`, `message` or `custom`.
    #[serde(rename = "type")]
    pub action_type: String,
    pub payload: Value,
    /// `pending`, `delivered` or `done`.
    pub state: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
}

impl From<&SiteAction> for SiteActionLine {
    fn from(a: &SiteAction) -> Self {
        Self {
            id: a.id,
            site_id: a.site_id,
            action_type: a.action_type.as_str().to_owned(),
            payload: a.payload.to_value(),
            state: a.state.as_str().to_owned(),
            created_at: a.created_at,
            delivered_at: a.delivered_at,
            done_at: a.done_at,
        }
    }
}

impl SiteActionLine {
    pub fn into_record(self) -> Result<SiteAction, InvalidField> {
        Ok(SiteAction {
            id: self.id,
            site_id: self.site_id,
            action_type: field("type", SiteActionType::parse(&self.action_type))?,
            payload: field("payload", Metadata::parse(self.payload))?,
            state: SiteActionState::parse(&self.state)
                .ok_or_else(|| InvalidField::new("state", "must be pending, delivered or done"))?,
            created_at: self.created_at,
            delivered_at: self.delivered_at,
            done_at: self.done_at,
        })
    }
}
