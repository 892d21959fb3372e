//! The embedded migrations and how to run them.

use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use licentia_ports::RepositoryError;
use secrecy::{ExposeSecret, SecretString};

/// Every migration under `migrations/`, compiled into the binary.
pub(crate) const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Runs pending migrations; returns the versions applied now.
pub async fn run_migrations(url: &SecretString) -> Result<Vec<String>, RepositoryError> {
    use diesel::Connection;
    let url = url.expose_secret().to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .map_err(|e| RepositoryError::Unavailable(e.to_string()))?;
        conn.run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|e| RepositoryError::Internal(format!("migration failed: {e}")))
    })
    .await
    .map_err(|e| RepositoryError::Internal(format!("migration task failed: {e}")))?
}

/// A hash of every migration file's path and content (computed by `build.rs`): test
/// templates are named by it, so a changed migration never reuses a stale template.
pub fn migrations_fingerprint() -> &'static str {
    env!("LICENTIA_MIGRATIONS_HASH")
}
