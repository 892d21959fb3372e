//! Loads the signing keys (retrying while the database is down at start) and
//! re-reads them every minute, so a rotation by `licentia signing-key rotate`
//! reaches every instance.

use std::time::Duration;

use crate::state::AppState;

/// Re-reads the keys until the process ends.
pub async fn run(state: AppState) {
    loop {
        let loaded = state.key_ring.active().is_some();
        let outcome = state
            .key_ring
            .reload(state.signing_keys.as_ref(), &state.master_key)
            .await;
        if let Err(error) = &outcome {
            tracing::warn!(%error, "could not load signing keys; will retry");
        }
        let pause = if outcome.is_ok() || loaded { 60 } else { 2 };
        tokio::time::sleep(Duration::from_secs(pause)).await;
    }
}
