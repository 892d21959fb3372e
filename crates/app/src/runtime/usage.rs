//! Validation counters and `lastValidatedAt`, buffered in memory and written in
//! batches: the validation request itself never writes to the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use licentia_domain::ids::LicenseId;
use licentia_ports::UsageRepository;
use time::{Date, OffsetDateTime};
use tokio::sync::watch;

use crate::workers::flushing::flush_until_stopped;

/// Licenses per transaction of a flush: a busy interval's counters (100 000 licenses
/// and more) are written in batches that each finish well inside the statement
/// timeout, instead of one statement that may not.
pub const LICENSES_PER_BATCH: usize = 2_000;

/// One license's pending usage: its latest validation and its count on its latest
/// day. 40 bytes a license in the map, so a busy interval over 100 000 licenses
/// costs about 5 MB.
#[derive(Debug, Clone, Copy)]
struct LicenseUsage {
    last_validated: OffsetDateTime,
    day: Date,
    count: u32,
}

/// What is waiting to be written.
#[derive(Debug, Default)]
struct Pending {
    licenses: HashMap<LicenseId, LicenseUsage>,
    /// Counts of a license's other days: an interval across midnight, or a batch put
    /// back after a newer day was counted. Every license here is in `licenses`, which
    /// is how a flush finds a batch's counts.
    other_days: Vec<(LicenseId, Date, i64)>,
}

impl Pending {
    /// Adds `count` validations of `id` on `day`, the latest at `at`.
    fn add(&mut self, id: LicenseId, day: Date, count: u32, at: OffsetDateTime) {
        let usage = self.licenses.entry(id).or_insert(LicenseUsage {
            last_validated: at,
            day,
            count: 0,
        });
        usage.last_validated = usage.last_validated.max(at);
        if day > usage.day {
            if usage.count > 0 {
                self.other_days
                    .push((id, usage.day, i64::from(usage.count)));
            }
            (usage.day, usage.count) = (day, 0);
        }
        if day == usage.day {
            usage.count = usage.count.saturating_add(count);
        } else {
            self.other_days.push((id, day, i64::from(count)));
        }
    }
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
            pending.add(license, at.date(), 1, at);
        }
    }

    /// Writes everything pending, [`LICENSES_PER_BATCH`] licenses per transaction in
    /// license id order (so that flushes of several instances lock rows in one order).
    /// A batch that fails goes back into the buffer with every batch after it; batches
    /// written before it stay written, so nothing is counted twice.
    pub async fn flush(&self, repository: &dyn UsageRepository) {
        let taken = match self.pending.lock() {
            Ok(mut pending) => std::mem::take(&mut *pending),
            Err(_) => return,
        };
        let mut licenses: Vec<(LicenseId, LicenseUsage)> = taken.licenses.into_iter().collect();
        licenses.sort_unstable_by_key(|(id, _)| *id);
        let mut other_days = taken.other_days;
        other_days.sort_unstable_by_key(|(id, day, _)| (*id, *day));
        let mut other_days = other_days.as_slice();
        for (index, batch) in licenses.chunks(LICENSES_PER_BATCH).enumerate() {
            // Every license of `other_days` is in `licenses`, so the batch's other days
            // are the leading ones up to its last license.
            let through = batch.last().map(|(id, _)| *id);
            let (batch_other_days, rest) =
                other_days.split_at(other_days.partition_point(|(id, _, _)| Some(*id) <= through));
            let counts = day_counts(batch, batch_other_days);
            let last: Vec<(LicenseId, OffsetDateTime)> = batch
                .iter()
                .map(|(id, usage)| (*id, usage.last_validated))
                .collect();
            if let Err(error) = repository.record_validations(&counts, &last).await {
                let unwritten = licenses
                    .get(index * LICENSES_PER_BATCH..)
                    .unwrap_or_default();
                tracing::warn!(%error, licenses = unwritten.len(), "could not write validation counters; will retry");
                self.put_back(unwritten, other_days);
                return;
            }
            other_days = rest;
        }
    }

    /// Adds what could not be written back in.
    fn put_back(
        &self,
        licenses: &[(LicenseId, LicenseUsage)],
        other_days: &[(LicenseId, Date, i64)],
    ) {
        let Ok(mut pending) = self.pending.lock() else {
            return;
        };
        for (id, usage) in licenses {
            pending.add(*id, usage.day, usage.count, usage.last_validated);
        }
        pending.other_days.extend_from_slice(other_days);
    }

    /// Flushes every `interval` until `stop` turns true, then once more (see
    /// [`flush_until_stopped`]: a graceful shutdown loses no count).
    pub async fn run(
        self,
        repository: Arc<dyn UsageRepository>,
        interval: Duration,
        stop: watch::Receiver<bool>,
    ) {
        flush_until_stopped(interval, stop, || self.flush(repository.as_ref())).await;
    }
}

