//! The server's metric instruments, and the one handle code records through.
//!
//! [`Metrics`] is `None` inside when no metric is exported or served: every recording
//! method is then a single branch, with no attribute built and nothing allocated.
//! Attributes are low-cardinality by rule: a route template, never a path; a code,
//! never a key; and never a tenant, e-mail or secret.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use licentia_domain::validation::ValidationCode;
use licentia_ports::{Backlog, HealthCheck};
use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter};

/// Bucket bounds of request durations, in seconds: the semantic conventions' advice,
/// with three more below 5 ms, where cached validations answer.
const DURATION_BOUNDS: [f64; 17] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0,
    7.5, 10.0,
];

/// How a validation-cache lookup went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheResult {
    /// Served from the cache without a database read.
    Hit,
    /// Read from the database (absent, or too old to serve).
    Miss,
    /// Served past freshness because the database is down.
    Stale,
}

impl CacheResult {
    fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Stale => "stale",
        }
    }
}

/// Which budget refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    Management,
    Runtime,
    SignIn,
}

impl LimitScope {
    fn as_str(self) -> &'static str {
        match self {
            Self::Management => "management",
            Self::Runtime => "runtime",
            Self::SignIn => "sign_in",
        }
    }
}

/// What became of one webhook delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Succeeded,
    /// Failed; another attempt is scheduled.
    Retrying,
    /// Failed for the last time.
    GaveUp,
}

impl AttemptOutcome {
    /// The attribute value (also used on the delivery span).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Retrying => "retrying",
            Self::GaveUp => "gave_up",
        }
    }
}

/// The recording handle: cheap to clone, a no-op when metrics are off.
#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<Instruments>>);

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Metrics").field(&self.is_on()).finish()
    }
}

struct Instruments {
    request_duration: Histogram<f64>,
    validations: Counter<u64>,
    cache_lookups: Counter<u64>,
    rate_limited: Counter<u64>,
    webhook_attempts: Counter<u64>,
    backlog: Arc<BacklogCounts>,
}

/// The outbox counts last read by the backlog worker (gauges report them as they are,
/// so a scrape never queries the database).
#[derive(Default)]
struct BacklogCounts {
    read: AtomicBool,
    due: AtomicU64,
    scheduled: AtomicU64,
    paused: AtomicU64,
    /// Unix seconds the most overdue delivery was due at (`i64::MIN`: none).
    oldest_due_at: AtomicI64,
}

impl Metrics {
    /// Records nothing.
    pub fn off() -> Self {
        Self(None)
    }

    /// Creates every instrument on `meter`; the pool gauges read `health`.
    pub fn new(meter: &Meter, health: Arc<dyn HealthCheck>) -> Self {
        let backlog = Arc::new(BacklogCounts {
            oldest_due_at: AtomicI64::new(i64::MIN),
            ..BacklogCounts::default()
        });
        observe_backlog(meter, &backlog);
        observe_pool(meter, health);
        Self(Some(Arc::new(Instruments {
            request_duration: meter
                .f64_histogram("http.server.request.duration")
                .with_unit("s")
                .with_description("Duration of HTTP server requests.")
                .with_boundaries(DURATION_BOUNDS.to_vec())
                .build(),
            validations: meter
                .u64_counter("licentia.validations")
                .with_unit("{validation}")
                .with_description("License validations answered, by validation code.")
                .build(),
            cache_lookups: meter
                .u64_counter("licentia.cache.lookups")
                .with_unit("{lookup}")
                .with_description("Validation-cache lookups, by result (hit, miss, stale).")
                .build(),
            rate_limited: meter
                .u64_counter("licentia.rate_limit.rejections")
                .with_unit("{request}")
                .with_description("Requests refused with 429, by rate-limit scope.")
                .build(),
            webhook_attempts: meter
                .u64_counter("licentia.webhook.attempts")
                .with_unit("{attempt}")
                .with_description("Webhook delivery attempts, by outcome.")
                .build(),
            backlog,
        })))
    }

    /// Whether anything is recorded.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// One HTTP request: its method (already bounded), route template (`None`: no
    /// route matched), status and duration.
    pub fn http_request(
        &self,
        method: &'static str,
        route: Option<&str>,
        status: u16,
        elapsed: Duration,
    ) {
        let Some(i) = &self.0 else { return };
        let mut attributes = Vec::with_capacity(3);
        attributes.push(KeyValue::new("http.request.method", method));
        attributes.push(KeyValue::new(
            "http.response.status_code",
            i64::from(status),
        ));
        if let Some(route) = route {
            attributes.push(KeyValue::new("http.route", route.to_owned()));
        }
        i.request_duration
            .record(elapsed.as_secs_f64(), &attributes);
    }

