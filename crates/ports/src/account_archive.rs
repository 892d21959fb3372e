//! An account's whole data as an ordered stream of records: read from one server in
//! one consistent snapshot, written into another in one transaction
//! (`licentia admin export|import`, `docs/export-import.md`).
//!
//! Records come in [`RecordKind`] order, so that everything a record refers to comes
//! before it and a writer can stream. Secrets travel as they are stored (password and
//! token hashes) except webhook signing secrets, which are sealed with each server's
//! own master key: the app opens them on export and seals them again on import.

use async_trait::async_trait;
use licentia_domain::account::{Role, Tier};
use licentia_domain::activation::Activation;
use licentia_domain::api_key::ApiKey;
use licentia_domain::customer::Customer;
use licentia_domain::email::Email;
use licentia_domain::ids::{LicenseId, ProductId, UserId};
use licentia_domain::injectable::Injectable;
use licentia_domain::license::License;
use licentia_domain::payment::Payment;
use licentia_domain::product::{Product, ProductDomain};
use licentia_domain::secret_token::TokenHash;
use licentia_domain::site::{Site, SiteAction};
use licentia_domain::text::Name;
use licentia_domain::webhook::WebhookEndpoint;
use secrecy::SecretString;
use time::{Date, OffsetDateTime};

use crate::{LicenseDomain, RepositoryError, SealedSecret};

/// The kinds of records, in the order an archive holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordKind {
    Account,
    Product,
    ProductDomain,
    Customer,
    License,
    LicenseDomain,
    Activation,
    Site,
    SiteAction,
    Payment,
    Injectable,
    Webhook,
    ApiKey,
    LicenseValidationDay,
    ProductValidationDay,
}

impl RecordKind {
    /// Every kind, in archive order.
    pub const ALL: [RecordKind; 15] = [
        Self::Account,
        Self::Product,
        Self::ProductDomain,
        Self::Customer,
        Self::License,
        Self::LicenseDomain,
        Self::Activation,
        Self::Site,
        Self::SiteAction,
        Self::Payment,
        Self::Injectable,
        Self::Webhook,
        Self::ApiKey,
        Self::LicenseValidationDay,
        Self::ProductValidationDay,
    ];

    /// The name used in archives and messages (`licenseDomain`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Product => "product",
            Self::ProductDomain => "productDomain",
            Self::Customer => "customer",
            Self::License => "license",
            Self::LicenseDomain => "licenseDomain",
            Self::Activation => "activation",
            Self::Site => "site",
            Self::SiteAction => "siteAction",
            Self::Payment => "payment",
            Self::Injectable => "injectable",
            Self::Webhook => "webhook",
            Self::ApiKey => "apiKey",
            Self::LicenseValidationDay => "licenseValidationDay",
            Self::ProductValidationDay => "productValidationDay",
        }
    }
}

/// The account itself, with what the domain's `User` leaves out.
#[derive(Debug)]
pub struct AccountRecord {
    pub id: UserId,
    pub email: Email,
    pub name: Name,
    /// The Argon2id PHC string, so the password keeps working.
    pub password_hash: SecretString,
    pub tier: Tier,
    pub role: Role,
    pub disabled_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// An API key with the hashes of its secrets, so the secret keeps working.
#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    pub key: ApiKey,
    pub secret_hash: TokenHash,
    /// The rotated-out secret's hash, while its grace period runs.
    pub previous_secret_hash: Option<TokenHash>,
    pub previous_valid_until: Option<OffsetDateTime>,
}

/// A WordPress site with the hash of its token, so the plugin keeps working.
#[derive(Debug, Clone)]
pub struct SiteRecord {
    pub site: Site,
    pub token_hash: TokenHash,
}

/// A webhook endpoint with its secrets, sealed with this server's master key.
#[derive(Debug, Clone)]
pub struct WebhookRecord {
    pub endpoint: WebhookEndpoint,
    pub secret: SealedSecret,
    /// The rotated-out secret, while it still signs.
    pub previous_secret: Option<SealedSecret>,
}

/// Validations counted for one license or one product on one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationDay<Id> {
    pub id: Id,
    pub day: Date,
    pub count: u64,
}

