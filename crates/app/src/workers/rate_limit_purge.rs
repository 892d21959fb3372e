//! Forgets idle rate-limit budgets every few minutes (the PostgreSQL table would
//! otherwise keep a row per client IP ever seen).

use std::time::Duration;

use crate::state::AppState;

/// How often idle budgets are purged.
const EVERY: Duration = Duration::from_secs(300);

/// Purges until the process ends; does nothing when limits are off.
pub async fn run(state: AppState) {
    let Some(limiter) = state.rate_limiter.clone() else {
        return;
    };
    loop {
        tokio::time::sleep(EVERY).await;
        match limiter.purge_idle(state.clock.now()).await {
            Ok(0) => {}
            Ok(purged) => tracing::debug!(purged, "idle rate-limit budgets forgotten"),
            Err(error) => tracing::warn!(%error, "could not purge idle rate-limit budgets"),
        }
    }
}
