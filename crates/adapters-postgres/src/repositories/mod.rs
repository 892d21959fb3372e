//! `PostgresStore`: every port implemented on one connection pool.

mod account_archive;
mod analytics;
mod api_keys;
mod customers;
mod delivery_queue;
mod health;
mod idempotency;
mod injectables;
mod licenses;
mod payments;
mod products;
mod rate_limits;
mod runtime;
mod sealed_values;
mod signing_keys;
mod sites;
mod usage;
mod users;
mod webhooks;

use licentia_ports::RepositoryError;

use crate::error::pool_error;
use crate::pool::{PgConn, PgPool};

/// The PostgreSQL implementation of the repository ports.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PostgresStore")
            .field("size", &status.size)
            .field("available", &status.available)
            .finish()
    }
}

impl PostgresStore {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    async fn conn(&self) -> Result<PgConn, RepositoryError> {
        self.pool.get().await.map_err(pool_error)
    }
}

/// Escapes `%`, `_` and `\` so user input is matched literally by `LIKE`.
fn like_pattern(raw: &str) -> String {
    let escaped = raw
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn total(count: i64) -> u64 {
    u64::try_from(count).unwrap_or_default()
}
