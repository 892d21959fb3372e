//! `SealedValueStore`: every value sealed with the master key (signing keys' private
//! halves, webhook secrets, stored idempotent answers) sealed anew in one transaction,
//! for a change of master key.
//!
//! Rows are locked as they are read (`FOR UPDATE`), so a concurrent change (a webhook
//! secret rotated meanwhile) waits for the commit instead of being overwritten with a
//! stale value. Once a value proves unreadable nothing more is written, and the
//! transaction is rolled back at the end.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bytea, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use licentia_domain::ids::WebhookId;
use licentia_domain::webhook::endpoint::PREVIOUS_SECRET_GRACE;
use licentia_ports::{
    RepositoryError, Reseal, ResealOutcome, SealedCounts, SealedKind, SealedRef, SealedValueStore,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::PostgresStore;
use super::idempotency::RETENTION;
use crate::error::db_error;
use crate::schema::{idempotency_keys, signing_keys, webhook_endpoints};

/// Rows read, and progress reported, at a time.
const BATCH: usize = 500;

/// The next batch of stored answers after `($1, $2)`, in key order, locked.
const NEXT_ANSWERS: &str = "\
SELECT scope, key, body FROM idempotency_keys
WHERE body IS NOT NULL AND (scope, key) > ($1, $2)
ORDER BY scope, key
LIMIT $3
FOR UPDATE";

/// Writes a batch of answers sealed anew.
const WRITE_ANSWERS: &str = "\
UPDATE idempotency_keys AS k SET body = v.body
FROM unnest($1::text[], $2::text[], $3::bytea[]) AS v(scope, key, body)
WHERE k.scope = v.scope AND k.key = v.key";

#[derive(QueryableByName)]
struct AnswerRow {
    #[diesel(sql_type = Text)]
    scope: String,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Bytea)]
    body: Vec<u8>,
}

/// Why the transaction ends without a commit.
enum Abort {
    Db(diesel::result::Error),
    Refused(Vec<SealedRef>),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e)
    }
}

#[async_trait]
impl SealedValueStore for PostgresStore {
    async fn reseal_all(
        &self,
        reseal: &dyn Reseal,
        now: OffsetDateTime,
    ) -> Result<ResealOutcome, RepositoryError> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction(async move |conn| {
                let mut pass = Pass::new(reseal);
                let mut expired = SealedCounts::default();
                signing_keys(conn, &mut pass).await?;
                expired.add(
                    SealedKind::PreviousWebhookSecret,
                    drop_expired_previous_secrets(conn, now).await?,
                );
                webhook_secrets(conn, &mut pass).await?;
                expired.add(
                    SealedKind::IdempotentAnswer,
                    drop_expired_answers(conn, now).await?,
                );
                idempotent_answers(conn, &mut pass).await?;
                if pass.unreadable.is_empty() {
                    Ok((pass.resealed, expired))
                } else {
                    Err(Abort::Refused(pass.unreadable))
                }
            })
            .await;
        match result {
            Ok((resealed, expired)) => Ok(ResealOutcome::Resealed { resealed, expired }),
            Err(Abort::Refused(unreadable)) => Ok(ResealOutcome::Refused { unreadable }),
            Err(Abort::Db(e)) => Err(db_error(e)),
        }
    }
}

/// One pass: what was sealed anew, what could not be opened.
struct Pass<'a> {
    reseal: &'a dyn Reseal,
    resealed: SealedCounts,
    handled: SealedCounts,
    unreadable: Vec<SealedRef>,
}

impl<'a> Pass<'a> {
    fn new(reseal: &'a dyn Reseal) -> Self {
        Self {
            reseal,
            resealed: SealedCounts::default(),
            handled: SealedCounts::default(),
            unreadable: Vec::new(),
        }
    }

    /// `sealed` sealed anew, or `None` (remembered as unreadable).
    fn reseal(&mut self, value: SealedRef, sealed: &[u8]) -> Option<Vec<u8>> {
        let kind = value.kind();
        self.handled.add(kind, 1);
        match self.reseal.reseal(&value, sealed) {
            Some(new) => {
                self.resealed.add(kind, 1);
                Some(new)
            }
            None => {
                self.unreadable.push(value);
                None
            }
        }
    }

    /// Whether to keep writing: not once the pass is going to be refused.
    fn writes(&self) -> bool {
        self.unreadable.is_empty()
    }

    fn progress(&self, kind: SealedKind) {
        self.reseal.progress(kind, self.handled.get(kind));
    }
}

