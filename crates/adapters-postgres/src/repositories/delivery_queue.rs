//! `DeliveryQueue`: dispatchers claim due webhook deliveries with `FOR UPDATE SKIP
//! LOCKED` and a lease, and record each attempt's result.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{
    BigInt, Bytea, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncConnection, RunQueryDsl};
use licentia_domain::ids::{DeliveryId, EventId, UserId, WebhookId};
use licentia_domain::webhook::endpoint::PREVIOUS_SECRET_GRACE;
use licentia_domain::webhook::{DeliveryNext, DeliveryState, EndpointHealth};
use licentia_ports::{
    AttemptRecord, Backlog, DeliveryQueue, DueDelivery, QueueStats, RepositoryError, SealedSecret,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::PostgresStore;
use crate::error::{TxError, db_error};
use crate::rows::{AttemptRow, count};
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints};

/// Retention: the oldest events before `$1` with no pending delivery, `$2` at a time
/// (their deliveries and attempt logs go with them, by cascade). `SKIP LOCKED` lets
/// several instances prune at once without waiting on each other.
const PRUNE: &str = "\
WITH finished AS (
    SELECT o.id FROM outbox_events o
    WHERE o.created_at < $1
      AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries d WHERE d.event_id = o.id AND d.state = 'pending'
      )
    ORDER BY o.created_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
DELETE FROM outbox_events o USING finished WHERE o.id = finished.id";

/// Claims due deliveries of enabled endpoints: each claimed row's attempt number is
/// taken (so a late record from an expired lease cannot overwrite a newer attempt) and
/// its due time pushed out by the lease.
const CLAIM: &str = "\
WITH due AS (
    SELECT d.id FROM webhook_deliveries d
    JOIN webhook_endpoints e ON e.id = d.endpoint_id
    WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND e.enabled
    ORDER BY d.next_attempt_at
    LIMIT $2
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_deliveries d
SET attempt_count = d.attempt_count + 1,
    next_attempt_at = $1 + make_interval(secs => $3),
    updated_at = $1
FROM due, webhook_endpoints e, outbox_events o
WHERE d.id = due.id AND e.id = d.endpoint_id AND o.id = d.event_id
RETURNING d.id, d.attempt_count, e.id AS webhook_id, e.user_id, e.url, e.secret_sealed,
    CASE WHEN e.secret_rotated_at > $1 - make_interval(secs => $4)
         THEN e.previous_secret_sealed END AS previous_secret_sealed,
    e.failing_since, o.id AS event_id, o.event_type, o.data, o.created_at";

/// Counts of the queue by state, in one pass.
const STATS: &str = "\
SELECT
    count(*) FILTER (WHERE d.state = 'pending' AND e.enabled) AS pending,
    count(*) FILTER (WHERE d.state = 'pending' AND e.enabled AND d.next_attempt_at <= $1) AS due,
    count(*) FILTER (WHERE d.state = 'pending' AND NOT e.enabled) AS paused,
    count(*) FILTER (WHERE d.state = 'succeeded') AS succeeded,
    count(*) FILTER (WHERE d.state = 'failed') AS failed,
    min(d.next_attempt_at) FILTER (WHERE d.state = 'pending' AND e.enabled AND d.next_attempt_at <= $1)
        AS oldest_due_at
FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id";

/// Pending deliveries only, through the partial index on them: its cost follows the
/// backlog, not the history of succeeded deliveries.
const BACKLOG: &str = "\
SELECT
    count(*) FILTER (WHERE e.enabled AND d.next_attempt_at <= $1) AS due,
    count(*) FILTER (WHERE e.enabled AND d.next_attempt_at > $1) AS scheduled,
    count(*) FILTER (WHERE NOT e.enabled) AS paused,
    min(d.next_attempt_at) FILTER (WHERE e.enabled AND d.next_attempt_at <= $1) AS oldest_due_at
FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
WHERE d.state = 'pending'";

