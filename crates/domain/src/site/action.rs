//! Actions a vendor queues for a site: handed to the plugin once (`delivered`), then
//! acknowledged (`done`). An acknowledged `deactivate` frees the site's seat.

use time::OffsetDateTime;

use crate::ValidationError;
use crate::ids::{SiteActionId, SiteId};
use crate::metadata::Metadata;

/// What the plugin is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteActionType {
    /// Deactivate the plugin's license on the site (the seat is freed on acknowledgement).
    Deactivate,
    UpdatePlugin,
    Message,
    Custom,
}

impl SiteActionType {
    /// Every action type.
    pub const ALL: [Self; 4] = [
        Self::Deactivate,
        Self::UpdatePlugin,
        Self::Message,
        Self::Custom,
    ];

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "deactivate" => Ok(Self::Deactivate),
            "update_plugin" => Ok(Self::UpdatePlugin),
            "message" => Ok(Self::Message),
            "custom" => Ok(Self::Custom),
            _ => Err(ValidationError::new(
                "must be deactivate, update_plugin, message or custom",
            )),
        }
    }

    /// The wire and storage name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Deactivate => "deactivate",
            Self::UpdatePlugin => "update_plugin",
            Self::Message => "message",
            Self::Custom => "custom",
        }
    }
}

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteActionState {
    /// Queued, not yet handed to the plugin.
    Pending,
    /// Handed to the plugin once.
    Delivered,
    /// Acknowledged by the plugin.
    Done,
}

impl SiteActionState {
    /// Every state.
    pub const ALL: [Self; 3] = [Self::Pending, Self::Delivered, Self::Done];

    /// The wire and storage name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Done => "done",
        }
    }

    /// The state of a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// One queued action.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteAction {
    pub id: SiteActionId,
    pub site_id: SiteId,
    pub action_type: SiteActionType,
    /// A JSON object of at most 16 KiB.
    pub payload: Metadata,
    pub state: SiteActionState,
    pub created_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
    pub done_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_states_round_trip() {
        for name in ["deactivate", "update_plugin", "message", "custom"] {
            assert_eq!(SiteActionType::parse(name).expect("valid").as_str(), name);
        }
        for action_type in SiteActionType::ALL {
            assert_eq!(SiteActionType::parse(action_type.as_str()), Ok(action_type));
        }
        assert!(SiteActionType::parse("reboot").is_err());
        for state in SiteActionState::ALL {
            assert_eq!(SiteActionState::parse(state.as_str()), Some(state));
        }
    }
}
