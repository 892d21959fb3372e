//! The validation cache: runtime licenses by key, kept right by change notices.
//!
//! An entry is served without a database read while it is fresh. Past that it is
//! re-read; if the database cannot answer, an entry younger than the staleness
//! window is served anyway, so customers are not locked out by an outage.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use licentia_domain::ids::{LicenseId, ProductId};
use licentia_ports::RuntimeLicense;
use moka::sync::Cache;

/// A runtime license and when it was read.
#[derive(Debug)]
pub struct CachedLicense {
    pub runtime: RuntimeLicense,
    pub fetched_at: Instant,
}

/// The cache, shared by all workers of one instance.
#[derive(Clone)]
pub struct RuntimeCache {
    entries: Cache<String, Arc<CachedLicense>>,
    lookups: Cache<LicenseId, String>,
    started: Instant,
    /// Milliseconds since `started` of the last database failure (0: none).
    last_failure_ms: Arc<AtomicU64>,
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
            lookups: Cache::builder().max_capacity(capacity).build(),
            started: Instant::now(),
            last_failure_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The entry for a key's lookup form.
    pub fn get(&self, lookup: &str) -> Option<Arc<CachedLicense>> {
        self.entries.get(lookup)
    }

    /// Stores a freshly read license.
    pub fn put(&self, lookup: &str, runtime: RuntimeLicense) -> Arc<CachedLicense> {
        let id = runtime.license.id;
        let entry = Arc::new(CachedLicense {
            runtime,
            fetched_at: Instant::now(),
        });
        self.entries.insert(lookup.to_owned(), Arc::clone(&entry));
        self.lookups.insert(id, lookup.to_owned());
        entry
    }

    /// Forgets one license.
    pub fn invalidate_license(&self, id: LicenseId) {
        if let Some(lookup) = self.lookups.remove(&id) {
            self.entries.invalidate(&lookup);
        }
    }

    /// Forgets every license of a product.
    pub fn invalidate_product(&self, id: ProductId) {
        let _ = self
            .entries
            .invalidate_entries_if(move |_, entry| entry.runtime.license.product_id == id);
    }

    /// Forgets everything (the change feed was lost).
    pub fn clear(&self) {
        self.entries.invalidate_all();
        self.lookups.invalidate_all();
    }

    /// Notes that the database failed just now.
    pub fn record_database_failure(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        self.last_failure_ms.store(ms, Ordering::Relaxed);
    }

    /// Whether the database failed within `window` (then stale entries are served
    /// without trying it again, so an outage does not slow every answer down).
    pub fn database_failed_within(&self, window: Duration) -> bool {
        let last = self.last_failure_ms.load(Ordering::Relaxed);
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        last != 0
            && now.saturating_sub(last) < u64::try_from(window.as_millis()).unwrap_or(u64::MAX)
    }

    /// Entries held (approximate).
    pub fn len(&self) -> u64 {
        self.entries.entry_count()
    }

    /// Whether nothing is held (approximate).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
