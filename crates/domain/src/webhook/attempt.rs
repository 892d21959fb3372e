//! What one delivery attempt's outcome means for the delivery and for its endpoint.
//!
//! - A 2xx answer delivers; the endpoint is healthy again.
//! - `410 Gone` gives the delivery up and disables the endpoint at once.
//! - Anything else (another status, a timeout, a refused address) is a failure: the
//!   delivery is retried on the [`RetrySchedule`] until it runs out, and an endpoint
//!   that has been failing for [`DISABLE_AFTER`] is disabled, with the reason kept for
//!   its owner to read (the delivery stays scheduled, to resume if it is enabled again).
//! - A delivery given up after its last retry ends the endpoint's failure streak: the
//!   next failure, perhaps days later, starts a new one rather than disabling at once.

use time::{Duration, OffsetDateTime};

use super::retry::RetrySchedule;

/// How long an endpoint may fail without a single success before it is disabled.
pub const DISABLE_AFTER: Duration = Duration::hours(24);

/// What the receiver made of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// A 2xx status.
    Delivered,
    /// `410 Gone`: the receiver asks never to be called again.
    Gone,
    /// Any other status, or no answer at all.
    Failed,
}

impl AttemptOutcome {
    /// Classifies an HTTP status (`None`: no answer — timeout, connection refused,
    /// forbidden address).
    pub fn from_status(status: Option<u16>) -> Self {
        match status {
            Some(200..=299) => Self::Delivered,
            Some(410) => Self::Gone,
            _ => Self::Failed,
        }
    }
}

/// What happens to the delivery next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryNext {
    Succeeded,
    RetryAt(OffsetDateTime),
    GaveUp,
}

/// What happens to the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointHealth {
    /// Any failure streak ends: it answered, or a delivery was given up.
    StreakEnded,
    /// It has failed continuously since this time.
    FailingSince(OffsetDateTime),
    /// It is disabled; the reason is shown to its owner.
    Disable { reason: String },
}

/// The decision after one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptVerdict {
    pub delivery: DeliveryNext,
    pub endpoint: EndpointHealth,
}

/// The facts of one finished attempt.
#[derive(Debug, Clone, Copy)]
pub struct AttemptFacts<'a> {
    /// 1 for the first attempt of this delivery.
    pub attempt_number: u32,
    pub outcome: AttemptOutcome,
    /// A short description of the failure, for the disable reason.
    pub error: &'a str,
    /// When the endpoint's current failure streak began, if it is failing.
    pub failing_since: Option<OffsetDateTime>,
    pub now: OffsetDateTime,
    /// Uniform in `[0, 1)`, for the retry jitter.
    pub jitter: f64,
}

/// Decides what an attempt means (see the module documentation).
pub fn judge_attempt(schedule: &RetrySchedule, facts: AttemptFacts<'_>) -> AttemptVerdict {
    match facts.outcome {
        AttemptOutcome::Delivered => AttemptVerdict {
            delivery: DeliveryNext::Succeeded,
            endpoint: EndpointHealth::StreakEnded,
        },
        AttemptOutcome::Gone => AttemptVerdict {
            delivery: DeliveryNext::GaveUp,
            endpoint: EndpointHealth::Disable {
                reason: "the endpoint answered 410 Gone".to_owned(),
            },
        },
        AttemptOutcome::Failed => {
            let since = facts.failing_since.unwrap_or(facts.now);
            let delivery = match schedule.delay_after(facts.attempt_number, facts.jitter) {
                Some(delay) => DeliveryNext::RetryAt(facts.now + delay),
                None => DeliveryNext::GaveUp,
            };
            let endpoint = if facts.now - since >= DISABLE_AFTER {
                EndpointHealth::Disable {
                    reason: format!(
                        "every delivery failed for 24 hours (last error: {})",
                        facts.error
                    ),
                }
            } else if delivery == DeliveryNext::GaveUp {
                EndpointHealth::StreakEnded
            } else {
                EndpointHealth::FailingSince(since)
            };
            AttemptVerdict { delivery, endpoint }
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

    fn facts(outcome: AttemptOutcome, attempt_number: u32) -> AttemptFacts<'static> {
        AttemptFacts {
            attempt_number,
            outcome,
            error: "HTTP 500",
            failing_since: None,
            now: NOW,
            jitter: 0.5,
        }
    }

    #[test]
    fn statuses_are_classified() {
        assert_eq!(
            AttemptOutcome::from_status(Some(200)),
            AttemptOutcome::Delivered
        );
        assert_eq!(
            AttemptOutcome::from_status(Some(204)),
            AttemptOutcome::Delivered
        );
        assert_eq!(AttemptOutcome::from_status(Some(410)), AttemptOutcome::Gone);
        for failed in [Some(301), Some(400), Some(404), Some(500), Some(503), None] {
            assert_eq!(AttemptOutcome::from_status(failed), AttemptOutcome::Failed);
        }
    }

    #[test]
    fn success_ends_the_delivery_and_the_failure_streak() {
        let verdict = judge_attempt(
            &RetrySchedule::default(),
            facts(AttemptOutcome::Delivered, 3),
        );
        assert_eq!(verdict.delivery, DeliveryNext::Succeeded);
        assert_eq!(verdict.endpoint, EndpointHealth::StreakEnded);
    }

    #[test]
    fn gone_disables_the_endpoint_at_once() {
        let verdict = judge_attempt(&RetrySchedule::default(), facts(AttemptOutcome::Gone, 1));
        assert_eq!(verdict.delivery, DeliveryNext::GaveUp);
        assert!(
            matches!(verdict.endpoint, EndpointHealth::Disable { ref reason } if reason.contains("410"))
        );
    }

    #[test]
    fn a_first_failure_starts_a_streak_and_schedules_a_retry() {
        let verdict = judge_attempt(&RetrySchedule::default(), facts(AttemptOutcome::Failed, 1));
        assert_eq!(
            verdict.delivery,
            DeliveryNext::RetryAt(NOW + Duration::seconds(5))
        );
        assert_eq!(verdict.endpoint, EndpointHealth::FailingSince(NOW));
    }

    #[test]
    fn the_last_attempt_gives_up_and_ends_a_young_streak() {
        let mut last = facts(AttemptOutcome::Failed, 10);
        last.failing_since = Some(NOW - Duration::hours(2));
        let verdict = judge_attempt(&RetrySchedule::default(), last);
        assert_eq!(verdict.delivery, DeliveryNext::GaveUp);
        assert_eq!(verdict.endpoint, EndpointHealth::StreakEnded);
    }

    #[test]
    fn a_day_of_failures_disables_the_endpoint_with_the_reason() {
        let mut old = facts(AttemptOutcome::Failed, 2);
        old.failing_since = Some(NOW - DISABLE_AFTER);
        let verdict = judge_attempt(&RetrySchedule::default(), old);
        assert_eq!(
            verdict.delivery,
            DeliveryNext::RetryAt(NOW + Duration::seconds(20)),
            "kept scheduled, to resume when enabled again"
        );
        assert!(
            matches!(verdict.endpoint, EndpointHealth::Disable { ref reason } if reason.contains("HTTP 500"))
        );
        let mut younger = old;
        younger.failing_since = Some(NOW - DISABLE_AFTER + Duration::minutes(1));
        assert!(matches!(
            judge_attempt(&RetrySchedule::default(), younger).endpoint,
            EndpointHealth::FailingSince(_)
        ));
    }
}