#[derive(QueryableByName)]
struct BacklogRow {
    #[diesel(sql_type = BigInt)]
    due: i64,
    #[diesel(sql_type = BigInt)]
    scheduled: i64,
    #[diesel(sql_type = BigInt)]
    paused: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    oldest_due_at: Option<OffsetDateTime>,
}

#[derive(QueryableByName)]
struct StatsRow {
    #[diesel(sql_type = BigInt)]
    pending: i64,
    #[diesel(sql_type = BigInt)]
    due: i64,
    #[diesel(sql_type = BigInt)]
    paused: i64,
    #[diesel(sql_type = BigInt)]
    succeeded: i64,
    #[diesel(sql_type = BigInt)]
    failed: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    oldest_due_at: Option<OffsetDateTime>,
}

#[derive(QueryableByName)]
struct ClaimedRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Integer)]
    attempt_count: i32,
    #[diesel(sql_type = SqlUuid)]
    webhook_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
    #[diesel(sql_type = Text)]
    url: String,
    #[diesel(sql_type = Bytea)]
    secret_sealed: Vec<u8>,
    #[diesel(sql_type = Nullable<Bytea>)]
    previous_secret_sealed: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    failing_since: Option<OffsetDateTime>,
    #[diesel(sql_type = SqlUuid)]
    event_id: Uuid,
    #[diesel(sql_type = Text)]
    event_type: String,
    #[diesel(sql_type = Jsonb)]
    data: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
}

impl From<ClaimedRow> for DueDelivery {
    fn from(row: ClaimedRow) -> Self {
        DueDelivery {
            id: DeliveryId::from_uuid(row.id),
            attempt_number: count(row.attempt_count),
            webhook_id: WebhookId::from_uuid(row.webhook_id),
            owner: UserId::from_uuid(row.user_id),
            url: row.url,
            secret: SealedSecret(row.secret_sealed),
            previous_secret: row.previous_secret_sealed.map(SealedSecret),
            failing_since: row.failing_since,
            event_id: EventId::from_uuid(row.event_id),
            event_type: row.event_type,
            event_data: row.data,
            event_created_at: row.created_at,
        }
    }
}

#[async_trait]
impl DeliveryQueue for PostgresStore {
    async fn claim(
        &self,
        now: OffsetDateTime,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<DueDelivery>, RepositoryError> {
        let mut conn = self.conn().await?;
        let rows: Vec<ClaimedRow> = diesel::sql_query(CLAIM)
            .bind::<Timestamptz, _>(now)
            .bind::<Integer, _>(i32::try_from(limit).unwrap_or(i32::MAX))
            .bind::<Double, _>(lease.as_seconds_f64())
            .bind::<Double, _>(PREVIOUS_SECRET_GRACE.as_seconds_f64())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(rows.into_iter().map(DueDelivery::from).collect())
    }

    async fn record(&self, record: AttemptRecord) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        let now = record.attempt.attempted_at;
        conn.transaction(async move |conn| {
            let delivery = record.delivery.as_uuid();
            diesel::insert_into(webhook_attempts::table)
                .values(AttemptRow::new(delivery, &record.attempt))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            let (state, next_attempt_at) = match record.next {
                DeliveryNext::Succeeded => (DeliveryState::Succeeded, None),
                DeliveryNext::RetryAt(at) => (DeliveryState::Pending, Some(at)),
                DeliveryNext::GaveUp => (DeliveryState::Failed, None),
            };
            let number = i32::try_from(record.attempt.number).unwrap_or(i32::MAX);
            let current = diesel::update(webhook_deliveries::table.find(delivery))
                .filter(webhook_deliveries::attempt_count.eq(number))
                .set((
                    webhook_deliveries::state.eq(state.as_str()),
                    webhook_deliveries::next_attempt_at.eq(next_attempt_at),
                    webhook_deliveries::updated_at.eq(now),
                ))
                .execute(conn)
                .await?;
            if current == 0 {
                // A newer claim took the delivery after this attempt's lease ran out:
                // the attempt stays logged, its verdict is the newer attempt's to make.
                tracing::info!(%delivery, attempt = number, "late webhook attempt result ignored");
                return Ok(());
            }
            let endpoint = webhook_endpoints::table.find(record.webhook_id.as_uuid());
            match record.endpoint {
                EndpointHealth::StreakEnded => {
                    diesel::update(endpoint)
                        .filter(webhook_endpoints::failing_since.is_not_null())
                        .set(webhook_endpoints::failing_since.eq(None::<OffsetDateTime>))
                        .execute(conn)
                        .await?;
                }
                EndpointHealth::FailingSince(since) => {
                    diesel::update(endpoint)
                        .filter(webhook_endpoints::failing_since.is_null())
                        .set(webhook_endpoints::failing_since.eq(since))
                        .execute(conn)
                        .await?;
                }
                EndpointHealth::Disable { reason } => {
                    diesel::update(endpoint)
                        .set((
                            webhook_endpoints::enabled.eq(false),
                            webhook_endpoints::disabled_reason.eq(reason),
                            webhook_endpoints::updated_at.eq(now),
                        ))
                        .execute(conn)
                        .await?;
                }
            }
            Ok::<_, TxError>(())
        })
        .await
        .map_err(RepositoryError::from)
    }