/// One record of an account archive.
#[derive(Debug)]
pub enum ArchiveRecord {
    Account(AccountRecord),
    Product(Product),
    ProductDomain(ProductDomain),
    Customer(Customer),
    License(License),
    LicenseDomain(LicenseDomain),
    Activation(Activation),
    Site(SiteRecord),
    SiteAction(SiteAction),
    Payment(Payment),
    Injectable(Injectable),
    Webhook(WebhookRecord),
    ApiKey(ApiKeyRecord),
    /// The per-license counters the analytics reports are built from.
    LicenseValidationDay(ValidationDay<LicenseId>),
    /// The per-product rollup; it also keeps the counts of deleted licenses.
    ProductValidationDay(ValidationDay<ProductId>),
}

impl ArchiveRecord {
    /// Which kind of record this is.
    pub fn kind(&self) -> RecordKind {
        match self {
            Self::Account(_) => RecordKind::Account,
            Self::Product(_) => RecordKind::Product,
            Self::ProductDomain(_) => RecordKind::ProductDomain,
            Self::Customer(_) => RecordKind::Customer,
            Self::License(_) => RecordKind::License,
            Self::LicenseDomain(_) => RecordKind::LicenseDomain,
            Self::Activation(_) => RecordKind::Activation,
            Self::Site(_) => RecordKind::Site,
            Self::SiteAction(_) => RecordKind::SiteAction,
            Self::Payment(_) => RecordKind::Payment,
            Self::Injectable(_) => RecordKind::Injectable,
            Self::Webhook(_) => RecordKind::Webhook,
            Self::ApiKey(_) => RecordKind::ApiKey,
            Self::LicenseValidationDay(_) => RecordKind::LicenseValidationDay,
            Self::ProductValidationDay(_) => RecordKind::ProductValidationDay,
        }
    }
}

/// Where in its source a record was read: its line number. Errors name it.
pub type Position = u64;

/// What went wrong while exporting or importing an account.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Raised by the sink or the source (a bad line, a failed write); passed back
    /// unchanged.
    #[error(transparent)]
    Stream(Box<dyn std::error::Error + Send + Sync>),
    /// The record does not belong where it is: not the account first, another
    /// account's record, or out of [`RecordKind`] order.
    #[error("line {position}: {message}")]
    Misplaced { position: Position, message: String },
    /// The record's id (or a unique value: an e-mail address, a license key, a token)
    /// is already taken on this server, or by a record before it.
    #[error(
        "line {position}: this {} already exists on this server or earlier in the file (same {what})",
        .kind.name()
    )]
    Taken {
        position: Position,
        kind: RecordKind,
        what: &'static str,
    },
    /// The record refers to a record that does not come before it.
    #[error(
        "line {position}: this {} refers to {} {id}, which does not come before it in the file",
        .kind.name(),
        .refers_to.name()
    )]
    UnknownReference {
        position: Position,
        kind: RecordKind,
        refers_to: RecordKind,
        id: uuid::Uuid,
    },
    /// The records contradict each other (found once they are all written).
    #[error("{0}")]
    Inconsistent(String),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Receives an export's records, in order.
#[async_trait]
pub trait ArchiveSink: Send {
    async fn put(&mut self, record: ArchiveRecord) -> Result<(), ArchiveError>;
}

/// Yields an import's records, in order, each with its position; `None` at the end.
#[async_trait]
pub trait ArchiveSource: Send {
    async fn next(&mut self) -> Result<Option<(Position, ArchiveRecord)>, ArchiveError>;
}

/// Reads and writes whole accounts (operators only: it crosses no tenant boundary
/// but the one account named).
#[async_trait]
pub trait AccountArchive: Send + Sync {
    /// Hands every record of `owner`'s account to `sink` in [`RecordKind`] order (by id
    /// within a kind), from one consistent snapshot, never holding more than a page of
    /// rows. MUST return `Repository(NotFound)` for an unknown account.
    async fn export(&self, owner: UserId, sink: &mut dyn ArchiveSink) -> Result<(), ArchiveError>;

    /// Writes every record of `source` in one transaction: on any error nothing is
    /// written. The first record MUST be the account, every other record belongs to it
    /// and comes in [`RecordKind`] order (`Misplaced` otherwise) after the records it
    /// refers to (`UnknownReference`); a taken id, e-mail address, license key or token
    /// is `Taken`; an activation count that differs from the activations written is
    /// `Inconsistent`. Returns the account's id. No events are recorded: nothing
    /// happened to the data.
    async fn import(&self, source: &mut dyn ArchiveSource) -> Result<UserId, ArchiveError>;
}
