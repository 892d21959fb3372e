//! Rate limiting: draw one request from one or more budgets, all or nothing.

use async_trait::async_trait;
use licentia_domain::rate_limit::{Limits, RateDecision};
use time::OffsetDateTime;

use crate::RepositoryError;

/// One budget a request draws on: a namespaced key (`cred:…`, `ip:…`, `lic:…`,
/// `auth:…`) and the limits it has now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget<'a> {
    pub key: &'a str,
    pub limits: Limits,
}

/// Where budgets are kept: in this process, or shared by every instance.
///
/// Implementations run `licentia_domain::rate_limit::take` (or the same arithmetic,
/// atomically, where the state lives) and MUST keep its contract: a request is
/// counted in every window of every budget or in none; concurrent calls never admit
/// more than the limits allow; keys are distinct (a repeated key counts once).
#[async_trait]
pub trait RateLimiter: Send + Sync + std::fmt::Debug {
    /// Draws one request from every budget at `now`. MUST return `Unavailable` when
    /// the backing store cannot be reached (callers then decide to fail open).
    async fn take(
        &self,
        budgets: &[Budget<'_>],
        now: OffsetDateTime,
    ) -> Result<RateDecision, RepositoryError>;

    /// Forgets budgets idle since before `now` (their state equals a fresh one);
    /// returns how many were forgotten.
    async fn purge_idle(&self, now: OffsetDateTime) -> Result<u64, RepositoryError>;
}
