//! The in-process limiter: budgets in a moka cache, each behind its own mutex.
//!
//! Exact within one instance: a check locks the budgets it draws on (in key order, so
//! two checks never wait on each other in a cycle) and runs the domain's `take`.
//! Several instances each keep their own budgets, so N instances admit up to N times
//! the limits. A budget untouched for an hour equals a fresh one and is dropped; when
//! more than `capacity` budgets are live the least used are dropped early (forgiven).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use licentia_domain::rate_limit::{Draw, RateDecision, RateState, take};
use licentia_ports::{Budget, RateLimiter, RepositoryError};
use moka::sync::Cache;
use time::OffsetDateTime;

/// After this long without a check a budget's TATs are all in the past (no window
/// tolerates more than an hour), so forgetting it changes nothing.
const IDLE: Duration = Duration::from_secs(3601);

type Cell = Arc<Mutex<RateState>>;

/// Budgets of this process.
#[derive(Clone)]
pub struct MemoryLimiter {
    budgets: Cache<String, Cell>,
}

impl std::fmt::Debug for MemoryLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryLimiter")
            .field("budgets", &self.budgets.entry_count())
            .finish()
    }
}

impl MemoryLimiter {
    /// A limiter holding at most `capacity` budgets.
    pub fn new(capacity: u64) -> Self {
        Self {
            budgets: Cache::builder()
                .max_capacity(capacity)
                .time_to_idle(IDLE)
                .build(),
        }
    }

    fn cell(&self, key: &str) -> Cell {
        if let Some(cell) = self.budgets.get(key) {
            return cell;
        }
        self.budgets
            .entry_by_ref(key)
            .or_insert_with(|| Arc::new(Mutex::new(RateState::default())))
            .into_value()
    }

    /// Draws one request from every budget at `now`, all or nothing.
    ///
    /// One budget (the management API) and two (a runtime IP and license key) take
    /// a path without allocations; more take the general one.
    pub fn take_now(&self, budgets: &[Budget<'_>], now: OffsetDateTime) -> RateDecision {
        match budgets {
            [one] => {
                let cell = self.cell(one.key);
                let mut state = lock(&cell);
                take(
                    &mut [Draw {
                        state: &mut state,
                        limits: one.limits,
                    }],
                    now,
                )
            }
            [a, b] if a.key != b.key => {
                // Locked in key order, like the general path.
                let (first, second) = if a.key < b.key { (a, b) } else { (b, a) };
                let (first_cell, second_cell) = (self.cell(first.key), self.cell(second.key));
                let mut first_state = lock(&first_cell);
                let mut second_state = lock(&second_cell);
                take(
                    &mut [
                        Draw {
                            state: &mut first_state,
                            limits: first.limits,
                        },
                        Draw {
                            state: &mut second_state,
                            limits: second.limits,
                        },
                    ],
                    now,
                )
            }
            _ => self.take_many(budgets, now),
        }
    }

    fn take_many(&self, budgets: &[Budget<'_>], now: OffsetDateTime) -> RateDecision {
        let mut budgets = budgets.to_vec();
        budgets.sort_unstable_by(|a, b| a.key.cmp(b.key));
        budgets.dedup_by(|a, b| a.key == b.key);
        let cells: Vec<Cell> = budgets.iter().map(|b| self.cell(b.key)).collect();
        let mut guards: Vec<MutexGuard<'_, RateState>> = cells.iter().map(lock).collect();
        let mut draws: Vec<Draw<'_>> = guards
            .iter_mut()
            .zip(&budgets)
            .map(|(guard, budget)| Draw {
                state: guard,
                limits: budget.limits,
            })
            .collect();
        take(&mut draws, now)
    }
}

/// A budget's state; a poisoned lock (a panic while holding it, which `take` cannot
/// cause) still holds a usable state.
fn lock(cell: &Cell) -> MutexGuard<'_, RateState> {
    cell.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait]
impl RateLimiter for MemoryLimiter {
    async fn take(
        &self,
        budgets: &[Budget<'_>],
        now: OffsetDateTime,
    ) -> Result<RateDecision, RepositoryError> {
        Ok(self.take_now(budgets, now))
    }

    async fn purge_idle(&self, _now: OffsetDateTime) -> Result<u64, RepositoryError> {
        // moka drops idle budgets itself; this only hurries its housekeeping.
        let before = self.budgets.entry_count();
        self.budgets.run_pending_tasks();
        Ok(before.saturating_sub(self.budgets.entry_count()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use licentia_domain::rate_limit::{Limits, Window};
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-22 10:00:00 UTC);

    fn limits(s: u32, m: u32, h: u32) -> Limits {
        Limits::new(s, m, h).expect("limits")
    }

    #[test]
    fn eight_threads_hammering_one_budget_get_exactly_its_limit() {
        let limiter = MemoryLimiter::new(10_000);
        let admitted = AtomicUsize::new(0);
        let budget = Budget {
            key: "cred:key:hot",
            limits: limits(50, 1000, 10_000),
        };
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..100 {
                        if limiter.take_now(&[budget], NOW).allowed {
                            admitted.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(admitted.load(Ordering::Relaxed), 50);
    }

    #[test]
    fn pairs_taken_in_either_order_from_many_threads_neither_deadlock_nor_overshoot() {
        let limiter = MemoryLimiter::new(10_000);
        let admitted = AtomicUsize::new(0);
        let ip = Budget {
            key: "ip:198.51.100.4",
            limits: limits(30, 1000, 10_000),
        };
        let key = Budget {
            key: "lic:ABC",
            limits: limits(1000, 1000, 10_000),
        };
        std::thread::scope(|scope| {
            for thread in 0..8 {
                let admitted = &admitted;
                let limiter = &limiter;
                scope.spawn(move || {
                    let pair = if thread % 2 == 0 {
                        [ip, key]
                    } else {
                        [key, ip]
                    };
                    for _ in 0..50 {
                        if limiter.take_now(&pair, NOW).allowed {
                            admitted.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(admitted.load(Ordering::Relaxed), 30);
        let alone = limiter.take_now(&[key], NOW);
        assert_eq!(
            alone.window(Window::Second).remaining,
            1000 - 31,
            "the key was drawn on only by admitted pairs"
        );
    }

    #[test]
    fn budgets_are_separate_and_a_repeated_key_counts_once() {
        let limiter = MemoryLimiter::new(10_000);
        let l = limits(2, 100, 1000);
        let a = Budget {
            key: "ip:a",
            limits: l,
        };
        let b = Budget {
            key: "ip:b",
            limits: l,
        };
        assert!(limiter.take_now(&[a, a], NOW).allowed, "one of two");
        assert!(limiter.take_now(&[a], NOW).allowed, "two of two");
        assert!(!limiter.take_now(&[a, b, a], NOW).allowed, "a is spent");
        assert!(!limiter.take_now(&[a], NOW).allowed);
        assert_eq!(
            limiter.take_now(&[b], NOW).window(Window::Second).remaining,
            1,
            "b was not drawn on by the refused triple"
        );
    }
}
