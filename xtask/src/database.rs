//! Creating the database named in DATABASE_URL when it does not exist yet.

use anyhow::{Context, Result, anyhow};
use licentia_adapters_postgres::{DatabaseAdmin, DatabaseUrl};
use secrecy::SecretString;

use crate::postgres::Target;

/// Connects to the server's maintenance database and creates ours if it is missing.
pub(crate) fn ensure_database(target: &Target) -> Result<()> {
    let url = DatabaseUrl::parse(&SecretString::from(target.url.clone()))
        .map_err(|error| anyhow!("DATABASE_URL {}: {error}", target.redacted()))?;
    let name = url.database().to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting a tokio runtime")?;
    runtime.block_on(async {
        let mut admin = DatabaseAdmin::connect(&url).await.map_err(|error| {
            anyhow!(
                "connecting to PostgreSQL at {} failed: {error} \
                 (is a PostgreSQL server listening there, and are the user and password in DATABASE_URL right?)",
                target.redacted()
            )
        })?;
        let exists = admin
            .exists(&name)
            .await
            .map_err(|error| anyhow!("looking for database {name:?}: {error}"))?;
        if exists {
            say!("database {name:?} exists");
        } else {
            say!("creating database {name:?}");
            admin
                .create(&name, None)
                .await
                .map_err(|error| anyhow!("creating database {name:?}: {error}"))?;
        }
        Ok(())
    })
}
