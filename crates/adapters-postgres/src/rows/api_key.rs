//! `api_keys` rows.

use diesel::prelude::*;
use licentia_domain::api_key::ApiKey;
use licentia_domain::ids::{ApiKeyId, ProductId, UserId};
use licentia_domain::scope::ScopeSet;
use licentia_domain::text::Name;
use licentia_ports::RepositoryError;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{corrupt, text_array};
use crate::schema::api_keys;

#[derive(Debug, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = api_keys, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ApiKeyRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub last_four: String,
    pub scopes: Vec<Option<String>>,
    pub product_id: Option<Uuid>,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_keys)]
pub(crate) struct NewApiKeyRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub last_four: String,
    pub secret_hash: Vec<u8>,
    pub scopes: Vec<String>,
    pub product_id: Option<Uuid>,
    pub expires_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = RepositoryError;

    fn try_from(row: ApiKeyRow) -> Result<Self, Self::Error> {
        Ok(ApiKey {
            id: ApiKeyId::from_uuid(row.id),
            owner: UserId::from_uuid(row.user_id),
            name: Name::parse(&row.name).map_err(corrupt("api_keys", "name"))?,
            prefix: row.prefix,
            last_four: row.last_four,
            scopes: ScopeSet::parse(&text_array(row.scopes))
                .map_err(corrupt("api_keys", "scopes"))?,
            product_id: row.product_id.map(ProductId::from_uuid),
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}
