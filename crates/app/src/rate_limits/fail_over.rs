//! The shared (PostgreSQL) limiter with an in-process stand-in: while the database
//! cannot answer, budgets are kept per instance instead, so limits keep holding (per
//! instance) and requests are neither refused nor slowed by the outage.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use licentia_domain::rate_limit::RateDecision;
use licentia_ports::{Budget, RateLimiter, RepositoryError};
use time::OffsetDateTime;

use super::MemoryLimiter;

/// How often an ongoing failure is logged.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// `primary`, or `fallback` when `primary` fails.
#[derive(Debug)]
pub struct FailOver {
    primary: Arc<dyn RateLimiter>,
    fallback: MemoryLimiter,
    last_warning: Mutex<Option<Instant>>,
}

impl FailOver {
    /// Wraps `primary`.
    pub fn new(primary: Arc<dyn RateLimiter>, fallback: MemoryLimiter) -> Self {
        Self {
            primary,
            fallback,
            last_warning: Mutex::new(None),
        }
    }

    fn warn(&self, error: &RepositoryError) {
        let mut last = self
            .last_warning
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if last.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
            *last = Some(Instant::now());
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
        match self.primary.take(budgets, now).await {
            Ok(decision) => Ok(decision),
            Err(error) => {
                self.warn(&error);
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

    #[derive(Debug)]
    struct Down;

    #[async_trait]
    impl RateLimiter for Down {
        async fn take(
            &self,
            _: &[Budget<'_>],
            _: OffsetDateTime,
        ) -> Result<RateDecision, RepositoryError> {
            Err(RepositoryError::Unavailable("connection refused".into()))
        }

        async fn purge_idle(&self, _: OffsetDateTime) -> Result<u64, RepositoryError> {
            Err(RepositoryError::Unavailable("connection refused".into()))
        }
    }

    #[tokio::test]
    async fn while_the_database_is_down_limits_hold_per_instance() {
        let limiter = FailOver::new(Arc::new(Down), MemoryLimiter::new(1000));
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
    }
}
