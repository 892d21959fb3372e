//! The tenant boundary every repository query is filtered by.

use licentia_domain::ids::{ProductId, UserId};

/// Whose resources a query may see: one account, and optionally one product of it
/// (a project-scoped API key).
///
/// Architecture Invariant: every repository read and write of tenant data takes a
/// `Tenant`; an object outside it answers `NotFound`, exactly like a missing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tenant {
    pub owner: UserId,
    pub product: Option<ProductId>,
}

impl Tenant {
    /// The whole account.
    pub fn account(owner: UserId) -> Self {
        Self {
            owner,
            product: None,
        }
    }

    /// Whether `product` lies within this tenant's product scope.
    pub fn reaches(&self, product: ProductId) -> bool {
        self.product.is_none_or(|own| own == product)
    }
}
