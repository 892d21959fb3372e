//! `Idempotency-Key`: remember the first answer to a POST and replay it.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::RepositoryError;

/// A response as first sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// What `begin` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyStart {
    /// First use: the caller proceeds and then completes or abandons.
    Started,
    /// Done before with the same request: replay this.
    Replay(StoredResponse),
    /// Used before with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

/// Remembered responses, scoped by credential. Entries older than 24 h are forgotten.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for this request, atomically: of two concurrent claims exactly
    /// one gets `Started`.
    async fn begin(
        &self,
        scope: &str,
        key: &str,
        request_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<IdempotencyStart, RepositoryError>;

    /// Stores the response of a claimed key.
    async fn complete(
        &self,
        scope: &str,
        key: &str,
        response: StoredResponse,
    ) -> Result<(), RepositoryError>;

    /// Releases a claimed key without a response (the request failed on our side).
    async fn abandon(&self, scope: &str, key: &str) -> Result<(), RepositoryError>;

    /// Forgets keys older than the retention window at `now`; returns how many.
    async fn purge_expired(&self, now: OffsetDateTime) -> Result<u64, RepositoryError>;
}
