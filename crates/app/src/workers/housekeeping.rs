//! Retention: deletes expired sessions, idempotency keys past their 24 h window, and
//! outbox events older than `LICENTIA_WEBHOOKS_RETENTION_DAYS` whose deliveries are
//! all finished (with their delivery logs). Pending deliveries are never pruned.
//!
//! Every instance may run it: each delete is idempotent and the outbox prune skips
//! rows another instance holds.

use std::time::Duration;

use licentia_ports::RepositoryError;
use time::OffsetDateTime;

use crate::state::AppState;

/// Outbox events deleted per statement, so no delete holds locks for long.
pub const PRUNE_BATCH: u32 = 1_000;

/// What one round deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub idempotency_keys: u64,
    pub outbox_events: u64,
}

/// Deletes, in batches, the outbox events created before `before` that have no
/// pending delivery; calls `progress` with the running total after each batch.
pub async fn prune_outbox(
    state: &AppState,
    before: OffsetDateTime,
    mut progress: impl FnMut(u64),
) -> Result<u64, RepositoryError> {
    let mut total = 0;
    loop {
        let pruned = state.deliveries.prune_finished(before, PRUNE_BATCH).await?;
        total += pruned;
        progress(total);
        if pruned < u64::from(PRUNE_BATCH) {
            return Ok(total);
        }
    }
}

/// One round of every retention rule, at the clock's `now`.
pub async fn sweep(state: &AppState) -> Result<Swept, RepositoryError> {
    let now = state.clock.now();
    Ok(Swept {
        sessions: state.users.purge_expired_sessions(now).await?,
        idempotency_keys: state.idempotency.purge_expired(now).await?,
        outbox_events: prune_outbox(state, now - state.settings.webhooks.retention, |_| {}).await?,
    })
}

/// Sweeps every `interval` until the process ends.
pub async fn run(state: AppState, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match sweep(&state).await {
            Ok(swept) if swept == Swept::default() => {}
            Ok(swept) => tracing::info!(
                sessions = swept.sessions,
                idempotency_keys = swept.idempotency_keys,
                outbox_events = swept.outbox_events,
                "housekeeping deleted expired rows"
            ),
            Err(error) => tracing::warn!(%error, "housekeeping failed; will retry"),
        }
    }
}
