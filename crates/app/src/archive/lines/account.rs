//! The `account` line (with its Argon2id password hash) and `apiKey` lines (with the
//! SHA-256 hashes of their secrets): the vendor logs in and the shop's keys keep
//! working on the new server.

use licentia_domain::api_key::ApiKey;
use licentia_domain::email::Email;
use licentia_domain::ids::{ApiKeyId, ProductId, UserId};
use licentia_domain::scope::ScopeSet;
use licentia_domain::text::Name;
use licentia_ports::{AccountRecord, ApiKeyRecord};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Redacted, hash_from_wire, hash_to_wire};
use crate::archive::line::{InvalidField, field};
use crate::passwords::check_stored_hash;

/// `{"kind":"account", …}`: always the second line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountLine {
    pub id: UserId,
    pub email: String,
    pub name: String,
    /// The Argon2id PHC string.
    pub password_hash: Redacted,
    pub tier: String,
    pub role: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub disabled_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<&AccountRecord> for AccountLine {
    fn from(a: &AccountRecord) -> Self {
        Self {
            id: a.id,
            email: a.email.as_str().to_owned(),
            name: a.name.as_str().to_owned(),
            password_hash: Redacted(a.password_hash.expose_secret().to_owned()),
            tier: a.tier.as_str().to_owned(),
            role: a.role.as_str().to_owned(),
            disabled_at: a.disabled_at,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

impl AccountLine {
    pub fn into_record(self) -> Result<AccountRecord, InvalidField> {
        field("passwordHash", check_stored_hash(&self.password_hash.0))?;
        Ok(AccountRecord {
            id: self.id,
            email: field("email", Email::parse(&self.email))?,
            name: field("name", Name::parse(&self.name))?,
            password_hash: self.password_hash.0.into(),
            tier: field("tier", self.tier.parse())?,
            role: field("role", self.role.parse())?,
            disabled_at: self.disabled_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// `{"kind":"apiKey", …}`: a management API key, its secret as a SHA-256 hash.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiKeyLine {
    pub id: ApiKeyId,
    pub name: String,
    /// The first characters of the secret, as listed (`sk_live_AbCd`).
    pub prefix: String,
    pub last_four: String,
    pub scopes: Vec<String>,
    #[serde(default)]
    pub product_id: Option<ProductId>,
    /// Base64 of the SHA-256 of the secret.
    pub secret_hash: Redacted,
    #[serde(default)]
    pub previous_secret_hash: Option<Redacted>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub previous_valid_until: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<&ApiKeyRecord> for ApiKeyLine {
    fn from(r: &ApiKeyRecord) -> Self {
        let k = &r.key;
        Self {
            id: k.id,
            name: k.name.as_str().to_owned(),
            prefix: k.prefix.clone(),
            last_four: k.last_four.clone(),
            scopes: k.scopes.to_strings(),
            product_id: k.product_id,
            secret_hash: hash_to_wire(&r.secret_hash),
            previous_secret_hash: r.previous_secret_hash.as_ref().map(hash_to_wire),
            previous_valid_until: r.previous_valid_until,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
            last_used_at: k.last_used_at,
            created_at: k.created_at,
            updated_at: k.updated_at,
        }
    }
}

/// Short visible strings (`prefix`, `lastFour`): what the key listing shows.
fn visible(name: &'static str, raw: String, max: usize) -> Result<String, InvalidField> {
    if raw.is_empty() || raw.len() > max || !raw.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(InvalidField::new(
            name,
            format!("must be 1 to {max} visible ASCII characters"),
        ));
    }
    Ok(raw)
}

impl ApiKeyLine {
    pub fn into_record(self, owner: UserId) -> Result<ApiKeyRecord, InvalidField> {
        Ok(ApiKeyRecord {
            key: ApiKey {
                id: self.id,
                owner,
                name: field("name", Name::parse(&self.name))?,
                prefix: visible("prefix", self.prefix, 32)?,
                last_four: visible("lastFour", self.last_four, 4)?,
                scopes: field("scopes", ScopeSet::parse(&self.scopes))?,
                product_id: self.product_id,
                expires_at: self.expires_at,
                revoked_at: self.revoked_at,
                last_used_at: self.last_used_at,
                created_at: self.created_at,
                updated_at: self.updated_at,
            },
            secret_hash: hash_from_wire("secretHash", &self.secret_hash)?,
            previous_secret_hash: self
                .previous_secret_hash
                .as_ref()
                .map(|h| hash_from_wire("previousSecretHash", h))
                .transpose()?,
            previous_valid_until: self.previous_valid_until,
        })
    }
}
