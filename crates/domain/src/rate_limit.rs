//! Rate-limit arithmetic: GCRA (the generic cell rate algorithm) over three windows
//! at once, all or nothing. Pure: the time is always a parameter.
//!
//! Each window (second, minute, hour) of a budget admits `limit` requests at once and
//! then one more every `window / limit` (the emission interval). The state of a window
//! is one instant, its theoretical arrival time (TAT): a request at `now` is admitted
//! when `max(TAT, now) + interval − now ≤ interval × limit`, and then moves the TAT to
//! `max(TAT, now) + interval`. A burst of `limit` requests at one instant is admitted
//! exactly; requests spread over `d` seconds earn `d × limit / window` more, as any rate
//! does. Unlike a fixed window there is no boundary at which twice the limit passes.
//!
//! A request draws on one or more budgets (a credential; a client IP and a license
//! key), every window of each. It is admitted only when every window of every budget
//! admits it, and only then is anything consumed: a request refused by one window is
//! not counted by the others.

use std::fmt;
use std::num::NonZeroU32;

use time::OffsetDateTime;

use crate::ValidationError;

const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// The largest limit of one window (one admitted request per nanosecond at most).
pub const MAX_LIMIT: u32 = 1_000_000_000;

/// One of the three windows every budget has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Window {
    Second,
    Minute,
    Hour,
}

/// The three windows, in header order.
pub const WINDOWS: [Window; 3] = [Window::Second, Window::Minute, Window::Hour];

impl Window {
    /// The window's length in seconds.
    pub const fn seconds(self) -> u64 {
        match self {
            Self::Second => 1,
            Self::Minute => 60,
            Self::Hour => 3600,
        }
    }

    /// The suffix of its `X-RateLimit-*` headers (the SPEC's spelling).
    pub const fn header_suffix(self) -> &'static str {
        match self {
            Self::Second => "Second",
            Self::Minute => "Minute",
            Self::Hour => "Hourly",
        }
    }

    const fn index(self) -> usize {
        match self {
            Self::Second => 0,
            Self::Minute => 1,
            Self::Hour => 2,
        }
    }
}

/// How many requests each window of a budget admits: per second, minute and hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    per: [NonZeroU32; 3],
}

/// The GCRA parameters of one window, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// The emission interval: one more request is earned every `interval`.
    pub interval: u64,
    /// How far ahead of now the TAT may run: `interval × limit`.
    pub tolerance: u64,
}

impl Limits {
    /// Limits per second, minute and hour; each must be 1 to [`MAX_LIMIT`].
    pub fn new(second: u32, minute: u32, hour: u32) -> Result<Self, ValidationError> {
        let one = |n: u32| {
            NonZeroU32::new(n)
                .filter(|n| n.get() <= MAX_LIMIT)
                .ok_or(ValidationError::new(
                    "each limit must be a whole number from 1 to 1000000000",
                ))
        };
        Ok(Self {
            per: [one(second)?, one(minute)?, one(hour)?],
        })
    }

    /// Parses `"10,100,1000"` (per second, minute, hour; spaces allowed).
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        const SHAPE: &str =
            "must be three limits, per second, minute and hour, such as 10,100,1000";
        let mut numbers = raw.split(',').map(|part| part.trim().parse::<u32>());
        match (
            numbers.next(),
            numbers.next(),
            numbers.next(),
            numbers.next(),
        ) {
            (Some(Ok(second)), Some(Ok(minute)), Some(Ok(hour)), None) => {
                Self::new(second, minute, hour)
            }
            _ => Err(ValidationError::new(SHAPE)),
        }
    }

    /// The limit of one window.
    pub fn get(&self, window: Window) -> u32 {
        self.per[window.index()].get()
    }

    /// The GCRA parameters of one window. The interval is rounded down to whole
    /// nanoseconds and the tolerance is exactly `limit` intervals, so a burst of
    /// `limit` is always admitted and a burst of `limit + 1` never is.
    pub fn quota(&self, window: Window) -> Quota {
        let limit = u64::from(self.get(window));
        let interval = (window.seconds() * NANOS_PER_SECOND / limit).max(1);
        Quota {
            interval,
            tolerance: interval * limit,
        }
    }
}

