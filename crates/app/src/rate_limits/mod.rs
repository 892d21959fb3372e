//! The rate limiter a server runs with, chosen by `LICENTIA_RATE_LIMITS`: in this
//! process, in PostgreSQL (falling back to this process while the database cannot
//! answer), or none.

pub mod fail_over;
pub mod memory;

use std::sync::Arc;

use licentia_ports::RateLimiter;

pub use fail_over::FailOver;
pub use memory::MemoryLimiter;

use crate::config::{RateLimitMode, RateLimitSettings};

/// The limiter for `settings`; `None` when limits are off. `shared` is the
/// PostgreSQL implementation, used in `postgres` mode.
pub fn limiter(
    settings: &RateLimitSettings,
    shared: Arc<dyn RateLimiter>,
) -> Option<Arc<dyn RateLimiter>> {
    match settings.mode {
        RateLimitMode::Off => None,
        RateLimitMode::Memory => Some(Arc::new(MemoryLimiter::new(settings.capacity))),
        RateLimitMode::Postgres => Some(Arc::new(FailOver::new(
            shared,
            MemoryLimiter::new(settings.capacity),
        ))),
    }
}
