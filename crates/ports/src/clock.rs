//! Time, as a port, so that use cases can be tested at any instant.

use time::OffsetDateTime;

/// The current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in UTC, truncated to microseconds (what PostgreSQL stores).
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.replace_nanosecond(now.nanosecond() / 1000 * 1000)
            .unwrap_or(now)
    }
}