impl fmt::Display for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [s, m, h] = self.per;
        write!(f, "{s},{m},{h}")
    }
}

/// Where one window of a budget stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowState {
    /// The theoretical arrival time, in nanoseconds since the Unix epoch (0: never used).
    pub tat: u64,
    /// The emission interval the TAT was counted in (0: never used). When the limit
    /// changes (a tier change), the budget already used is rescaled to the new
    /// interval, so the change applies at once in numbers of requests.
    pub interval: u64,
}

/// Where one budget stands: its three windows (second, minute, hour). A state whose
/// TATs are all in the past is the same as a fresh one, so it may be forgotten (see
/// [`RateState::idle_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateState {
    windows: [WindowState; 3],
}

impl RateState {
    /// A state from stored windows (second, minute, hour).
    pub const fn from_windows(windows: [WindowState; 3]) -> Self {
        Self { windows }
    }

    /// The windows (second, minute, hour), for storage.
    pub const fn windows(&self) -> [WindowState; 3] {
        self.windows
    }

    /// The instant (ns since the epoch) from which this state equals a fresh one.
    pub fn idle_at(&self) -> u64 {
        self.windows.iter().map(|w| w.tat).max().unwrap_or(0)
    }
}

/// The TAT of `state` counted in `interval`: the time still owed, scaled by the ratio
/// of the intervals (rounded down), so that the number of requests owed is kept.
pub fn rescaled_tat(state: WindowState, interval: u64, now: u64) -> u64 {
    if state.interval == 0 || state.interval == interval || state.tat <= now {
        return state.tat;
    }
    let owed = u128::from(state.tat - now) * u128::from(interval) / u128::from(state.interval);
    now.saturating_add(u64::try_from(owed).unwrap_or(u64::MAX))
}

/// One window of a decision, as the `X-RateLimit-*` headers report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowStatus {
    /// The window's limit.
    pub limit: u32,
    /// Requests that may still be made at once.
    pub remaining: u32,
    /// Unix seconds (rounded up) at which the whole limit is available again.
    pub reset_at: u64,
}

/// The answer to "may this request pass?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether the request was admitted (and counted in every window of every budget).
    pub allowed: bool,
    /// Per window (second, minute, hour): of the budgets drawn on, the one with the
    /// least remaining (ties: the later reset).
    pub windows: [WindowStatus; 3],
    /// When refused: whole seconds (at least 1) until every refusing window admits
    /// one request again. `None` when admitted.
    pub retry_after: Option<u64>,
}

impl RateDecision {
    /// The status of one window.
    pub fn window(&self, window: Window) -> WindowStatus {
        self.windows[window.index()]
    }
}

/// One budget a request draws on.
#[derive(Debug)]
pub struct Draw<'a> {
    pub state: &'a mut RateState,
    pub limits: Limits,
}

/// Nanoseconds since the Unix epoch (instants before it count as the epoch).
pub fn unix_nanos(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp_nanos()).unwrap_or(0)
}

fn ceil_seconds(nanos: u64) -> u64 {
    nanos.div_ceil(NANOS_PER_SECOND)
}

