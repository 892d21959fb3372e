//! Persists EXPIRED for licenses past `expiresAt` and emits `license.expired`.
//! Readers already see such licenses as expired; this makes it durable and announced.

use std::time::Duration;

use licentia_domain::event::EventType;
use licentia_domain::license::License;

use crate::services::licenses::license_event;
use crate::state::AppState;

const BATCH: i64 = 500;

/// Sweeps once; returns how many licenses expired.
pub async fn sweep(state: &AppState) -> usize {
    let mut total = 0;
    loop {
        let now = state.clock.now();
        let event = |license: &License| license_event(EventType::LicenseExpired, license, now);
        match state.runtime.expire_due(now, BATCH, &event).await {
            Ok(expired) => {
                total += expired.len();
                if expired.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
                    return total;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "expiry sweep failed; will retry");
                return total;
            }
        }
    }
}

/// Sweeps every `interval` until the process ends.
pub async fn run(state: AppState, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let expired = sweep(&state).await;
        if expired > 0 {
            tracing::info!(expired, "licenses past their expiry marked EXPIRED");
        }
    }
}
