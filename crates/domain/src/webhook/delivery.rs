//! One event's delivery to one endpoint, and the log of its attempts.

use time::OffsetDateTime;

use crate::ids::{DeliveryId, EventId, WebhookId};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its next attempt (the first one included).
    Pending,
    /// The endpoint answered 2xx.
    Succeeded,
    /// Given up: retries ran out, or the endpoint was disabled for good (410).
    Failed,
}

impl DeliveryState {
    /// Every state.
    pub const ALL: [Self; 3] = [Self::Pending, Self::Succeeded, Self::Failed];

    /// The wire and storage name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    /// The state of a wire or storage name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One attempt: what the endpoint answered, how fast, or what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// The HTTP status, when there was an answer.
    pub status_code: Option<u16>,
    pub latency_ms: u32,
    /// Why it failed, in our words (the receiver's body is never kept or shown).
    pub error: Option<String>,
    pub attempted_at: OffsetDateTime,
}

/// An event's delivery to an endpoint (the same `webhook-id` on every attempt).
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    pub event_type: String,
    pub state: DeliveryState,
    /// Oldest first.
    pub attempts: Vec<Attempt>,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::DeliveryState;

    #[test]
    fn states_round_trip_through_their_names() {
        for state in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(state.as_str()), Some(state));
        }
        assert_eq!(DeliveryState::parse("sent"), None);
    }
}