async fn signing_keys(conn: &mut AsyncPgConnection, pass: &mut Pass<'_>) -> QueryResult<()> {
    let rows: Vec<(String, Vec<u8>)> = signing_keys::table
        .order(signing_keys::kid)
        .select((signing_keys::kid, signing_keys::sealed_private_key))
        .for_update()
        .load(conn)
        .await?;
    for (kid, sealed) in rows {
        let value = SealedRef::SigningKey { kid: kid.clone() };
        if let Some(new) = pass.reseal(value, &sealed)
            && pass.writes()
        {
            diesel::update(signing_keys::table.find(&kid))
                .set(signing_keys::sealed_private_key.eq(new))
                .execute(conn)
                .await?;
        }
    }
    pass.progress(SealedKind::SigningKey);
    Ok(())
}

/// Forgets previous secrets past their overlap (the dispatcher no longer reads them).
async fn drop_expired_previous_secrets(
    conn: &mut AsyncPgConnection,
    now: OffsetDateTime,
) -> QueryResult<u64> {
    let rotated_at = webhook_endpoints::secret_rotated_at;
    diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::previous_secret_sealed.is_not_null())
            .filter(
                rotated_at
                    .is_null()
                    .or(rotated_at.le(now - PREVIOUS_SECRET_GRACE)),
            ),
    )
    .set(webhook_endpoints::previous_secret_sealed.eq(None::<Vec<u8>>))
    .execute(conn)
    .await
    .map(|n| n as u64)
}

async fn webhook_secrets(conn: &mut AsyncPgConnection, pass: &mut Pass<'_>) -> QueryResult<()> {
    let rows: Vec<(Uuid, Vec<u8>, Option<Vec<u8>>)> = webhook_endpoints::table
        .order(webhook_endpoints::id)
        .select((
            webhook_endpoints::id,
            webhook_endpoints::secret_sealed,
            webhook_endpoints::previous_secret_sealed,
        ))
        .for_update()
        .load(conn)
        .await?;
    for (done, (id, sealed, previous)) in rows.into_iter().enumerate() {
        let webhook = WebhookId::from_uuid(id);
        let current = pass.reseal(SealedRef::WebhookSecret { webhook }, &sealed);
        let previous = previous
            .map(|sealed| pass.reseal(SealedRef::PreviousWebhookSecret { webhook }, &sealed));
        match (current, previous) {
            (Some(current), Some(Some(previous))) if pass.writes() => {
                diesel::update(webhook_endpoints::table.find(id))
                    .set((
                        webhook_endpoints::secret_sealed.eq(current),
                        webhook_endpoints::previous_secret_sealed.eq(previous),
                    ))
                    .execute(conn)
                    .await?;
            }
            (Some(current), None) if pass.writes() => {
                diesel::update(webhook_endpoints::table.find(id))
                    .set(webhook_endpoints::secret_sealed.eq(current))
                    .execute(conn)
                    .await?;
            }
            _ => {}
        }
        if (done + 1) % BATCH == 0 {
            pass.progress(SealedKind::WebhookSecret);
        }
    }
    pass.progress(SealedKind::WebhookSecret);
    pass.progress(SealedKind::PreviousWebhookSecret);
    Ok(())
}

/// Forgets answers past their retention (they are never replayed any more).
async fn drop_expired_answers(
    conn: &mut AsyncPgConnection,
    now: OffsetDateTime,
) -> QueryResult<u64> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(now - RETENTION)))
        .execute(conn)
        .await
        .map(|n| n as u64)
}

async fn idempotent_answers(conn: &mut AsyncPgConnection, pass: &mut Pass<'_>) -> QueryResult<()> {
    let (mut after_scope, mut after_key) = (String::new(), String::new());
    loop {
        let rows: Vec<AnswerRow> = diesel::sql_query(NEXT_ANSWERS)
            .bind::<Text, _>(&after_scope)
            .bind::<Text, _>(&after_key)
            .bind::<BigInt, _>(BATCH as i64)
            .load(conn)
            .await?;
        let Some(last) = rows.last() else { break };
        (after_scope, after_key) = (last.scope.clone(), last.key.clone());
        let full = rows.len() == BATCH;
        let (mut scopes, mut keys, mut bodies) = (Vec::new(), Vec::new(), Vec::new());
        for row in rows {
            let value = SealedRef::IdempotentAnswer {
                scope: row.scope.clone(),
                key: row.key.clone(),
            };
            if let Some(body) = pass.reseal(value, &row.body) {
                scopes.push(row.scope);
                keys.push(row.key);
                bodies.push(body);
            }
        }
        if pass.writes() && !bodies.is_empty() {
            diesel::sql_query(WRITE_ANSWERS)
                .bind::<Array<Text>, _>(&scopes)
                .bind::<Array<Text>, _>(&keys)
                .bind::<Array<Bytea>, _>(&bodies)
                .execute(conn)
                .await?;
        }
        pass.progress(SealedKind::IdempotentAnswer);
        if !full {
            break;
        }
    }
    if pass.handled.get(SealedKind::IdempotentAnswer) == 0 {
        pass.progress(SealedKind::IdempotentAnswer);
    }
    Ok(())
}
