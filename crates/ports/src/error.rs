//! The errors every port may return. Adapters map their own errors into these, in one place.

use licentia_domain::refusal::Refusal;

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    /// A user's e-mail address.
    Email,
    /// A product slug within an account.
    Slug,
    /// A customer's `externalId` within an account.
    ExternalId,
    /// A license key (keys are unique across the whole server).
    LicenseKey,
    /// A domain already on the list.
    Domain,
    /// An injectable slug within a product.
    InjectableSlug,
    /// A payment's `providerRef` within its provider and account.
    ProviderRef,
    /// Any other unique rule.
    Other,
}

/// What went wrong in a port.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The resource does not exist, or is not visible to the caller's tenant.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken.
    #[error("conflict on {0:?}")]
    Conflict(UniqueField),
    /// The resource is still referenced (a product with licenses).
    #[error("still in use")]
    InUse,
    /// A reference points to nothing visible (a `customerId` of another tenant).
    #[error("referenced {0} does not exist")]
    MissingReference(&'static str),
    /// The domain rules refused the change (raised by a [`crate::Decide`] closure).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The backing store cannot be reached (connection refused, pool timeout).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Anything else; logged, never shown to clients.
    #[error("storage error: {0}")]
    Internal(String),
}
