//! Readiness probe and pool usage.

use async_trait::async_trait;
use diesel_async::SimpleAsyncConnection;
use licentia_ports::{HealthCheck, PoolUsage, RepositoryError};

use super::PostgresStore;
use crate::error::db_error;

#[async_trait]
impl HealthCheck for PostgresStore {
    async fn ping(&self) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        conn.batch_execute("SELECT 1")
            .await
            .map_err(|e| match db_error(e) {
                RepositoryError::Internal(detail) => RepositoryError::Unavailable(detail),
                other => other,
            })
    }

    fn pool_usage(&self) -> Option<PoolUsage> {
        let status = self.pool.status();
        Some(PoolUsage {
            max: status.max_size,
            open: status.size,
            idle: status.available,
            waiting: status.waiting,
        })
    }
}
