//! Whole rows of the tables whose secrets the API never reads back (`users`,
//! `api_keys`, `sites`, `webhook_endpoints`), for account archives: the hashes and
//! sealed secrets travel with them.

use diesel::prelude::*;
use licentia_domain::email::Email;
use licentia_domain::ids::UserId;
use licentia_domain::secret_token::TokenHash;
use licentia_domain::text::Name;
use licentia_ports::{
    AccountRecord, ApiKeyRecord, RepositoryError, SealedSecret, SiteRecord, WebhookRecord,
};
use secrecy::ExposeSecret;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ApiKeyRow, SiteRow, UserRow, WebhookEndpointRow, corrupt};
use crate::schema::{api_keys, sites, webhook_endpoints};

fn token_hash(table: &'static str, bytes: &[u8]) -> Result<TokenHash, RepositoryError> {
    TokenHash::from_bytes(bytes)
        .ok_or_else(|| RepositoryError::Internal(format!("corrupt row in {table}: a hash")))
}

impl TryFrom<UserRow> for AccountRecord {
    type Error = RepositoryError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        Ok(Self {
            id: UserId::from_uuid(row.id),
            email: Email::parse(&row.email).map_err(corrupt("users", "email"))?,
            name: Name::parse(&row.name).map_err(corrupt("users", "name"))?,
            password_hash: row.password_hash.into(),
            tier: row.tier.parse().map_err(corrupt("users", "tier"))?,
            role: row.role.parse().map_err(corrupt("users", "role"))?,
            disabled_at: row.disabled_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl From<&AccountRecord> for UserRow {
    fn from(a: &AccountRecord) -> Self {
        Self {
            id: a.id.as_uuid(),
            email: a.email.as_str().to_owned(),
            name: a.name.as_str().to_owned(),
            password_hash: a.password_hash.expose_secret().to_owned(),
            tier: a.tier.as_str().to_owned(),
            role: a.role.as_str().to_owned(),
            disabled_at: a.disabled_at,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// Every column of `api_keys`.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ArchivedApiKeyRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub last_four: String,
    pub secret_hash: Vec<u8>,
    pub previous_secret_hash: Option<Vec<u8>>,
    pub previous_valid_until: Option<OffsetDateTime>,
    pub scopes: Vec<Option<String>>,
    pub product_id: Option<Uuid>,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<ArchivedApiKeyRow> for ApiKeyRecord {
    type Error = RepositoryError;

    fn try_from(row: ArchivedApiKeyRow) -> Result<Self, Self::Error> {
        let secret_hash = token_hash("api_keys", &row.secret_hash)?;
        let previous_secret_hash = row
            .previous_secret_hash
            .as_deref()
            .map(|bytes| token_hash("api_keys", bytes))
            .transpose()?;
        let key = ApiKeyRow {
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            prefix: row.prefix,
            last_four: row.last_four,
            scopes: row.scopes,
            product_id: row.product_id,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
        .try_into()?;
        Ok(Self {
            key,
            secret_hash,
            previous_secret_hash,
            previous_valid_until: row.previous_valid_until,
        })
    }
}

impl From<&ApiKeyRecord> for ArchivedApiKeyRow {
    fn from(record: &ApiKeyRecord) -> Self {
        let k = &record.key;
        Self {
            id: k.id.as_uuid(),
            user_id: k.owner.as_uuid(),
            name: k.name.as_str().to_owned(),
            prefix: k.prefix.clone(),
            last_four: k.last_four.clone(),
            secret_hash: record.secret_hash.as_bytes().to_vec(),
            previous_secret_hash: record.previous_secret_hash.map(|h| h.as_bytes().to_vec()),
            previous_valid_until: record.previous_valid_until,
            scopes: k.scopes.to_strings().into_iter().map(Some).collect(),
            product_id: k.product_id.map(|p| p.as_uuid()),
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
            last_used_at: k.last_used_at,
            created_at: k.created_at,
            updated_at: k.updated_at,
        }
    }
}

/// Every column of `sites`.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = sites, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ArchivedSiteRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub product_id: Uuid,
    pub license_id: Uuid,
    pub domain: String,
    pub site_url: String,
    pub site_name: Option<String>,
    pub admin_email: Option<String>,
    pub wp_version: Option<String>,
    pub php_version: Option<String>,
    pub plugin_version: Option<String>,
    pub health_data: Option<Value>,
    pub token_hash: Vec<u8>,
    pub last_seen_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<ArchivedSiteRow> for SiteRecord {
    type Error = RepositoryError;

    fn try_from(row: ArchivedSiteRow) -> Result<Self, Self::Error> {
        let token_hash = token_hash("sites", &row.token_hash)?;
        let site = SiteRow {
            id: row.id,
            user_id: row.user_id,
            product_id: row.product_id,
            license_id: row.license_id,
            domain: row.domain,
            site_url: row.site_url,
            site_name: row.site_name,
            admin_email: row.admin_email,
            wp_version: row.wp_version,
            php_version: row.php_version,
            plugin_version: row.plugin_version,
            health_data: row.health_data,
            last_seen_at: row.last_seen_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
        .try_into()?;
        Ok(Self { site, token_hash })
    }
}

impl From<&SiteRecord> for ArchivedSiteRow {
    fn from(record: &SiteRecord) -> Self {
        let s = SiteRow::from(&record.site);
        Self {
            id: s.id,
            user_id: s.user_id,
            product_id: s.product_id,
            license_id: s.license_id,
            domain: s.domain,
            site_url: s.site_url,
            site_name: s.site_name,
            admin_email: s.admin_email,
            wp_version: s.wp_version,
            php_version: s.php_version,
            plugin_version: s.plugin_version,
            health_data: s.health_data,
            token_hash: record.token_hash.as_bytes().to_vec(),
            last_seen_at: s.last_seen_at,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// Every column of `webhook_endpoints`.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ArchivedWebhookRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub product_id: Option<Uuid>,
    pub url: String,
    pub events: Vec<Option<String>>,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<OffsetDateTime>,
    pub secret_sealed: Vec<u8>,
    pub previous_secret_sealed: Option<Vec<u8>>,
    pub secret_rotated_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<ArchivedWebhookRow> for WebhookRecord {
    type Error = RepositoryError;

    fn try_from(row: ArchivedWebhookRow) -> Result<Self, Self::Error> {
        let endpoint = WebhookEndpointRow {
            id: row.id,
            user_id: row.user_id,
            product_id: row.product_id,
            url: row.url,
            events: row.events,
            description: row.description,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            failing_since: row.failing_since,
            secret_rotated_at: row.secret_rotated_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
        .try_into()?;
        Ok(Self {
            endpoint,
            secret: SealedSecret(row.secret_sealed),
            previous_secret: row.previous_secret_sealed.map(SealedSecret),
        })
    }
}

impl From<&WebhookRecord> for ArchivedWebhookRow {
    fn from(record: &WebhookRecord) -> Self {
        let e = WebhookEndpointRow::from(&record.endpoint);
        Self {
            id: e.id,
            user_id: e.user_id,
            product_id: e.product_id,
            url: e.url,
            events: e.events,
            description: e.description,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            failing_since: e.failing_since,
            secret_sealed: record.secret.0.clone(),
            previous_secret_sealed: record.previous_secret.as_ref().map(|s| s.0.clone()),
            secret_rotated_at: e.secret_rotated_at,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}
