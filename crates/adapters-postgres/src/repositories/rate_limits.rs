//! `RateLimiter` on the UNLOGGED `rate_limits` table, shared by every app instance.
//!
//! One statement per check: `rate_limit_take` (a PL/pgSQL function, see the
//! migration) creates or locks each budget's row in key order, applies the GCRA step
//! of every window and writes all rows or none. Row locks serialise concurrent checks
//! of one budget, so the limits hold exactly across instances (given clocks in sync:
//! each instance passes its own `now`). The function returns the rows as they were;
//! the decision reported in headers is recomputed from them with the domain's `take`.

use async_trait::async_trait;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel_async::RunQueryDsl;
use licentia_domain::rate_limit::{
    Draw, RateDecision, RateState, WINDOWS, WindowState, take, unix_nanos,
};
use licentia_ports::{Budget, RateLimiter, RepositoryError};
use time::OffsetDateTime;

use super::PostgresStore;
use crate::error::db_error;

/// A budget's row as it was before the check, and whether the check passed.
type TakeRow = (String, i64, i64, i64, i64, i64, i64, bool);

/// `SELECT … FROM rate_limit_take($1, $2, $3)`: a fixed statement with a static query
/// id, so each connection prepares it once.
#[derive(Debug)]
struct TakeBudgets<'a> {
    keys: Vec<&'a str>,
    quotas: Vec<i64>,
    now: i64,
}

impl QueryId for TakeBudgets<'_> {
    type QueryId = TakeBudgets<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<Pg> for TakeBudgets<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "SELECT budget, before_tat_second, before_interval_second, before_tat_minute, \
             before_interval_minute, before_tat_hour, before_interval_hour, allowed \
             FROM rate_limit_take(",
        );
        out.push_bind_param::<Array<Text>, _>(&self.keys)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<BigInt>, _>(&self.quotas)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&self.now)?;
        out.push_sql(")");
        Ok(())
    }
}

impl Query for TakeBudgets<'_> {
    type SqlType = (Text, BigInt, BigInt, BigInt, BigInt, BigInt, BigInt, Bool);
}

fn nanos(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn stored(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[async_trait]
impl RateLimiter for PostgresStore {
    async fn take(
        &self,
        budgets: &[Budget<'_>],
        now: OffsetDateTime,
    ) -> Result<RateDecision, RepositoryError> {
        // Sorted and distinct: rows are locked in one order by every caller.
        let mut budgets = budgets.to_vec();
        budgets.sort_by(|a, b| a.key.cmp(b.key));
        budgets.dedup_by(|a, b| a.key == b.key);
        let query = TakeBudgets {
            keys: budgets.iter().map(|b| b.key).collect(),
            quotas: budgets
                .iter()
                .flat_map(|b| {
                    WINDOWS.into_iter().flat_map(move |window| {
                        let quota = b.limits.quota(window);
                        [nanos(quota.interval), nanos(quota.tolerance)]
                    })
                })
                .collect(),
            now: nanos(unix_nanos(now)),
        };
        let mut conn = self.conn().await?;
        let mut rows: Vec<TakeRow> = query.load(&mut conn).await.map_err(db_error)?;
        // Pair rows with budgets by key, not by position (budgets are sorted by key).
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        if rows.len() != budgets.len() || rows.iter().zip(&budgets).any(|(row, b)| row.0 != b.key) {
            return Err(RepositoryError::Internal(format!(
                "rate_limit_take answered {} rows for {} budgets",
                rows.len(),
                budgets.len()
            )));
        }
        let passed = rows.iter().all(|row| row.7);
        let mut states: Vec<RateState> = rows
            .iter()
            .map(|&(_, ts, is, tm, im, th, ih, _)| {
                RateState::from_windows([(ts, is), (tm, im), (th, ih)].map(|(tat, interval)| {
                    WindowState {
                        tat: stored(tat),
                        interval: stored(interval),
                    }
                }))
            })
            .collect();
        let mut draws: Vec<Draw<'_>> = states
            .iter_mut()
            .zip(&budgets)
            .map(|(state, budget)| Draw {
                state,
                limits: budget.limits,
            })
            .collect();
        let decision = take(&mut draws, now);
        if decision.allowed != passed {
            tracing::error!(
                database = passed,
                domain = decision.allowed,
                "rate_limit_take and the domain disagree; the database's verdict stands"
            );
            return Ok(RateDecision {
                allowed: passed,
                retry_after: (!passed).then_some(decision.retry_after.unwrap_or(1)),
                ..decision
            });
        }
        Ok(decision)
    }

    async fn purge_idle(&self, now: OffsetDateTime) -> Result<u64, RepositoryError> {
        let mut conn = self.conn().await?;
        // Rows a check holds are skipped, not waited for: no lock-order deadlock with it.
        diesel::sql_query(
            "DELETE FROM rate_limits WHERE key IN \
             (SELECT key FROM rate_limits WHERE idle_at < $1 FOR UPDATE SKIP LOCKED)",
        )
        .bind::<BigInt, _>(nanos(unix_nanos(now)))
        .execute(&mut conn)
        .await
        .map(|n| n as u64)
        .map_err(db_error)
    }
}
