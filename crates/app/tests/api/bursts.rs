//! Shared by the rate-limit tests: parallel bursts over real HTTP, and reading the
//! `X-RateLimit-*` headers.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::future::join_all;
use licentia_domain::rate_limit::Limits;
use licentia_test_support::{Reply, read};

/// Limits from `"10,100,1000"`.
pub(crate) fn limits(raw: &str) -> Limits {
    Limits::parse(raw).expect("limits")
}

/// The nine `X-RateLimit-*` header names.
pub(crate) const RATE_HEADERS: [&str; 9] = [
    "x-ratelimit-limit-second",
    "x-ratelimit-limit-minute",
    "x-ratelimit-limit-hourly",
    "x-ratelimit-remaining-second",
    "x-ratelimit-remaining-minute",
    "x-ratelimit-remaining-hourly",
    "x-ratelimit-reset-second",
    "x-ratelimit-reset-minute",
    "x-ratelimit-reset-hourly",
];

/// A numeric header, which must be present.
#[track_caller]
pub(crate) fn number(reply: &Reply, name: &str) -> u64 {
    reply
        .header(name)
        .unwrap_or_else(|| panic!("no {name} header on a {} answer", reply.status))
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number"))
}

/// Whether none of the `X-RateLimit-*` headers nor `Retry-After` is present.
pub(crate) fn unlimited(reply: &Reply) -> bool {
    RATE_HEADERS
        .iter()
        .chain(&["retry-after"])
        .all(|name| reply.header(name).is_none())
}

/// Unix seconds now.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The replies to a parallel burst, and how long the whole burst took (an upper
/// bound of the time over which the limiter saw it).
pub(crate) struct Burst {
    pub(crate) replies: Vec<Reply>,
    pub(crate) took: Duration,
}

impl Burst {
    /// Replies with this status.
    pub(crate) fn with_status(&self, status: u16) -> Vec<&Reply> {
        self.replies.iter().filter(|r| r.status == status).collect()
    }

    /// How many requests a rate of `per_second` earns back during the burst: the
    /// documented tolerance of a burst that does not arrive at one instant.
    pub(crate) fn earned(&self, per_second: u32) -> usize {
        (self.took.as_secs_f64() * f64::from(per_second)).floor() as usize
    }
}

/// `passed` is `limit`, plus at most what the burst's spread earned back (`earned`
/// counts the client's view of the spread, an upper bound of the server's).
#[track_caller]
pub(crate) fn assert_passed(passed: usize, limit: usize, earned: usize) {
    assert!(
        (limit..=limit + earned).contains(&passed),
        "{passed} passed: expected {limit}, or up to {earned} more earned back"
    );
}

/// Sends all `requests` at once (built by `make(i)`) and waits for every reply.
pub(crate) async fn burst(count: usize, make: impl Fn(usize) -> reqwest::RequestBuilder) -> Burst {
    let requests: Vec<reqwest::RequestBuilder> = (0..count).map(make).collect();
    let started = Instant::now();
    let replies = join_all(
        requests
            .into_iter()
            .map(|request| async move { read(request.send().await.expect("sent")).await }),
    )
    .await;
    Burst {
        replies,
        took: started.elapsed(),
    }
}
