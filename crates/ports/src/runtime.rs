//! What runtime licensing needs: a license with its seats, seat changes under a
//! lock, signing keys, usage counters and change notifications.

use async_trait::async_trait;
use licentia_domain::activation::Activation;
use licentia_domain::domain_name::{DomainName, DomainPattern};
use licentia_domain::email::Email;
use licentia_domain::event::NewEvent;
use licentia_domain::ids::{ActivationId, LicenseId, ProductId, UserId};
use licentia_domain::license::License;
use licentia_domain::license_terms::LicenseTerms;
use licentia_domain::plan::Feature;
use licentia_domain::validation::{LicenseContext, ValidationCode};
use time::{Date, OffsetDateTime};

use crate::{EventFor, RepositoryError, Tenant};

/// A license as the runtime endpoints see it: its terms, what an answer shows of it,
/// its seats and the domains it may run on, read in one go.
///
/// One of these is cached per validating license, so it holds only what a runtime
/// answer uses: not the key, names, metadata or timestamps of the full [`License`].
#[derive(Debug, Clone)]
pub struct RuntimeLicense {
    pub terms: LicenseTerms,
    /// The vendor account the license belongs to.
    pub owner: UserId,
    pub plan: Option<String>,
    pub features: Vec<Feature>,
    pub email: Option<Email>,
    pub activations: Vec<Activation>,
    /// The product's allow-list (empty: any domain).
    pub product_domains: Vec<DomainPattern>,
    /// Domains assigned to this license.
    pub license_domains: Vec<DomainName>,
}

impl RuntimeLicense {
    /// The runtime view of `license` with its seats and domains.
    pub fn new(
        license: License,
        activations: Vec<Activation>,
        product_domains: Vec<DomainPattern>,
        license_domains: Vec<DomainName>,
    ) -> Self {
        Self {
            terms: license.terms(),
            owner: license.owner,
            plan: license.plan,
            features: license.features,
            email: license.issued_email,
            activations,
            product_domains,
            license_domains,
        }
    }

    /// What the domain's verdict functions read.
    pub fn context(&self) -> LicenseContext<'_> {
        LicenseContext {
            terms: self.terms,
            activations: &self.activations,
            product_domains: &self.product_domains,
            license_domains: &self.license_domains,
        }
    }
}

/// The write a seat decision asks for.
#[derive(Debug, Clone)]
pub enum SeatChange {
    /// Nothing to store (an idempotent repeat, or a refusal).
    None,
    /// Store a new activation.
    Insert(Activation),
    /// Refresh an activation's heartbeat (revival or heartbeat).
    Touch(ActivationId),
    /// Remove these activations.
    Remove(Vec<ActivationId>),
}

/// A seat decision taken inside the repository's lock: the write, its events, and the
/// answer for the client.
#[derive(Debug, Clone)]
pub struct SeatDecision {
    pub change: SeatChange,
    pub events: Vec<NewEvent>,
    pub code: ValidationCode,
    /// The activation the answer is about (after the change).
    pub activation: Option<Activation>,
}

/// Decides a seat change from the locked license.
pub type DecideSeat = Box<dyn FnOnce(&RuntimeLicense) -> SeatDecision + Send>;

/// The outcome of a seat change: the license as it now is, and the answer.
#[derive(Debug, Clone)]
pub struct SeatOutcome {
    pub license: RuntimeLicense,
    pub code: ValidationCode,
    pub activation: Option<Activation>,
    /// Whether a new activation was stored.
    pub inserted: bool,
    /// How many activations were removed.
    pub removed: usize,
}

/// Seats and the runtime view of licenses.
#[async_trait]
pub trait RuntimeRepository: Send + Sync {
    /// The license with this key lookup form, or `None`.
    async fn load(&self, lookup: &str) -> Result<Option<RuntimeLicense>, RepositoryError>;

    /// Locks the license row, loads it, lets `decide` choose a seat change, and stores
    /// the change, the new activation count and the events in one transaction, so
    /// that limits hold exactly under concurrent requests. `None` for an unknown key.
    async fn change_seats(
        &self,
        lookup: &str,
        now: OffsetDateTime,
        decide: DecideSeat,
    ) -> Result<Option<SeatOutcome>, RepositoryError>;

    /// Activations of a license in the tenant, oldest first. MUST return `NotFound`
    /// outside the tenant.
    async fn list_activations(
        &self,
        tenant: Tenant,
        license: LicenseId,
    ) -> Result<Vec<Activation>, RepositoryError>;

    /// Deletes one activation (the vendor frees a seat) with the event `event` builds
    /// from it and its license's product, in one transaction. Returns the activation.
    /// MUST return `NotFound` outside the tenant.
    async fn delete_activation(
        &self,
        tenant: Tenant,
        id: ActivationId,
        event: &(dyn for<'a> Fn(&'a Activation, ProductId) -> NewEvent + Sync),
    ) -> Result<Activation, RepositoryError>;

    /// Persists EXPIRED for licenses past `expiresAt`, with a `license.expired` event
    /// each; returns the ids changed. Processes at most `limit` per call.
    async fn expire_due(
        &self,
        now: OffsetDateTime,
        limit: i64,
        event: EventFor<'_, License>,
    ) -> Result<Vec<LicenseId>, RepositoryError>;
}

/// Buffered usage, written in batches.
#[async_trait]
pub trait UsageRepository: Send + Sync {
    /// Adds validation counts per license and day and raises `lastValidatedAt` (in
    /// steps of at least a minute: it may trail the last validation by up to one).
    async fn record_validations(
        &self,
        counts: &[(LicenseId, Date, i64)],
        last_validated: &[(LicenseId, OffsetDateTime)],
    ) -> Result<(), RepositoryError>;
}

/// A stored signing key: the public half in clear, the private half sealed.
#[derive(Debug, Clone)]
pub struct StoredSigningKey {
    pub kid: String,
    pub public_key: Vec<u8>,
    pub sealed_private_key: Vec<u8>,
    pub active: bool,
    pub created_at: OffsetDateTime,
}

/// Signing keys.
#[async_trait]
pub trait SigningKeyRepository: Send + Sync {
    /// Every key, newest first.
    async fn list_signing_keys(&self) -> Result<Vec<StoredSigningKey>, RepositoryError>;

    /// Stores `key` as the only active key (older keys stay, for verification).
    async fn add_active_signing_key(&self, key: StoredSigningKey) -> Result<(), RepositoryError>;
}

/// Something cached about licenses changed on some instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// One license (status, terms, seats, domains).
    License(LicenseId),
    /// A product (its allow-list): every license of it.
    Product(ProductId),
}

/// Change notices from every instance (cache invalidation). Repositories announce
/// changes inside the transaction that makes them, so a notice is never sent for a
/// change that rolled back.
#[async_trait]
pub trait ChangeFeed: Send {
    /// Waits for the next batch of changes. An error means the feed was lost and
    /// notices may have been missed: the caller drops its cache and subscribes again.
    async fn next_changes(&mut self) -> Result<Vec<Change>, RepositoryError>;
}
