//! `lastUsedAt` of API keys, recorded without a database write per request:
//! buffered in memory, written in one batch every few seconds and at shutdown.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use licentia_domain::ids::ApiKeyId;
use licentia_ports::ApiKeyRepository;
use time::OffsetDateTime;
use tokio::sync::watch;

use super::flushing::flush_until_stopped;

/// The buffer of pending last-use times (the latest per key).
#[derive(Clone, Default, Debug)]
pub struct LastUsedRecorder {
    pending: Arc<Mutex<HashMap<ApiKeyId, OffsetDateTime>>>,
}

impl LastUsedRecorder {
    /// Notes that `key` was used at `at`. Never blocks on I/O.
    pub fn record(&self, key: ApiKeyId, at: OffsetDateTime) {
        if let Ok(mut pending) = self.pending.lock() {
            let slot = pending.entry(key).or_insert(at);
            if *slot < at {
                *slot = at;
            }
        }
    }

    /// Writes everything pending; on failure the times go back into the buffer.
    pub async fn flush(&self, repository: &dyn ApiKeyRepository) {
        let batch: Vec<(ApiKeyId, OffsetDateTime)> = match self.pending.lock() {
            Ok(mut pending) => pending.drain().collect(),
            Err(_) => return,
        };
        if batch.is_empty() {
            return;
        }
        if let Err(error) = repository.record_last_used(&batch).await {
            tracing::warn!(%error, keys = batch.len(), "could not record API key use; will retry");
            for (key, at) in batch {
                self.record(key, at);
            }
        }
    }

    /// Flushes every `interval` until `stop` turns true, then once more.
    pub async fn run(
        self,
        repository: Arc<dyn ApiKeyRepository>,
        interval: Duration,
        stop: watch::Receiver<bool>,
    ) {
        flush_until_stopped(interval, stop, || self.flush(repository.as_ref())).await;
    }
}
