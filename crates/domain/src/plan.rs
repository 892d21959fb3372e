//! Product plans: named defaults for the licenses sold under them.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// A feature flag a license unlocks: 1..=100 characters of `A-Za-z0-9_.:-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Feature(String);

impl Feature {
    /// Parses one feature name.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok = (1..=100).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
        if !ok {
            return Err(ValidationError::new(
                "features must be 1 to 100 characters of A-Z, a-z, 0-9, '_', '.', ':' and '-'",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Parses a list, dropping duplicates while keeping the first order (at most 100).
    pub fn parse_list<S: AsRef<str>>(raw: &[S]) -> Result<Vec<Self>, ValidationError> {
        if raw.len() > 100 {
            return Err(ValidationError::new("must list at most 100 features"));
        }
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(raw.len());
        for feature in raw {
            let feature = Self::parse(feature.as_ref())?;
            if seen.insert(feature.clone()) {
                out.push(feature);
            }
        }
        Ok(out)
    }

    /// The feature name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Feature {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Feature> for String {
    fn from(f: Feature) -> String {
        f.0
    }
}

/// One plan of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub name: String,
    pub max_activations: Option<u32>,
    pub duration_days: Option<u32>,
    pub features: Vec<Feature>,
    /// Floating seats: activations must heartbeat at this interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_interval_seconds: Option<u32>,
}

impl Plan {
    /// Checks one plan: a name of 1..=100 characters, a positive duration when given,
    /// at most 1 000 000 activations.
    pub fn new(
        name: &str,
        max_activations: Option<u32>,
        duration_days: Option<u32>,
        features: Vec<Feature>,
    ) -> Result<Self, ValidationError> {
        let name = check_plan_name(name)?;
        if duration_days == Some(0) || duration_days.is_some_and(|d| d > 36_500) {
            return Err(ValidationError::new("durationDays must be 1 to 36500"));
        }
        if max_activations.is_some_and(|m| m > 1_000_000) {
            return Err(ValidationError::new(
                "maxActivations must be at most 1000000",
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            max_activations,
            duration_days,
            features,
            heartbeat_interval_seconds: None,
        })
    }
}

/// Checks a heartbeat interval: 10 seconds to 7 days.
pub fn check_heartbeat_interval(seconds: u32) -> Result<u32, ValidationError> {
    if (10..=604_800).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(ValidationError::new(
            "heartbeatIntervalSeconds must be 10 to 604800",
        ))
    }
}

/// Checks a plan name (a product's plan, or the free-text `plan` of a license):
/// trimmed, 1 to 100 characters, no control characters.
pub fn check_plan_name(raw: &str) -> Result<&str, ValidationError> {
    let name = raw.trim();
    if !(1..=100).contains(&name.chars().count()) || name.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "plan names must be 1 to 100 characters, without control characters",
        ));
    }
    Ok(name)
}

/// Checks a product's plan list: at most 50 plans with distinct names.
pub fn check_plans(plans: &[Plan]) -> Result<(), ValidationError> {
    if plans.len() > 50 {
        return Err(ValidationError::new("a product has at most 50 plans"));
    }
    let mut names = HashSet::new();
    if plans.iter().all(|p| names.insert(p.name.to_lowercase())) {
        Ok(())
    } else {
        Err(ValidationError::new("plan names must be unique"))
    }
}

/// The plan called `name` (case-insensitive), if the product has one.
pub fn find_plan<'a>(plans: &'a [Plan], name: &str) -> Option<&'a Plan> {
    plans.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    #[test]
    fn plan_names_are_trimmed_and_refuse_control_characters() {
        assert_eq!(super::check_plan_name("  Pro "), Ok("Pro"));
        assert!(super::check_plan_name("Pro\u{0}").is_err());
        assert!(super::check_plan_name("Pro\nPlus").is_err());
        assert!(super::check_plan_name(&"p".repeat(101)).is_err());
    }

    use super::*;

    #[test]
    fn feature_lists_drop_duplicates_in_order() {
        let list = Feature::parse_list(&["b", "a", "b"]).expect("valid");
        assert_eq!(
            list.iter().map(Feature::as_str).collect::<Vec<_>>(),
            ["b", "a"]
        );
        assert!(Feature::parse_list(&["has space"]).is_err());
    }

    #[test]
    fn plan_names_are_unique_case_insensitively() {
        let plan = |n| Plan::new(n, None, None, vec![]).expect("valid");
        assert!(check_plans(&[plan("Pro"), plan("Basic")]).is_ok());
        assert!(check_plans(&[plan("Pro"), plan("pro")]).is_err());
    }

    #[test]
    fn plans_are_found_by_name_ignoring_case() {
        let plans = [Plan::new("Pro", Some(3), Some(365), vec![]).expect("valid")];
        assert_eq!(
            find_plan(&plans, "pro").and_then(|p| p.max_activations),
            Some(3)
        );
        assert!(find_plan(&plans, "Team").is_none());
    }

    #[test]
    fn zero_day_plans_are_refused() {
        assert!(Plan::new("Trial", None, Some(0), vec![]).is_err());
    }
}
