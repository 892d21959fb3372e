//! API key scopes: `resource:action` grants, and `*` for everything.
//!
//! Architecture Invariant: `write` never implies `read`; a scope grants exactly what it
//! names. `*` grants every scope.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::ValidationError;

/// What a scope is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Products,
    Licenses,
    Customers,
    Activations,
    Webhooks,
    Payments,
    Analytics,
    Sites,
    Injectables,
    ApiKeys,
}

/// What a scope allows on its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Read,
    Write,
}

/// One grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// `*`: every scope.
    All,
    /// `resource:action`.
    Grant(Resource, Action),
}

impl Resource {
    /// Every resource, in the order the SPEC lists them.
    pub const ALL: [Resource; 10] = [
        Self::Products,
        Self::Licenses,
        Self::Customers,
        Self::Activations,
        Self::Webhooks,
        Self::Payments,
        Self::Analytics,
        Self::Sites,
        Self::Injectables,
        Self::ApiKeys,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Products => "products",
            Self::Licenses => "licenses",
            Self::Customers => "customers",
            Self::Activations => "activations",
            Self::Webhooks => "webhooks",
            Self::Payments => "payments",
            Self::Analytics => "analytics",
            Self::Sites => "sites",
            Self::Injectables => "injectables",
            Self::ApiKeys => "api_keys",
        }
    }

    /// Whether `action` exists for this resource (analytics is read-only).
    pub fn supports(self, action: Action) -> bool {
        !(self == Self::Analytics && action == Action::Write)
    }
}

impl FromStr for Scope {
    type Err = ValidationError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw == "*" {
            return Ok(Self::All);
        }
        let unknown = || ValidationError::owned(format!("unknown scope '{}'", raw.escape_debug()));
        let (resource, action) = raw.split_once(':').ok_or_else(unknown)?;
        let resource = Resource::ALL
            .into_iter()
            .find(|r| r.name() == resource)
            .ok_or_else(unknown)?;
        let action = match action {
            "read" => Action::Read,
            "write" => Action::Write,
            _ => return Err(unknown()),
        };
        if !resource.supports(action) {
            return Err(unknown());
        }
        Ok(Self::Grant(resource, action))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("*"),
            Self::Grant(resource, Action::Read) => write!(f, "{}:read", resource.name()),
            Self::Grant(resource, Action::Write) => write!(f, "{}:write", resource.name()),
        }
    }
}

/// The scopes of one credential.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Every permission (sessions, and keys created with `*`).
    pub fn everything() -> Self {
        Self(BTreeSet::from([Scope::All]))
    }

    /// Parses a list of scope strings; at least one is required.
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, ValidationError> {
        if raw.is_empty() {
            return Err(ValidationError::new("must name at least one scope"));
        }
        raw.iter()
            .map(|s| s.as_ref().parse())
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Self)
    }

    /// Whether this set permits `action` on `resource`.
    pub fn allows(&self, resource: Resource, action: Action) -> bool {
        self.0.contains(&Scope::All) || self.0.contains(&Scope::Grant(resource, action))
    }

    /// Whether every grant of `other` is also granted by `self`.
    pub fn covers(&self, other: &ScopeSet) -> bool {
        other.0.iter().all(|scope| match scope {
            Scope::All => self.0.contains(&Scope::All),
            Scope::Grant(resource, action) => self.allows(*resource, *action),
        })
    }

    /// The scopes, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    /// The scopes as strings, for storage and responses.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(raw: &[&str]) -> ScopeSet {
        ScopeSet::parse(raw).expect("valid scopes")
    }

    #[test]
    fn every_documented_scope_parses_and_prints_back() {
        for resource in Resource::ALL {
            for action in [Action::Read, Action::Write] {
                if !resource.supports(action) {
                    continue;
                }
                let scope = Scope::Grant(resource, action);
                assert_eq!(scope.to_string().parse::<Scope>(), Ok(scope));
            }
        }
        assert_eq!("*".parse::<Scope>(), Ok(Scope::All));
    }

    #[test]
    fn unknown_scopes_are_refused() {
        for bad in [
            "",
            "licenses",
            "licenses:delete",
            "analytics:write",
            "LICENSES:read",
            "x:read",
        ] {
            assert!(bad.parse::<Scope>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn write_does_not_imply_read() {
        let scopes = set(&["licenses:write"]);
        assert!(scopes.allows(Resource::Licenses, Action::Write));
        assert!(!scopes.allows(Resource::Licenses, Action::Read));
    }

    #[test]
    fn star_allows_everything() {
        let scopes = set(&["*"]);
        for resource in Resource::ALL {
            assert!(scopes.allows(resource, Action::Read));
        }
    }

    #[test]
    fn a_set_covers_its_subsets_only() {
        let parent = set(&["licenses:read", "licenses:write", "products:read"]);
        assert!(parent.covers(&set(&["licenses:read"])));
        assert!(!parent.covers(&set(&["customers:read"])));
        assert!(!parent.covers(&set(&["*"])));
        assert!(set(&["*"]).covers(&parent));
    }

    #[test]
    fn an_empty_scope_list_is_refused() {
        assert!(ScopeSet::parse::<&str>(&[]).is_err());
    }
}
