//! What a credential may do: its scopes and its optional product scope.
//!
//! Architecture Invariant: a key can only ever create keys that are no more powerful
//! than itself: a subset of its scopes, the same or a narrower product scope, and an
//! expiry no later than its own.

use time::OffsetDateTime;

use crate::ids::ProductId;
use crate::scope::{Action, Resource, ScopeSet};

/// The permissions a request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessGrant {
    scopes: ScopeSet,
    product: Option<ProductId>,
    expires_at: Option<OffsetDateTime>,
}

/// Why a key could not be created from this grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EscalationDenied {
    /// The new key would hold a scope the creator does not have.
    #[error("a key can only be given scopes its creator holds")]
    Scopes,
    /// The new key would reach beyond the creator's product.
    #[error("a project-scoped key can only create keys for its own product")]
    Product,
    /// The new key would outlive its creator.
    #[error("a key that expires can only create keys that expire no later than itself")]
    Expiry,
}

impl AccessGrant {
    /// A grant of `scopes`, limited to `product` when given.
    pub fn new(scopes: ScopeSet, product: Option<ProductId>) -> Self {
        Self {
            scopes,
            product,
            expires_at: None,
        }
    }

    /// The same grant, valid only until `expires_at` (an expiring API key).
    pub fn until(self, expires_at: Option<OffsetDateTime>) -> Self {
        Self { expires_at, ..self }
    }

    /// Everything on every product of the account (a logged-in user).
    pub fn full() -> Self {
        Self::new(ScopeSet::everything(), None)
    }

    /// The scopes.
    pub fn scopes(&self) -> &ScopeSet {
        &self.scopes
    }

    /// The product this grant is limited to, if any.
    pub fn product(&self) -> Option<ProductId> {
        self.product
    }

    /// Whether the scopes permit `action` on `resource`.
    pub fn allows(&self, resource: Resource, action: Action) -> bool {
        self.scopes.allows(resource, action)
    }

    /// Whether resources of `product` are visible to this grant.
    pub fn reaches(&self, product: ProductId) -> bool {
        self.product.is_none_or(|own| own == product)
    }

    /// May this grant create (or rotate) a key with `scopes`, limited to `product`,
    /// expiring at `expires_at` (`None`: never)?
    pub fn may_create_key(
        &self,
        scopes: &ScopeSet,
        product: Option<ProductId>,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<(), EscalationDenied> {
        if !self.scopes.covers(scopes) {
            return Err(EscalationDenied::Scopes);
        }
        if let Some(own) = self.expires_at {
            if expires_at.is_none_or(|requested| requested > own) {
                return Err(EscalationDenied::Expiry);
            }
        }
        match (self.product, product) {
            (None, _) => Ok(()),
            (Some(own), Some(requested)) if own == requested => Ok(()),
            (Some(_), _) => Err(EscalationDenied::Product),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(raw: &[&str]) -> ScopeSet {
        ScopeSet::parse(raw).expect("valid scopes")
    }

    #[test]
    fn a_key_may_create_a_narrower_key() {
        let grant = AccessGrant::new(scopes(&["licenses:read", "api_keys:write"]), None);
        assert_eq!(
            grant.may_create_key(&scopes(&["licenses:read"]), None, None),
            Ok(())
        );
    }

    #[test]
    fn a_key_may_not_grant_scopes_it_lacks() {
        let grant = AccessGrant::new(scopes(&["licenses:read", "api_keys:write"]), None);
        assert_eq!(
            grant.may_create_key(&scopes(&["licenses:write"]), None, None),
            Err(EscalationDenied::Scopes)
        );
        assert_eq!(
            grant.may_create_key(&scopes(&["*"]), None, None),
            Err(EscalationDenied::Scopes)
        );
    }

    #[test]
    fn a_project_key_may_not_widen_its_product_scope() {
        let own = ProductId::generate();
        let grant = AccessGrant::new(scopes(&["*"]), Some(own));
        assert_eq!(
            grant.may_create_key(&scopes(&["*"]), Some(own), None),
            Ok(())
        );
        assert_eq!(
            grant.may_create_key(&scopes(&["*"]), None, None),
            Err(EscalationDenied::Product)
        );
        assert_eq!(
            grant.may_create_key(&scopes(&["*"]), Some(ProductId::generate()), None),
            Err(EscalationDenied::Product)
        );
    }

    #[test]
    fn an_account_wide_key_may_create_project_keys() {
        let grant = AccessGrant::full();
        assert_eq!(
            grant.may_create_key(&scopes(&["*"]), Some(ProductId::generate()), None),
            Ok(())
        );
    }

    #[test]
    fn an_expiring_key_may_not_create_a_key_that_outlives_it() {
        let until = time::macros::datetime!(2026-06-01 12:00 UTC);
        let grant = AccessGrant::new(scopes(&["*"]), None).until(Some(until));
        assert_eq!(
            grant.may_create_key(&scopes(&["*"]), None, Some(until)),
            Ok(())
        );
        assert_eq!(
            grant.may_create_key(
                &scopes(&["*"]),
                None,
                Some(until + time::Duration::seconds(1))
            ),
            Err(EscalationDenied::Expiry)
        );
        assert_eq!(
            grant.may_create_key(&scopes(&["*"]), None, None),
            Err(EscalationDenied::Expiry)
        );
        assert_eq!(
            AccessGrant::full().may_create_key(&scopes(&["*"]), None, None),
            Ok(())
        );
    }

    #[test]
    fn a_project_key_reaches_only_its_product() {
        let own = ProductId::generate();
        let grant = AccessGrant::new(scopes(&["*"]), Some(own));
        assert!(grant.reaches(own));
        assert!(!grant.reaches(ProductId::generate()));
        assert!(AccessGrant::full().reaches(ProductId::generate()));
    }
}
