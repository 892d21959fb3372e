//! `UsageRepository`: batched validation counters and `lastValidatedAt`.

use async_trait::async_trait;
use diesel::sql_types::{Array, BigInt, Date as SqlDate, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, RunQueryDsl};
use licentia_domain::ids::LicenseId;
use licentia_ports::{RepositoryError, UsageRepository};
use time::{Date, OffsetDateTime};

use super::PostgresStore;
use crate::error::TxError;

#[async_trait]
impl UsageRepository for PostgresStore {
    async fn record_validations(
        &self,
        counts: &[(LicenseId, Date, i64)],
        last_validated: &[(LicenseId, OffsetDateTime)],
    ) -> Result<(), RepositoryError> {
        let ids: Vec<uuid::Uuid> = counts.iter().map(|(id, _, _)| id.as_uuid()).collect();
        let days: Vec<Date> = counts.iter().map(|(_, day, _)| *day).collect();
        let amounts: Vec<i64> = counts.iter().map(|(_, _, n)| *n).collect();
        let seen_ids: Vec<uuid::Uuid> = last_validated.iter().map(|(id, _)| id.as_uuid()).collect();
        let seen_at: Vec<OffsetDateTime> = last_validated.iter().map(|(_, at)| *at).collect();
        let mut conn = self.conn().await?;
        conn.transaction(async move |conn| {
            // Licenses deleted since the counts were taken are skipped by the join.
            diesel::sql_query(
                "INSERT INTO license_validation_days (license_id, day, count) \
                 SELECT u.id, u.day, u.n FROM unnest($1::uuid[], $2::date[], $3::bigint[]) AS u(id, day, n) \
                 JOIN licenses l ON l.id = u.id \
                 ON CONFLICT (license_id, day) DO UPDATE SET count = license_validation_days.count + EXCLUDED.count",
            )
            .bind::<Array<SqlUuid>, _>(ids)
            .bind::<Array<SqlDate>, _>(days)
            .bind::<Array<BigInt>, _>(amounts)
            .execute(conn)
            .await?;
            // lastValidatedAt moves in steps of at least a minute: a license validated
            // every few seconds costs one write a minute, not one a flush. It has a
            // narrow table of its own, so the write never touches the licenses row.
            diesel::sql_query(
                "INSERT INTO license_last_validations AS v (license_id, validated_at) \
                 SELECT u.id, u.at FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at) \
                 JOIN licenses l ON l.id = u.id \
                 ON CONFLICT (license_id) DO UPDATE SET validated_at = EXCLUDED.validated_at \
                 WHERE v.validated_at < EXCLUDED.validated_at - interval '1 minute'",
            )
            .bind::<Array<SqlUuid>, _>(seen_ids)
            .bind::<Array<Timestamptz>, _>(seen_at)
            .execute(conn)
            .await?;
            Ok::<_, TxError>(())
        })
        .await
        .map_err(RepositoryError::from)
    }
}
