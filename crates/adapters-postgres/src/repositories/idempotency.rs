//! `IdempotencyStore` on `idempotency_keys`.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{Bytea, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use licentia_ports::{IdempotencyStart, IdempotencyStore, RepositoryError, StoredResponse};
use time::{Duration, OffsetDateTime};

use super::PostgresStore;
use crate::error::db_error;
use crate::schema::idempotency_keys as keys;

/// How long a key is remembered.
pub(crate) const RETENTION: Duration = Duration::hours(24);

#[async_trait]
impl IdempotencyStore for PostgresStore {
    async fn begin(
        &self,
        scope: &str,
        key: &str,
        request_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<IdempotencyStart, RepositoryError> {
        let mut conn = self.conn().await?;
        // Claim the key, or take over an entry older than the retention window.
        let claimed = diesel::sql_query(
            "INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, \
             created_at = EXCLUDED.created_at, status = NULL, content_type = NULL, body = NULL \
             WHERE idempotency_keys.created_at < $5",
        )
        .bind::<Text, _>(scope)
        .bind::<Text, _>(key)
        .bind::<Bytea, _>(request_hash)
        .bind::<Timestamptz, _>(now)
        .bind::<Timestamptz, _>(now - RETENTION)
        .execute(&mut conn)
        .await
        .map_err(db_error)?;
        if claimed == 1 {
            return Ok(IdempotencyStart::Started);
        }
        let (hash, status, content_type, body): (
            Vec<u8>,
            Option<i16>,
            Option<String>,
            Option<Vec<u8>>,
        ) = keys::table
            .find((scope, key))
            .select((
                keys::request_hash,
                keys::status,
                keys::content_type,
                keys::body,
            ))
            .first(&mut conn)
            .await
            .map_err(db_error)?;
        if hash != request_hash {
            return Ok(IdempotencyStart::Mismatch);
        }
        Ok(match (status, body) {
            (Some(status), Some(body)) => IdempotencyStart::Replay(StoredResponse {
                status: u16::try_from(status).unwrap_or(500),
                content_type: content_type.unwrap_or_else(|| "application/json".into()),
                body,
            }),
            _ => IdempotencyStart::InProgress,
        })
    }

    async fn complete(
        &self,
        scope: &str,
        key: &str,
        response: StoredResponse,
    ) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        diesel::update(keys::table.find((scope, key)))
            .set((
                keys::status.eq(i16::try_from(response.status).unwrap_or(500)),
                keys::content_type.eq(response.content_type),
                keys::body.eq(response.body),
            ))
            .execute(&mut conn)
            .await
            .map(|_| ())
            .map_err(db_error)
    }

    async fn abandon(&self, scope: &str, key: &str) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        diesel::delete(
            keys::table
                .find((scope, key))
                .filter(keys::status.is_null()),
        )
        .execute(&mut conn)
        .await
        .map(|_| ())
        .map_err(db_error)
    }

    async fn purge_expired(&self, now: OffsetDateTime) -> Result<u64, RepositoryError> {
        let mut conn = self.conn().await?;
        diesel::delete(keys::table.filter(keys::created_at.lt(now - RETENTION)))
            .execute(&mut conn)
            .await
            .map(|deleted| deleted as u64)
            .map_err(db_error)
    }
}
