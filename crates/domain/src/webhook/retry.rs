//! When a failed delivery is tried again: exponential backoff with jitter, the first
//! retry after about 5 s, growing fourfold up to 8 h between tries, giving up after
//! 10 attempts — about 24 h after the first.

use time::Duration;

/// The retry schedule. [`RetrySchedule::default`] is the production schedule; tests
/// may shrink `first_delay` to run the same arithmetic in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    /// Delay before the first retry (before jitter).
    pub first_delay: Duration,
    /// Each further delay is this many times the previous one…
    pub factor: u32,
    /// …up to this cap.
    pub max_delay: Duration,
    /// Attempts in all, the first included; then the delivery is given up.
    pub max_attempts: u32,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self {
            first_delay: Duration::seconds(5),
            factor: 4,
            max_delay: Duration::hours(8),
            max_attempts: 10,
        }
    }
}

/// Jitter spreads each delay over ±20 % so that retries of many deliveries that
/// failed together do not arrive together.
const JITTER_SPREAD: f64 = 0.4;

impl RetrySchedule {
    /// The wait before the next try, after `attempts_made` failed attempts (≥ 1), or
    /// `None` when the delivery should be given up. `jitter` is a uniform random
    /// number in `[0, 1)` (clamped), supplied by the caller so this stays pure.
    pub fn delay_after(&self, attempts_made: u32, jitter: f64) -> Option<Duration> {
        if attempts_made == 0 || attempts_made >= self.max_attempts {
            return None;
        }
        let mut base = self.first_delay;
        for _ in 1..attempts_made {
            base = base.saturating_mul(i32::try_from(self.factor).unwrap_or(i32::MAX));
            if base >= self.max_delay {
                base = self.max_delay;
                break;
            }
        }
        let spread = 1.0 - JITTER_SPREAD / 2.0 + JITTER_SPREAD * jitter.clamp(0.0, 1.0);
        Some(base * spread)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_first_retry_comes_within_about_five_seconds() {
        let schedule = RetrySchedule::default();
        let earliest = schedule.delay_after(1, 0.0).expect("retries");
        let latest = schedule.delay_after(1, 1.0).expect("retries");
        assert_eq!(earliest, Duration::seconds(4));
        assert_eq!(latest, Duration::seconds(6));
    }

    #[test]
    fn the_delays_grow_to_the_cap_and_stop_after_the_last_attempt() {
        let schedule = RetrySchedule::default();
        let delays: Vec<_> = (1..=9)
            .map(|n| schedule.delay_after(n, 0.5).expect("retries"))
            .collect();
        assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
        assert_eq!(delays[1], Duration::seconds(20));
        assert_eq!(delays[8], Duration::hours(8));
        assert_eq!(schedule.delay_after(10, 0.5), None);
        assert_eq!(schedule.delay_after(0, 0.5), None);
    }

    #[test]
    fn retries_span_about_a_day() {
        let schedule = RetrySchedule::default();
        let nominal: Duration = (1..10)
            .filter_map(|n| schedule.delay_after(n, 0.5))
            .fold(Duration::ZERO, |sum, d| sum + d);
        assert!(
            nominal > Duration::hours(22) && nominal < Duration::hours(25),
            "{nominal}"
        );
        let longest: Duration = (1..10)
            .filter_map(|n| schedule.delay_after(n, 1.0))
            .fold(Duration::ZERO, |sum, d| sum + d);
        assert!(longest < Duration::hours(29), "{longest}");
    }

    proptest! {
        #[test]
        fn jitter_keeps_every_delay_within_twenty_percent(attempt in 1u32..10, jitter in 0.0f64..1.0) {
            let schedule = RetrySchedule::default();
            let low = schedule.delay_after(attempt, 0.0).expect("retries");
            let high = schedule.delay_after(attempt, 1.0).expect("retries");
            let delay = schedule.delay_after(attempt, jitter).expect("retries");
            prop_assert!(low <= delay && delay <= high);
            prop_assert!(high.as_seconds_f64() <= low.as_seconds_f64() * 1.5 + 1e-9);
        }
    }
}
