//! Management API keys.

use async_trait::async_trait;
use licentia_domain::account::User;
use licentia_domain::api_key::ApiKey;
use licentia_domain::ids::ApiKeyId;
use licentia_domain::secret_token::TokenHash;
use time::OffsetDateTime;

use crate::{Page, PageRequest, RepositoryError, Tenant};

/// A key to create; only the secret's hash is stored.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub key: ApiKey,
    pub secret_hash: TokenHash,
}

/// A new secret for an existing key.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub secret_hash: TokenHash,
    pub prefix: String,
    pub last_four: String,
    /// Until when the previous secret keeps working (`None`: it stops at once).
    pub previous_valid_until: Option<OffsetDateTime>,
    pub now: OffsetDateTime,
}

/// A key found by a presented secret, with its owner.
#[derive(Debug, Clone)]
pub struct AuthenticatedKey {
    pub key: ApiKey,
    pub owner: User,
}

/// API keys. Reads and writes are limited to the tenant; a product-scoped tenant
/// sees only keys limited to its product.
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// Stores a key.
    async fn create(&self, key: NewApiKey) -> Result<ApiKey, RepositoryError>;

    /// Keys of the tenant, newest first.
    async fn list(
        &self,
        tenant: Tenant,
        page: PageRequest,
    ) -> Result<Page<ApiKey>, RepositoryError>;

    /// MUST return `NotFound` outside the tenant.
    async fn get(&self, tenant: Tenant, id: ApiKeyId) -> Result<ApiKey, RepositoryError>;

    /// Marks the key revoked at `now` (idempotent). MUST return `NotFound` outside the tenant.
    async fn revoke(
        &self,
        tenant: Tenant,
        id: ApiKeyId,
        now: OffsetDateTime,
    ) -> Result<ApiKey, RepositoryError>;

    /// Replaces the secret. MUST return `NotFound` outside the tenant or for a revoked key.
    async fn rotate(
        &self,
        tenant: Tenant,
        id: ApiKeyId,
        rotation: Rotation,
    ) -> Result<ApiKey, RepositoryError>;

    /// The key whose current secret, or previous secret still within its grace at
    /// `now`, hashes to `hash`, revoked or expired keys included (the caller decides).
    async fn find_by_secret(
        &self,
        hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<AuthenticatedKey>, RepositoryError>;

    /// The account a key belongs to (operator commands). MUST return `NotFound` for an unknown id.
    async fn owner_of(&self, id: ApiKeyId)
    -> Result<licentia_domain::ids::UserId, RepositoryError>;

    /// Records last-use times in one batch (buffered by the caller).
    async fn record_last_used(
        &self,
        uses: &[(ApiKeyId, OffsetDateTime)],
    ) -> Result<(), RepositoryError>;
}
