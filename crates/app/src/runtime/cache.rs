//! The validation cache: runtime licenses by key, kept right by change notices.
//!
//! An entry is served without a database read while it is fresh. Past that it is
//! re-read; if the database cannot answer, an entry younger than the staleness
//! window is served anyway, so customers are not locked out by an outage.

mod lookups;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use licentia_domain::ids::{LicenseId, ProductId};
use licentia_ports::RuntimeLicense;
use moka::sync::Cache;

use lookups::LookupIndex;

/// A runtime license and when it was read.
#[derive(Debug)]
pub struct CachedLicense {
    pub runtime: RuntimeLicense,
    pub fetched_at: Instant,
}

/// The cache, shared by all workers of one instance.
#[derive(Clone)]
pub struct RuntimeCache {
    /// By lookup form; the index below shares each key's allocation.
    entries: Cache<Arc<str>, Arc<CachedLicense>>,
    lookups: Arc<LookupIndex>,
    started: Instant,
    /// Milliseconds since `started` of the last database failure (0: none).
    last_failure_ms: Arc<AtomicU64>,
    /// Milliseconds since `started` before which every entry counts as stale.
    stale_before_ms: Arc<AtomicU64>,
}

impl std::fmt::Debug for RuntimeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeCache")
            .field("entries", &self.entries.entry_count())
            .finish()
    }
}

impl RuntimeCache {
    /// A cache of at most `capacity` licenses.
    pub fn new(capacity: u64) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(capacity)
                .support_invalidation_closures()
                .build(),
            lookups: Arc::default(),
            started: Instant::now(),
            last_failure_ms: Arc::new(AtomicU64::new(0)),
            stale_before_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The entry for a key's lookup form.
    pub fn get(&self, lookup: &str) -> Option<Arc<CachedLicense>> {
        self.entries.get(lookup)
    }

    /// Stores a freshly read license.
    pub fn put(&self, lookup: &str, runtime: RuntimeLicense) -> Arc<CachedLicense> {
        let id = runtime.terms.id;
        let entry = Arc::new(CachedLicense {
            runtime,
            fetched_at: Instant::now(),
        });
        let lookup: Arc<str> = lookup.into();
        self.entries.insert(Arc::clone(&lookup), Arc::clone(&entry));
        self.lookups
            .insert(id, lookup, |cached| self.entries.contains_key(cached));
        entry
    }

    /// Forgets one license.
    pub fn invalidate_license(&self, id: LicenseId) {
        if let Some(lookup) = self.lookups.remove(id) {
            self.entries.invalidate(&*lookup);
        }
    }

    /// Forgets every license of a product.
    pub fn invalidate_product(&self, id: ProductId) {
        let _ = self
            .entries
            .invalidate_entries_if(move |_, entry| entry.runtime.terms.product_id == id);
    }

    /// Marks every entry stale (the change feed was lost, notices may be missing):
    /// each is re-read on its next use, but may still be served during an outage.
    pub fn mark_all_stale(&self) {
        self.stale_before_ms
            .store(self.elapsed_ms(), Ordering::Relaxed);
    }

    /// Whether `entry` may be served without re-reading it.
    pub fn is_fresh(&self, entry: &CachedLicense, fresh_for: Duration) -> bool {
        let fetched_ms =
            u64::try_from(entry.fetched_at.duration_since(self.started).as_millis()).unwrap_or(0);
        entry.fetched_at.elapsed() < fresh_for
            && fetched_ms > self.stale_before_ms.load(Ordering::Relaxed)
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// Notes that the database failed just now.
    pub fn record_database_failure(&self) {
        self.last_failure_ms
            .store(self.elapsed_ms(), Ordering::Relaxed);
    }

    /// Whether the database failed within `window` (then stale entries are served
    /// without trying it again, so an outage does not slow every answer down).
    pub fn database_failed_within(&self, window: Duration) -> bool {
        let last = self.last_failure_ms.load(Ordering::Relaxed);
        let now = self.elapsed_ms();
        last != 0
            && now.saturating_sub(last) < u64::try_from(window.as_millis()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cache holds one entry per validating license (100 000 and more), and the
    /// memory target (docs/benchmarks.md) has no room for a whole `License` in each:
    /// its key, names, metadata and timestamps would add over 250 bytes an entry.
    #[test]
    fn an_entry_holds_a_compact_license_not_the_whole_record() {
        assert!(
            size_of::<CachedLicense>() <= 256,
            "{} bytes",
            size_of::<CachedLicense>()
        );
    }
}
