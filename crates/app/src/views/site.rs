//! Views of WordPress sites and their actions, and the plugin-facing answers.

use licentia_domain::ids::{LicenseId, ProductId, SiteActionId, SiteId};
use licentia_domain::site::{Site, SiteAction};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A site as the vendor sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Site)]
#[serde(rename_all = "camelCase")]
pub struct SiteView {
    pub id: SiteId,
    pub product_id: ProductId,
    pub license_id: LicenseId,
    /// The domain holding the seat.
    pub domain: String,
    pub site_url: String,
    pub site_name: Option<String>,
    pub admin_email: Option<String>,
    pub wp_version: Option<String>,
    pub php_version: Option<String>,
    pub plugin_version: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub health_data: Option<Value>,
    #[serde(with = "super::timestamp")]
    pub last_seen_at: OffsetDateTime,
    /// No heartbeat for 48 hours.
    pub stale: bool,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
    #[serde(with = "super::timestamp")]
    pub updated_at: OffsetDateTime,
}

impl SiteView {
    /// The view of `site` at `now` (staleness depends on it).
    pub fn new(site: &Site, now: OffsetDateTime) -> Self {
        let text =
            |v: &Option<licentia_domain::site::Version>| v.as_ref().map(|v| v.as_str().to_owned());
        Self {
            id: site.id,
            product_id: site.product_id,
            license_id: site.license_id,
            domain: site.url.domain().as_str().to_owned(),
            site_url: site.url.as_str().to_owned(),
            site_name: site.name.as_ref().map(|n| n.as_str().to_owned()),
            admin_email: site.admin_email.as_ref().map(|e| e.as_str().to_owned()),
            wp_version: text(&site.report.wp_version),
            php_version: text(&site.report.php_version),
            plugin_version: text(&site.report.plugin_version),
            health_data: site.report.health_data.as_ref().map(|h| h.to_value()),
            last_seen_at: site.last_seen_at,
            stale: site.is_stale(now),
            created_at: site.created_at,
            updated_at: site.updated_at,
        }
    }
}

/// `register`'s answer: the token is shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RegisteredSite)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredSiteView {
    pub site_id: SiteId,
    pub site_token: String,
}

/// `heartbeat`'s answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SiteHeartbeat)]
#[serde(rename_all = "camelCase")]
pub struct SiteHeartbeatView {
    /// `VALID`, or the validation code refusing the site.
    #[schema(value_type = licentia_domain::validation::ValidationCode)]
    pub status: &'static str,
    pub pending_actions: u64,
}

/// A queued action.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SiteAction)]
#[serde(rename_all = "camelCase")]
pub struct SiteActionView {
    pub id: SiteActionId,
    pub site_id: SiteId,
    #[serde(rename = "type")]
    #[schema(value_type = crate::api::openapi::vocabulary::SiteActionType)]
    pub action_type: &'static str,
    #[schema(value_type = Object)]
    pub payload: Value,
    #[schema(value_type = crate::api::openapi::vocabulary::SiteActionState)]
    pub state: &'static str,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
    #[serde(with = "super::timestamp::option")]
    pub delivered_at: Option<OffsetDateTime>,
    #[serde(with = "super::timestamp::option")]
    pub done_at: Option<OffsetDateTime>,
}

impl From<&SiteAction> for SiteActionView {
    fn from(a: &SiteAction) -> Self {
        Self {
            id: a.id,
            site_id: a.site_id,
            action_type: a.action_type.as_str(),
            payload: a.payload.to_value(),
            state: a.state.as_str(),
            created_at: a.created_at,
            delivered_at: a.delivered_at,
            done_at: a.done_at,
        }
    }
}

/// `pending-actions`' answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PendingActions)]
#[serde(rename_all = "camelCase")]
pub struct PendingActionsView {
    pub actions: Vec<SiteActionView>,
}
