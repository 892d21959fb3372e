//! Readiness probe.

use async_trait::async_trait;
use diesel_async::SimpleAsyncConnection;
use licentia_ports::{HealthCheck, RepositoryError};

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
}
