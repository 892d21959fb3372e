//! Change notices over PostgreSQL `NOTIFY`, sent inside the changing transaction
//! (delivered on commit, dropped on rollback), and the `LISTEN`ing feed.

use std::pin::pin;
use std::time::Duration;

use async_trait::async_trait;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures_util::{FutureExt, StreamExt};
use licentia_domain::ids::{LicenseId, ProductId};
use licentia_ports::{Change, ChangeFeed, RepositoryError};
use secrecy::{ExposeSecret, SecretString};

use crate::error::db_error;

const CHANNEL: &str = "licentia_changes";
/// How often an idle feed checks that its connection is alive.
const PROBE_EVERY: Duration = Duration::from_secs(5);

/// Announces that a license changed.
pub(crate) async fn license_changed(
    conn: &mut AsyncPgConnection,
    id: LicenseId,
) -> diesel::QueryResult<()> {
    send(conn, &format!("license:{id}")).await
}

/// Announces that a product's licenses must be re-read.
pub(crate) async fn product_changed(
    conn: &mut AsyncPgConnection,
    id: ProductId,
) -> diesel::QueryResult<()> {
    send(conn, &format!("product:{id}")).await
}

async fn send(conn: &mut AsyncPgConnection, payload: &str) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(CHANNEL)
        .bind::<Text, _>(payload)
        .execute(conn)
        .await
        .map(|_| ())
}

fn parse(payload: &str) -> Option<Change> {
    let (kind, id) = payload.split_once(':')?;
    match kind {
        "license" => id.parse().ok().map(Change::License),
        "product" => id.parse().ok().map(Change::Product),
        _ => None,
    }
}

/// A dedicated connection `LISTEN`ing for change notices.
pub struct PgChangeFeed {
    conn: AsyncPgConnection,
}

impl std::fmt::Debug for PgChangeFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgChangeFeed")
    }
}

impl PgChangeFeed {
    /// Opens the connection and subscribes.
    pub async fn connect(url: &SecretString) -> Result<Self, RepositoryError> {
        let mut conn = AsyncPgConnection::establish(url.expose_secret())
            .await
            .map_err(|e| RepositoryError::Unavailable(e.to_string()))?;
        conn.batch_execute(&format!("LISTEN {CHANNEL}"))
            .await
            .map_err(db_error)?;
        Ok(Self { conn })
    }
}

#[async_trait]
impl ChangeFeed for PgChangeFeed {
    async fn next_changes(&mut self) -> Result<Vec<Change>, RepositoryError> {
        loop {
            let received = {
                let mut stream = pin!(self.conn.notifications_stream());
                match tokio::time::timeout(PROBE_EVERY, stream.next()).await {
                    Ok(Some(Ok(first))) => {
                        let mut changes: Vec<Change> = parse(&first.payload).into_iter().collect();
                        // Drain whatever else already arrived, without waiting.
                        while let Some(Some(Ok(more))) = stream.next().now_or_never() {
                            changes.extend(parse(&more.payload));
                        }
                        Some(Ok(changes))
                    }
                    Ok(Some(Err(e))) => Some(Err(db_error(e))),
                    Ok(None) => Some(Err(RepositoryError::Unavailable(
                        "change feed closed".into(),
                    ))),
                    Err(_) => None,
                }
            };
            match received {
                Some(result) => return result,
                // Idle: make sure the connection still lives, or notices could be lost silently.
                None => self
                    .conn
                    .batch_execute("SELECT 1")
                    .await
                    .map_err(|e| RepositoryError::Unavailable(e.to_string()))?,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_parse_back_into_changes() {
        let license = LicenseId::generate();
        let product = ProductId::generate();
        assert_eq!(
            parse(&format!("license:{license}")),
            Some(Change::License(license))
        );
        assert_eq!(
            parse(&format!("product:{product}")),
            Some(Change::Product(product))
        );
        assert_eq!(parse("license:nope"), None);
        assert_eq!(parse("other"), None);
    }
}
