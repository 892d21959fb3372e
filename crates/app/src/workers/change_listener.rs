//! Keeps the validation cache right across instances: listens for change notices
//! and forgets what changed. When the feed is lost, notices may have been missed, so
//! every entry is marked stale (re-read on next use, still servable in an outage).

use std::time::Duration;

use licentia_adapters_postgres::PgChangeFeed;
use licentia_ports::{Change, ChangeFeed};
use secrecy::SecretString;

use crate::runtime::cache::RuntimeCache;

/// Listens until the process ends.
pub async fn run(url: SecretString, cache: RuntimeCache) {
    let mut backoff = Duration::from_millis(200);
    loop {
        match PgChangeFeed::connect(&url).await {
            Ok(mut feed) => {
                backoff = Duration::from_millis(200);
                cache.mark_all_stale();
                loop {
                    match feed.next_changes().await {
                        Ok(changes) => apply(&cache, &changes),
                        Err(error) => {
                            tracing::warn!(%error, "change feed lost; validation cache marked stale");
                            cache.mark_all_stale();
                            break;
                        }
                    }
                }
            }
            Err(error) => tracing::debug!(%error, "change feed unavailable"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

fn apply(cache: &RuntimeCache, changes: &[Change]) {
    for change in changes {
        match change {
            Change::License(id) => cache.invalidate_license(*id),
            Change::Product(id) => cache.invalidate_product(*id),
        }
    }
}
