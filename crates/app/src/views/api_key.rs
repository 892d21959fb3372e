//! Views of API keys: never the secret, except once at creation and rotation.

use licentia_domain::api_key::ApiKey;
use licentia_domain::ids::{ApiKeyId, ProductId};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// An API key as listed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ApiKey)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyView {
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub last_four: String,
    #[schema(value_type = Vec<crate::api::openapi::vocabulary::Scope>)]
    pub scopes: Vec<String>,
    pub product_id: Option<ProductId>,
    #[serde(with = "super::timestamp::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "super::timestamp::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "super::timestamp::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "super::timestamp")]
    pub created_at: OffsetDateTime,
    #[serde(with = "super::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// An API key with its secret: the answer to create and rotate, and only those.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CreatedApiKey)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKeyView {
    #[serde(flatten)]
    pub key: ApiKeyView,
    pub secret: String,
}

impl From<&ApiKey> for ApiKeyView {
    fn from(key: &ApiKey) -> Self {
        Self {
            id: key.id,
            name: key.name.as_str().to_owned(),
            prefix: key.prefix.clone(),
            last_four: key.last_four.clone(),
            scopes: key.scopes.to_strings(),
            product_id: key.product_id,
            expires_at: key.expires_at,
            revoked_at: key.revoked_at,
            last_used_at: key.last_used_at,
            created_at: key.created_at,
            updated_at: key.updated_at,
        }
    }
}