/// Draws one request from every budget at `now`, all or nothing: requests are
/// counted only when every window of every budget admits the request. (A refused
/// request may still rewrite a state to new limits, which consumes nothing.)
///
/// With no budgets the request is admitted and every window reports zeros.
pub fn take(budgets: &mut [Draw<'_>], now: OffsetDateTime) -> RateDecision {
    let now = unix_nanos(now);
    // Per budget and window: the TAT in the current interval, and the TAT if admitted.
    let step = |draw: &Draw<'_>, window: Window| {
        let quota = draw.limits.quota(window);
        let tat = rescaled_tat(draw.state.windows[window.index()], quota.interval, now);
        let next = tat.max(now).saturating_add(quota.interval);
        (quota, tat, next)
    };
    let allowed = budgets.iter().all(|draw| {
        WINDOWS.into_iter().all(|window| {
            let (quota, _, next) = step(draw, window);
            next - now <= quota.tolerance
        })
    });

    let mut retry_after_nanos = 0u64;
    let mut windows: [Option<WindowStatus>; 3] = [None; 3];
    for draw in budgets.iter_mut() {
        for window in WINDOWS {
            let (quota, tat, next) = step(draw, window);
            if !allowed && next - now > quota.tolerance {
                retry_after_nanos = retry_after_nanos.max(next - now - quota.tolerance);
            }
            let kept = if allowed { next } else { tat };
            draw.state.windows[window.index()] = WindowState {
                tat: kept,
                interval: quota.interval,
            };
            let limit = draw.limits.get(window);
            let status = WindowStatus {
                limit,
                remaining: u32::try_from(
                    (now + quota.tolerance).saturating_sub(kept.max(now)) / quota.interval,
                )
                .unwrap_or(u32::MAX)
                .min(limit),
                reset_at: ceil_seconds(kept.max(now)),
            };
            let i = window.index();
            windows[i] = Some(match windows[i] {
                Some(seen)
                    if (seen.remaining, std::cmp::Reverse(seen.reset_at))
                        <= (status.remaining, std::cmp::Reverse(status.reset_at)) =>
                {
                    seen
                }
                _ => status,
            });
        }
    }
    RateDecision {
        allowed,
        windows: windows.map(Option::unwrap_or_default),
        retry_after: (!allowed).then(|| ceil_seconds(retry_after_nanos).max(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::datetime;

    /// The fake clock every test starts from.
    const T0: OffsetDateTime = datetime!(2026-11-22 10:00:00 UTC);

    fn limits(s: u32, m: u32, h: u32) -> Limits {
        Limits::new(s, m, h).expect("valid limits")
    }

    fn one(state: &mut RateState, limits: Limits, now: OffsetDateTime) -> RateDecision {
        take(&mut [Draw { state, limits }], now)
    }

    fn burst(state: &mut RateState, limits: Limits, n: usize, now: OffsetDateTime) -> usize {
        (0..n).filter(|_| one(state, limits, now).allowed).count()
    }

    #[test]
    fn limits_parse_three_numbers() {
        let parsed = Limits::parse(" 10, 100 ,1000").expect("valid");
        assert_eq!(parsed, limits(10, 100, 1000));
        assert_eq!(parsed.to_string(), "10,100,1000");
        for bad in [
            "",
            "10,100",
            "10,100,1000,1",
            "10,x,1000",
            "0,1,1",
            "-1,1,1",
            "1,1,1000000001",
        ] {
            assert!(Limits::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_burst_of_forty_on_ten_per_second_admits_exactly_ten() {
        let mut state = RateState::default();
        assert_eq!(burst(&mut state, limits(10, 1000, 10_000), 40, T0), 10);
    }

    #[test]
    fn an_uneven_interval_still_admits_exactly_the_limit() {
        // 1 s / 3 is not a whole number of nanoseconds.
        let mut state = RateState::default();
        assert_eq!(burst(&mut state, limits(3, 1000, 10_000), 10, T0), 3);
    }

    #[test]
    fn one_request_is_earned_back_per_interval() {
        let mut state = RateState::default();
        let l = limits(10, 1000, 10_000);
        assert_eq!(burst(&mut state, l, 10, T0), 10);
        assert!(!one(&mut state, l, T0 + Duration::milliseconds(99)).allowed);
        assert!(one(&mut state, l, T0 + Duration::milliseconds(100)).allowed);
        assert!(!one(&mut state, l, T0 + Duration::milliseconds(100)).allowed);
        assert_eq!(burst(&mut state, l, 20, T0 + Duration::seconds(5)), 10);
    }

    #[test]
    fn the_minute_window_bites_when_it_is_the_smallest() {
        let mut state = RateState::default();
        let l = limits(1000, 5, 1000);
        assert_eq!(burst(&mut state, l, 8, T0), 5);
        let refused = one(&mut state, l, T0);
        assert_eq!(refused.window(Window::Minute).remaining, 0);
        assert_eq!(refused.retry_after, Some(12), "one request per 12 s");
        assert_eq!(refused.window(Window::Second).remaining, 995);
        assert!(one(&mut state, l, T0 + Duration::seconds(12)).allowed);
    }

    #[test]
    fn the_hour_window_bites_when_it_is_the_smallest() {
        let mut state = RateState::default();
        let l = limits(1000, 1000, 7);
        assert_eq!(burst(&mut state, l, 10, T0), 7);
        let refused = one(&mut state, l, T0 + Duration::seconds(30));
        assert!(!refused.allowed);
        // 3600 / 7 = 514.28… s after T0 the first request is earned back.
        assert_eq!(refused.retry_after, Some(515 - 30));
    }

    #[test]
    fn a_refusal_by_one_window_consumes_no_other() {
        let mut state = RateState::default();
        let l = limits(2, 5, 1000);
        assert_eq!(burst(&mut state, l, 10, T0), 2);
        let after = one(&mut state, l, T0 + Duration::seconds(1));
        assert!(after.allowed);
        assert_eq!(after.window(Window::Minute).remaining, 2, "3 of 5 used");
        assert_eq!(after.window(Window::Hour).remaining, 997);
    }

    #[test]
    fn a_refusal_by_one_budget_consumes_nothing_from_the_other() {
        let (mut ip, mut key) = (RateState::default(), RateState::default());
        let (ip_limits, key_limits) = (limits(100, 1000, 10_000), limits(1, 1000, 10_000));
        let draw = |ip: &mut RateState, key: &mut RateState| {
            take(
                &mut [
                    Draw {
                        state: ip,
                        limits: ip_limits,
                    },
                    Draw {
                        state: key,
                        limits: key_limits,
                    },
                ],
                T0,
            )
        };
        assert!(draw(&mut ip, &mut key).allowed);
        let before = ip;
        let refused = draw(&mut ip, &mut key);
        assert!(!refused.allowed);
        assert_eq!(ip, before, "the IP budget is untouched");
        // Headers report the tighter budget per window: the key's second window.
        assert_eq!(refused.window(Window::Second).limit, 1);
        assert_eq!(refused.window(Window::Second).remaining, 0);
        assert_eq!(refused.window(Window::Minute).remaining, 999);
    }

    #[test]
    fn remaining_and_reset_count_down_and_reset_is_when_all_is_back() {
        let mut state = RateState::default();
        let l = limits(10, 100, 1000);
        let first = one(&mut state, l, T0);
        assert_eq!(first.window(Window::Second).remaining, 9);
        assert_eq!(first.window(Window::Minute).remaining, 99);
        assert_eq!(first.window(Window::Hour).remaining, 999);
        let t0 = T0.unix_timestamp() as u64;
        // One request takes 0.1 s, 0.6 s and 3.6 s to be earned back.
        assert_eq!(first.window(Window::Second).reset_at, t0 + 1);
        assert_eq!(first.window(Window::Minute).reset_at, t0 + 1);
        assert_eq!(first.window(Window::Hour).reset_at, t0 + 4);
        burst(&mut state, l, 9, T0);
        let refused = one(&mut state, l, T0);
        assert_eq!(refused.window(Window::Second).remaining, 0);
        assert_eq!(refused.window(Window::Second).reset_at, t0 + 1);
        assert_eq!(refused.window(Window::Minute).remaining, 90);
        assert_eq!(refused.window(Window::Minute).reset_at, t0 + 6);
        assert_eq!(refused.window(Window::Hour).reset_at, t0 + 36);
        assert_eq!(refused.retry_after, Some(1), "0.1 s rounds up to 1 s");
    }

    #[test]
    fn retry_after_is_at_least_one_second() {
        let mut state = RateState::default();
        let l = limits(1000, 100_000, 1_000_000);
        burst(&mut state, l, 1000, T0);
        assert_eq!(one(&mut state, l, T0).retry_after, Some(1));
    }

    #[test]
    fn an_idle_state_is_the_same_as_a_fresh_one() {
        let mut state = RateState::default();
        let l = limits(10, 100, 1000);
        burst(&mut state, l, 50, T0);
        let idle = OffsetDateTime::from_unix_timestamp_nanos(i128::from(state.idle_at()))
            .expect("instant");
        let mut fresh = RateState::default();
        assert_eq!(
            one(&mut state, l, idle),
            one(&mut fresh, l, idle),
            "same decision"
        );
        assert_eq!(state, fresh, "same state");
    }

    #[test]
    fn a_raised_limit_applies_at_once_keeping_what_was_used() {
        let mut state = RateState::default();
        assert_eq!(burst(&mut state, limits(10, 100, 1000), 20, T0), 10);
        let raised = limits(50, 1000, 20_000);
        assert_eq!(burst(&mut state, raised, 60, T0), 40, "10 of 50 used");
        let hourly = limits(1000, 1000, 5);
        let mut state = RateState::default();
        assert_eq!(burst(&mut state, hourly, 10, T0), 5);
        let decision = one(
            &mut state,
            limits(1000, 1000, 20),
            T0 + Duration::seconds(1),
        );
        assert!(
            decision.allowed,
            "the hour window was exhausted under the old limit"
        );
        assert_eq!(decision.window(Window::Hour).remaining, 14, "6 of 20 used");
    }

    #[test]
    fn a_lowered_limit_applies_at_once_keeping_what_was_used() {
        let mut state = RateState::default();
        assert_eq!(burst(&mut state, limits(50, 1000, 20_000), 20, T0), 20);
        let lowered = limits(10, 100, 1000);
        let refused = one(&mut state, lowered, T0);
        assert!(!refused.allowed, "20 used is over the new 10");
        assert_eq!(
            refused.retry_after,
            Some(2),
            "20 × 0.1 s owed, 1 s tolerated: 1.1 s"
        );
        assert!(one(&mut state, lowered, T0 + Duration::milliseconds(1100)).allowed);
    }

    #[test]
    fn no_budgets_admit_everything() {
        let decision = take(&mut [], T0);
        assert!(decision.allowed);
        assert_eq!(decision.retry_after, None);
    }

    proptest! {
        #[test]
        fn a_burst_at_one_instant_admits_exactly_the_smallest_limit(
            s in 1u32..300, m in 1u32..300, h in 1u32..300, extra in 0usize..50
        ) {
            let l = limits(s, m, h);
            let mut state = RateState::default();
            let smallest = s.min(m).min(h) as usize;
            prop_assert_eq!(burst(&mut state, l, smallest + extra, T0), smallest);
        }

        #[test]
        fn refused_requests_never_change_the_state(
            s in 1u32..20, m in 1u32..50, h in 1u32..100,
            steps in proptest::collection::vec(0i64..400, 1..120)
        ) {
            let l = limits(s, m, h);
            let mut state = RateState::default();
            let mut now = T0;
            for step in steps {
                now += Duration::milliseconds(step);
                let before = state;
                let decision = one(&mut state, l, now);
                if !decision.allowed {
                    prop_assert_eq!(state, before);
                    prop_assert!(decision.retry_after.is_some_and(|r| r >= 1));
                }
            }
        }

        #[test]
        fn over_any_span_no_more_pass_than_the_limit_plus_what_the_span_earns(
            s in 1u32..30,
            steps in proptest::collection::vec(0i64..120, 1..300)
        ) {
            let l = limits(s, 100_000, 1_000_000);
            let mut state = RateState::default();
            let mut now = T0;
            let mut admitted = 0u64;
            for step in steps {
                now += Duration::milliseconds(step);
                admitted += u64::from(one(&mut state, l, now).allowed);
            }
            let span_ns = unix_nanos(now) - unix_nanos(T0);
            let earned = span_ns / l.quota(Window::Second).interval;
            prop_assert!(admitted <= u64::from(s) + earned);
        }

        #[test]
        fn the_retry_after_is_enough_to_pass(
            s in 1u32..20, m in 1u32..100, h in 1u32..200
        ) {
            let l = limits(s, m, h);
            let mut state = RateState::default();
            let mut now = T0;
            loop {
                let decision = one(&mut state, l, now);
                if let Some(wait) = decision.retry_after {
                    now += Duration::seconds(wait as i64);
                    prop_assert!(one(&mut state, l, now).allowed);
                    break;
                }
            }
        }
    }
}