    async fn stats(&self, now: OffsetDateTime) -> Result<QueueStats, RepositoryError> {
        let mut conn = self.conn().await?;
        let row: StatsRow = diesel::sql_query(STATS)
            .bind::<Timestamptz, _>(now)
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        let n = |v: i64| u64::try_from(v).unwrap_or_default();
        Ok(QueueStats {
            pending: n(row.pending),
            due: n(row.due),
            paused: n(row.paused),
            succeeded: n(row.succeeded),
            failed: n(row.failed),
            oldest_due_at: row.oldest_due_at,
        })
    }

    async fn backlog(&self, now: OffsetDateTime) -> Result<Backlog, RepositoryError> {
        let mut conn = self.conn().await?;
        let row: BacklogRow = diesel::sql_query(BACKLOG)
            .bind::<Timestamptz, _>(now)
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        let n = |v: i64| u64::try_from(v).unwrap_or_default();
        Ok(Backlog {
            due: n(row.due),
            scheduled: n(row.scheduled),
            paused: n(row.paused),
            oldest_due_at: row.oldest_due_at,
        })
    }

    async fn requeue_failed(
        &self,
        webhook: Option<WebhookId>,
        now: OffsetDateTime,
    ) -> Result<u64, RepositoryError> {
        let mut conn = self.conn().await?;
        let mut failed = webhook_deliveries::table
            .filter(webhook_deliveries::state.eq(DeliveryState::Failed.as_str()))
            .into_boxed();
        if let Some(webhook) = webhook {
            failed = failed.filter(webhook_deliveries::endpoint_id.eq(webhook.as_uuid()));
        }
        let ids: Vec<Uuid> = failed
            .select(webhook_deliveries::id)
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        let requeued = diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq_any(ids))
                .filter(webhook_deliveries::state.eq(DeliveryState::Failed.as_str())),
        )
        .set((
            webhook_deliveries::state.eq(DeliveryState::Pending.as_str()),
            webhook_deliveries::next_attempt_at.eq(Some(now)),
            webhook_deliveries::updated_at.eq(now),
        ))
        .execute(&mut conn)
        .await
        .map_err(db_error)?;
        Ok(requeued as u64)
    }

    async fn prune_finished(
        &self,
        before: OffsetDateTime,
        batch: u32,
    ) -> Result<u64, RepositoryError> {
        let mut conn = self.conn().await?;
        diesel::sql_query(PRUNE)
            .bind::<Timestamptz, _>(before)
            .bind::<BigInt, _>(i64::from(batch))
            .execute(&mut conn)
            .await
            .map(|deleted| deleted as u64)
            .map_err(db_error)
    }
}
