//! `SigningKeyRepository` on `signing_keys`.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use licentia_ports::{RepositoryError, SigningKeyRepository, StoredSigningKey};
use time::OffsetDateTime;

use super::PostgresStore;
use crate::error::{TxError, db_error};
use crate::schema::signing_keys;

#[async_trait]
impl SigningKeyRepository for PostgresStore {
    async fn list_signing_keys(&self) -> Result<Vec<StoredSigningKey>, RepositoryError> {
        let mut conn = self.conn().await?;
        let rows: Vec<(String, Vec<u8>, Vec<u8>, bool, OffsetDateTime)> = signing_keys::table
            .order(signing_keys::created_at.desc())
            .select((
                signing_keys::kid,
                signing_keys::public_key,
                signing_keys::sealed_private_key,
                signing_keys::active,
                signing_keys::created_at,
            ))
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .map(
                |(kid, public_key, sealed_private_key, active, created_at)| StoredSigningKey {
                    kid,
                    public_key,
                    sealed_private_key,
                    active,
                    created_at,
                },
            )
            .collect())
    }

    async fn add_active_signing_key(&self, key: StoredSigningKey) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        conn.transaction(async move |conn| {
            diesel::update(signing_keys::table.filter(signing_keys::active.eq(true)))
                .set(signing_keys::active.eq(false))
                .execute(conn)
                .await?;
            diesel::insert_into(signing_keys::table)
                .values((
                    signing_keys::kid.eq(&key.kid),
                    signing_keys::public_key.eq(&key.public_key),
                    signing_keys::sealed_private_key.eq(&key.sealed_private_key),
                    signing_keys::active.eq(true),
                    signing_keys::created_at.eq(key.created_at),
                ))
                .execute(conn)
                .await?;
            Ok::<_, TxError>(())
        })
        .await
        .map_err(RepositoryError::from)
    }
}
