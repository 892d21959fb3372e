//! Validation counters and `lastValidatedAt`, buffered in memory and written in
//! batches: the validation request itself never writes to the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use licentia_domain::ids::LicenseId;
use licentia_ports::UsageRepository;
use time::{Date, OffsetDateTime};

#[derive(Debug, Default)]
struct Pending {
    counts: HashMap<(LicenseId, Date), i64>,
    last_validated: HashMap<LicenseId, OffsetDateTime>,
}

/// The buffer.
#[derive(Clone, Debug, Default)]
pub struct UsageBuffer {
    pending: Arc<Mutex<Pending>>,
}

impl UsageBuffer {
    /// Counts one validation of `license` at `at`.
    pub fn record(&self, license: LicenseId, at: OffsetDateTime) {
        if let Ok(mut pending) = self.pending.lock() {
            *pending.counts.entry((license, at.date())).or_insert(0) += 1;
            let last = pending.last_validated.entry(license).or_insert(at);
            if *last < at {
                *last = at;
            }
        }
    }

    /// Writes everything pending; on failure it goes back into the buffer.
    pub async fn flush(&self, repository: &dyn UsageRepository) {
        let taken = match self.pending.lock() {
            Ok(mut pending) => std::mem::take(&mut *pending),
            Err(_) => return,
        };
        if taken.counts.is_empty() && taken.last_validated.is_empty() {
            return;
        }
        let counts: Vec<(LicenseId, Date, i64)> = taken
            .counts
            .iter()
            .map(|((id, day), n)| (*id, *day, *n))
            .collect();
        let last: Vec<(LicenseId, OffsetDateTime)> = taken
            .last_validated
            .iter()
            .map(|(id, at)| (*id, *at))
            .collect();
        if let Err(error) = repository.record_validations(&counts, &last).await {
            tracing::warn!(%error, licenses = last.len(), "could not write validation counters; will retry");
            if let Ok(mut pending) = self.pending.lock() {
                for ((id, day), n) in taken.counts {
                    *pending.counts.entry((id, day)).or_insert(0) += n;
                }
                for (id, at) in taken.last_validated {
                    let slot = pending.last_validated.entry(id).or_insert(at);
                    if *slot < at {
                        *slot = at;
                    }
                }
            }
        }
    }

    /// Flushes every `interval` until the process ends.
    pub async fn run(self, repository: Arc<dyn UsageRepository>, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            self.flush(repository.as_ref()).await;
        }
    }
}
