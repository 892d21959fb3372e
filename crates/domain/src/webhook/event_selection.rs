//! Which events an endpoint subscribes to: a list of event types, or `*` for all.

use std::collections::BTreeSet;

use crate::ValidationError;
use crate::event::EventType;

/// The events an endpoint receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSelection {
    /// `["*"]`: every event, including types added later.
    All,
    /// The listed types (at least one).
    Only(BTreeSet<&'static str>),
}

impl EventSelection {
    /// Parses the API's list: `["*"]` or dotted event names.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, ValidationError> {
        if names.is_empty() {
            return Err(ValidationError::new(
                "must list at least one event type, or \"*\"",
            ));
        }
        if names.iter().any(|n| n.as_ref() == "*") {
            return if names.len() == 1 {
                Ok(Self::All)
            } else {
                Err(ValidationError::new("\"*\" must be the only entry"))
            };
        }
        let mut selected = BTreeSet::new();
        for name in names {
            let event_type = EventType::parse(name.as_ref()).ok_or_else(|| {
                ValidationError::owned(format!("unknown event type {:?}", name.as_ref()))
            })?;
            selected.insert(event_type.as_str());
        }
        Ok(Self::Only(selected))
    }

    /// Whether an event of `event_type` is selected.
    pub fn includes(&self, event_type: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(types) => types.contains(event_type),
        }
    }

    /// The list as the API shows it (and storage keeps it).
    pub fn names(&self) -> Vec<String> {
        match self {
            Self::All => vec!["*".to_owned()],
            Self::Only(types) => types.iter().map(|t| (*t).to_owned()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EventSelection;

    #[test]
    fn star_selects_everything() {
        let all = EventSelection::parse(&["*"]).expect("valid");
        assert_eq!(all, EventSelection::All);
        assert!(all.includes("license.created"));
        assert_eq!(all.names(), ["*"]);
    }

    #[test]
    fn a_list_selects_exactly_its_types() {
        let some = EventSelection::parse(&["license.created", "customer.deleted"]).expect("valid");
        assert!(some.includes("license.created"));
        assert!(some.includes("customer.deleted"));
        assert!(!some.includes("license.deleted"));
        assert_eq!(some.names(), ["customer.deleted", "license.created"]);
    }

    #[test]
    fn empty_unknown_and_mixed_star_lists_are_refused() {
        assert!(EventSelection::parse::<&str>(&[]).is_err());
        assert!(EventSelection::parse(&["license.exploded"]).is_err());
        assert!(EventSelection::parse(&["*", "license.created"]).is_err());
    }
}
