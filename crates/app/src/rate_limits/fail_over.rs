//! The shared (PostgreSQL) limiter with an in-process stand-in: while the database
//! cannot answer, budgets are kept per instance instead, so limits keep holding (per
//! instance) and requests are neither refused nor slowed by the outage.
//!
//! After a failure the database is left alone for [`BACKOFF`] (like the validation
//! cache does), so an unreachable host does not make every request wait for a
//! connection timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use licentia_domain::rate_limit::RateDecision;
use licentia_ports::{Budget, RateLimiter, RepositoryError};
use time::OffsetDateTime;

use super::MemoryLimiter;

/// How long after a failure the shared limiter is not tried.
pub const BACKOFF: Duration = Duration::from_secs(2);

/// How often an ongoing failure is logged.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// `primary`, or `fallback` when `primary` fails.
#[derive(Debug)]
pub struct FailOver {
    primary: Arc<dyn RateLimiter>,
    fallback: MemoryLimiter,
    started: Instant,
    /// Milliseconds since `started` until which `primary` is not tried.
    down_until_ms: AtomicU64,
    /// Milliseconds since `started` of the last warning (0: none yet).
    warned_at_ms: AtomicU64,
}

impl FailOver {
    /// Wraps `primary`.
    pub fn new(primary: Arc<dyn RateLimiter>, fallback: MemoryLimiter) -> Self {
        Self {
            primary,
            fallback,
            started: Instant::now(),
            down_until_ms: AtomicU64::new(0),
            warned_at_ms: AtomicU64::new(0),
        }
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn record_failure(&self, error: &RepositoryError) {
        let now = self.elapsed_ms().max(1);
        self.down_until_ms
            .store(now + BACKOFF.as_millis() as u64, Ordering::Relaxed);
        let warned = self.warned_at_ms.load(Ordering::Relaxed);
        if (warned == 0 || now.saturating_sub(warned) >= WARN_EVERY.as_millis() as u64)
            && self
                .warned_at_ms
                .compare_exchange(warned, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(%error, "shared rate limiter unavailable; limiting per instance meanwhile");
        }
    }
}

#[async_trait]
impl RateLimiter for FailOver {
    async fn take(
        &self,
        budgets: &[Budget<'_>],
        now: OffsetDateTime,
    ) -> Result<RateDecision, RepositoryError> {
        if self.elapsed_ms() < self.down_until_ms.load(Ordering::Relaxed) {
            return Ok(self.fallback.take_now(budgets, now));
        }
        match self.primary.take(budgets, now).await {
            Ok(decision) => Ok(decision),
            Err(error) => {
                self.record_failure(&error);
                Ok(self.fallback.take_now(budgets, now))
            }
        }
    }

    async fn purge_idle(&self, now: OffsetDateTime) -> Result<u64, RepositoryError> {
        let local = self.fallback.purge_idle(now).await?;
        Ok(local + self.primary.purge_idle(now).await?)
    }
}

#[cfg(test)]
mod tests {
    use licentia_domain::rate_limit::Limits;
    use time::macros::datetime;

    use super::*;

    /// A database that is down, counting how often it was asked.
    #[derive(Debug, Default)]
    struct Down {
        asked: AtomicU64,
    }

    #[async_trait]
    impl RateLimiter for Down {
        async fn take(
            &self,
            _: &[Budget<'_>],
            _: OffsetDateTime,
        ) -> Result<RateDecision, RepositoryError> {
            self.asked.fetch_add(1, Ordering::Relaxed);
            Err(RepositoryError::Unavailable("connection refused".into()))
        }

        async fn purge_idle(&self, _: OffsetDateTime) -> Result<u64, RepositoryError> {
            Err(RepositoryError::Unavailable("connection refused".into()))
        }
    }

    #[tokio::test]
    async fn while_the_database_is_down_limits_hold_per_instance_and_it_is_left_alone() {
        let down = Arc::new(Down::default());
        let limiter = FailOver::new(down.clone(), MemoryLimiter::new(1000));
        let budget = Budget {
            key: "cred:key:x",
            limits: Limits::new(3, 100, 1000).expect("limits"),
        };
        let now = datetime!(2026-11-22 10:00:00 UTC);
        let mut admitted = 0;
        for _ in 0..10 {
            let decision = limiter.take(&[budget], now).await.expect("never fails");
            admitted += usize::from(decision.allowed);
        }
        assert_eq!(admitted, 3);
        assert_eq!(
            down.asked.load(Ordering::Relaxed),
            1,
            "not asked again within the back-off"
        );
    }
}
