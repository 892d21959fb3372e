//! Readiness: can the backing store answer?

use async_trait::async_trait;

use crate::RepositoryError;

/// A cheap probe of the backing store.
#[async_trait]
pub trait HealthCheck: Send + Sync {
    /// MUST return `Unavailable` when the store cannot answer a trivial query.
    async fn ping(&self) -> Result<(), RepositoryError>;
}
