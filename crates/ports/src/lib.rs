#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod account_archive;
mod analytics;
mod api_keys;
mod clock;
mod customers;
mod delivery_queue;
mod error;
mod health;
mod idempotency;
mod injectables;
mod licenses;
mod notifier;
mod page;
mod payments;
mod products;
mod rate_limits;
mod runtime;
mod sealed_values;
mod sites;
mod tenant;
mod users;
mod webhooks;

pub use account_archive::{
    AccountArchive, AccountRecord, ApiKeyRecord, ArchiveError, ArchiveRecord, ArchiveSink,
    ArchiveSource, Position, RecordKind, SiteRecord, ValidationDay, WebhookRecord,
};
pub use analytics::{
    AnalyticsRepository, CustomerFigures, LicenseFigures, PlatformFigures, ProductLicenses,
    StatusCount,
};
pub use api_keys::{ApiKeyRepository, AuthenticatedKey, NewApiKey, Rotation};
pub use clock::{Clock, SystemClock};
pub use customers::{CustomerFilter, CustomerRepository};
pub use delivery_queue::{AttemptRecord, Backlog, DeliveryQueue, DueDelivery, QueueStats};
pub use error::{RepositoryError, UniqueField};
pub use health::{HealthCheck, PoolUsage};
pub use idempotency::{IdempotencyStart, IdempotencyStore, StoredResponse};
pub use injectables::InjectableRepository;
pub use licenses::{LicenseDomain, LicenseFilter, LicenseRepository};
pub use notifier::{HOST_REFUSED, Notifier, OutboundMessage, SendReport, UrlRefused};
pub use page::{Page, PageRequest};
pub use payments::{PaymentFilter, PaymentRepository};
pub use products::ProductRepository;
pub use rate_limits::{Budget, RateLimiter};
pub use runtime::{
    Change, ChangeFeed, DecideSeat, RuntimeLicense, RuntimeRepository, SeatChange, SeatDecision,
    SeatOutcome, SigningKeyRepository, StoredSigningKey, UsageRepository,
};
pub use sealed_values::{
    Reseal, ResealOutcome, SealedCounts, SealedKind, SealedRef, SealedValueStore,
};
pub use sites::{ActionExchange, AuthenticatedSite, SiteFilter, SiteRepository};
pub use tenant::Tenant;
pub use users::{NewSession, NewUser, SessionLookup, UserRepository};
pub use webhooks::{Resend, SealedSecret, WebhookRepository};

/// Builds the event of a change to `T` that a repository discovers inside its own
/// transaction (licenses swept to EXPIRED, deleted with their product, unlinked from a
/// deleted customer), so the event is written with the change.
pub type EventFor<'e, T> = &'e (dyn for<'a> Fn(&'a T) -> licentia_domain::event::NewEvent + Sync);

/// The decision applied to a loaded resource inside the repository's transaction:
/// it returns the changed resource and the events announcing the change, or refuses.
pub type Decide<T> = Box<
    dyn FnOnce(
            T,
        ) -> Result<
            (T, Vec<licentia_domain::event::NewEvent>),
            licentia_domain::refusal::Refusal,
        > + Send,
>;