/// A batch's counts, one per license and day (a statement may update a counter row
/// only once), sorted by license and day.
fn day_counts(
    batch: &[(LicenseId, LicenseUsage)],
    other_days: &[(LicenseId, Date, i64)],
) -> Vec<(LicenseId, Date, i64)> {
    let mut counts: Vec<(LicenseId, Date, i64)> = batch
        .iter()
        .filter(|(_, usage)| usage.count > 0)
        .map(|(id, usage)| (*id, usage.day, i64::from(usage.count)))
        .chain(other_days.iter().copied())
        .collect();
    counts.sort_unstable_by_key(|(id, day, _)| (*id, *day));
    counts.dedup_by(|later, kept| {
        let same = (later.0, later.1) == (kept.0, kept.1);
        if same {
            kept.2 += later.2;
        }
        same
    });
    counts
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use licentia_ports::RepositoryError;
    use time::macros::datetime;

    use super::*;

    /// One written batch: its counts and its lastValidatedAt values.
    type Batch = (
        Vec<(LicenseId, Date, i64)>,
        Vec<(LicenseId, OffsetDateTime)>,
    );

    /// Records every batch; fails the batch numbered `fail_batch` (from 0) once.
    #[derive(Default)]
    struct FakeUsage {
        batches: Mutex<Vec<Batch>>,
        calls: Mutex<usize>,
        fail_batch: Option<usize>,
    }

    #[async_trait]
    impl UsageRepository for FakeUsage {
        async fn record_validations(
            &self,
            counts: &[(LicenseId, Date, i64)],
            last_validated: &[(LicenseId, OffsetDateTime)],
        ) -> Result<(), RepositoryError> {
            let call = {
                let mut calls = self.calls.lock().expect("calls");
                *calls += 1;
                *calls - 1
            };
            if Some(call) == self.fail_batch {
                return Err(RepositoryError::Unavailable("statement timeout".into()));
            }
            self.batches
                .lock()
                .expect("batches")
                .push((counts.to_vec(), last_validated.to_vec()));
            Ok(())
        }
    }

    impl FakeUsage {
        /// Validations written per license and day, over every batch.
        fn totals(&self) -> HashMap<(LicenseId, Date), i64> {
            let mut totals = HashMap::new();
            for (counts, _) in self.batches.lock().expect("batches").iter() {
                for (id, day, n) in counts {
                    *totals.entry((*id, *day)).or_insert(0) += n;
                }
            }
            totals
        }
    }

    /// The buffer holds one of these per license validated in an interval; the
    /// sizing in docs/operations.md counts 40 bytes for it.
    #[test]
    fn a_pending_license_costs_40_bytes() {
        assert_eq!(size_of::<(LicenseId, LicenseUsage)>(), 40);
    }

    const MONDAY: OffsetDateTime = datetime!(2026-11-23 23:59:00 UTC);
    const TUESDAY: OffsetDateTime = datetime!(2026-11-24 00:01:00 UTC);

    /// `licenses` licenses, each validated twice on Monday and once on Tuesday.
    fn busy_buffer(licenses: usize) -> (UsageBuffer, Vec<LicenseId>) {
        let buffer = UsageBuffer::default();
        let ids: Vec<LicenseId> = (0..licenses).map(|_| LicenseId::generate()).collect();
        for id in &ids {
            buffer.record(*id, MONDAY);
            buffer.record(*id, TUESDAY);
            buffer.record(*id, MONDAY);
        }
        (buffer, ids)
    }

    fn expected_totals(ids: &[LicenseId]) -> HashMap<(LicenseId, Date), i64> {
        ids.iter()
            .flat_map(|id| [((*id, MONDAY.date()), 2), ((*id, TUESDAY.date()), 1)])
            .collect()
    }

    #[tokio::test]
    async fn a_busy_interval_is_written_in_batches_in_license_order() {
        let licenses = LICENSES_PER_BATCH * 2 + 7;
        let (buffer, ids) = busy_buffer(licenses);
        let store = FakeUsage::default();
        buffer.flush(&store).await;

        let batches = store.batches.lock().expect("batches").clone();
        assert_eq!(batches.len(), 3);
        let mut previous = None;
        for (counts, last) in &batches {
            assert!(last.len() <= LICENSES_PER_BATCH);
            assert!(
                last.windows(2).all(|w| w[0].0 < w[1].0),
                "sorted by license"
            );
            assert!(
                previous < last.first().map(|(id, _)| *id),
                "batches in order"
            );
            previous = last.last().map(|(id, _)| *id);
            // A batch carries exactly the counts of its own licenses.
            assert_eq!(counts.len(), last.len() * 2);
            assert!(
                counts
                    .iter()
                    .all(|(id, _, _)| last.iter().any(|(l, _)| l == id))
            );
            assert!(last.iter().all(|(_, at)| *at == TUESDAY));
        }
        assert_eq!(store.totals(), expected_totals(&ids));
        // Nothing is left to write.
        buffer.flush(&store).await;
        assert_eq!(store.batches.lock().expect("batches").len(), 3);
    }

    #[tokio::test]
    async fn a_failed_batch_and_those_after_it_are_retried_and_nothing_is_counted_twice() {
        let (buffer, ids) = busy_buffer(LICENSES_PER_BATCH * 3);
        let store = FakeUsage {
            fail_batch: Some(1),
            ..FakeUsage::default()
        };
        buffer.flush(&store).await;
        assert_eq!(
            store.batches.lock().expect("batches").len(),
            1,
            "stops at the failure"
        );
        // Validations that arrive before the retry add to what was put back.
        buffer.record(ids[0], MONDAY);
        let late = *ids.last().expect("licenses");
        buffer.record(late, MONDAY);

        buffer.flush(&store).await;
        let mut expected = expected_totals(&ids);
        *expected.entry((ids[0], MONDAY.date())).or_insert(0) += 1;
        *expected.entry((late, MONDAY.date())).or_insert(0) += 1;
        assert_eq!(store.totals(), expected);
    }
}