    /// One validation answered with `code`.
    pub fn validation(&self, code: ValidationCode) {
        if let Some(i) = &self.0 {
            i.validations.add(
                1,
                &[KeyValue::new("licentia.validation.code", code.as_str())],
            );
        }
    }

    /// One validation-cache lookup.
    pub fn cache_lookup(&self, result: CacheResult) {
        if let Some(i) = &self.0 {
            i.cache_lookups.add(
                1,
                &[KeyValue::new("licentia.cache.result", result.as_str())],
            );
        }
    }

    /// One request refused by a rate limit.
    pub fn rate_limited(&self, scope: LimitScope) {
        if let Some(i) = &self.0 {
            i.rate_limited.add(
                1,
                &[KeyValue::new("licentia.rate_limit.scope", scope.as_str())],
            );
        }
    }

    /// One webhook delivery attempt.
    pub fn webhook_attempt(&self, outcome: AttemptOutcome) {
        if let Some(i) = &self.0 {
            i.webhook_attempts.add(
                1,
                &[KeyValue::new("licentia.webhook.outcome", outcome.as_str())],
            );
        }
    }

    /// The outbox as just counted (by the backlog worker).
    pub fn outbox_counted(&self, counted: &Backlog) {
        let Some(i) = &self.0 else { return };
        let backlog = &i.backlog;
        backlog.due.store(counted.due, Ordering::Relaxed);
        backlog
            .scheduled
            .store(counted.scheduled, Ordering::Relaxed);
        backlog.paused.store(counted.paused, Ordering::Relaxed);
        backlog.oldest_due_at.store(
            counted
                .oldest_due_at
                .map_or(i64::MIN, time::OffsetDateTime::unix_timestamp),
            Ordering::Relaxed,
        );
        backlog.read.store(true, Ordering::Release);
    }
}

fn observe_backlog(meter: &Meter, backlog: &Arc<BacklogCounts>) {
    let counts = Arc::clone(backlog);
    meter
        .u64_observable_gauge("licentia.outbox.backlog")
        .with_unit("{delivery}")
        .with_description("Webhook deliveries still to be made, by state (due, scheduled, paused).")
        .with_callback(move |observer| {
            if !counts.read.load(Ordering::Acquire) {
                return;
            }
            for (state, count) in [
                ("due", &counts.due),
                ("scheduled", &counts.scheduled),
                ("paused", &counts.paused),
            ] {
                observer.observe(
                    count.load(Ordering::Relaxed),
                    &[KeyValue::new("licentia.delivery.state", state)],
                );
            }
        })
        .build();
    let oldest = Arc::clone(backlog);
    meter
        .f64_observable_gauge("licentia.outbox.oldest_due_age")
        .with_unit("s")
        .with_description("How long the most overdue webhook delivery has been due (0: none).")
        .with_callback(move |observer| {
            if !oldest.read.load(Ordering::Acquire) {
                return;
            }
            let due_at = oldest.oldest_due_at.load(Ordering::Relaxed);
            let age = if due_at == i64::MIN {
                0.0
            } else {
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                now.saturating_sub(due_at).max(0) as f64
            };
            observer.observe(age, &[]);
        })
        .build();
}

fn observe_pool(meter: &Meter, health: Arc<dyn HealthCheck>) {
    let pool = [KeyValue::new("db.client.connection.pool.name", "licentia")];
    let (count_health, count_pool) = (Arc::clone(&health), pool.clone());
    meter
        .u64_observable_gauge("db.client.connection.count")
        .with_unit("{connection}")
        .with_description("Open database connections, by state (idle, used).")
        .with_callback(move |observer| {
            if let Some(usage) = count_health.pool_usage() {
                for (state, count) in [("idle", usage.idle), ("used", usage.in_use())] {
                    let mut attributes = count_pool.to_vec();
                    attributes.push(KeyValue::new("db.client.connection.state", state));
                    observer.observe(count as u64, &attributes);
                }
            }
        })
        .build();
    let (max_health, max_pool) = (Arc::clone(&health), pool.clone());
    meter
        .u64_observable_gauge("db.client.connection.max")
        .with_unit("{connection}")
        .with_description("The most database connections the pool opens.")
        .with_callback(move |observer| {
            if let Some(usage) = max_health.pool_usage() {
                observer.observe(usage.max as u64, &max_pool);
            }
        })
        .build();
    meter
        .u64_observable_gauge("db.client.connection.pending_requests")
        .with_unit("{request}")
        .with_description("Requests waiting for a database connection.")
        .with_callback(move |observer| {
            if let Some(usage) = health.pool_usage() {
                observer.observe(usage.waiting as u64, &pool);
            }
        })
        .build();
}
