//! Readiness: can the backing store answer, and how busy is its connection pool?

use async_trait::async_trait;

use crate::RepositoryError;

/// How busy the store's connection pool is, at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolUsage {
    /// The most connections the pool opens.
    pub max: usize,
    /// Connections open now (idle or in use).
    pub open: usize,
    /// Open connections not in use.
    pub idle: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
}

impl PoolUsage {
    /// Open connections in use.
    pub fn in_use(&self) -> usize {
        self.open.saturating_sub(self.idle)
    }
}

/// A cheap probe of the backing store.
#[async_trait]
pub trait HealthCheck: Send + Sync {
    /// MUST return `Unavailable` when the store cannot answer a trivial query.
    async fn ping(&self) -> Result<(), RepositoryError>;

    /// The connection pool's usage, when the store has a pool; reading it MUST NOT
    /// wait for the store (metrics read it on every collection).
    fn pool_usage(&self) -> Option<PoolUsage> {
        None
    }
}
