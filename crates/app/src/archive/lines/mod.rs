//! The record lines, one type per kind, each with its conversion from the port's
//! record (export) and back through the domain's constructors (import: nothing in the
//! file is trusted).

mod account;
mod catalog;
mod licensing;
mod payment;
mod sites;
mod usage;
mod webhook;

pub use account::{AccountLine, ApiKeyLine};
pub use catalog::{InjectableLine, ProductDomainLine, ProductLine};
pub use licensing::{ActivationLine, CustomerLine, LicenseDomainLine, LicenseLine};
pub use payment::PaymentLine;
pub use sites::{SiteActionLine, SiteLine};
pub use usage::{LicenseValidationDayLine, ProductValidationDayLine};
pub use webhook::{UnreadableSecret, WebhookLine};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use licentia_domain::ids::UserId;
use licentia_domain::secret_token::TokenHash;
use licentia_ports::ArchiveRecord;
use serde::{Deserialize, Serialize};

use super::line::{InvalidField, Line};
use crate::runtime::master_key::MasterKey;

time::serde::format_description!(day, Date, "[year]-[month]-[day]");

/// A string that `Debug` never shows (password hashes, secret hashes, webhook secrets).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redacted(…)")
    }
}

fn hash_to_wire(hash: &TokenHash) -> Redacted {
    Redacted(STANDARD.encode(hash.as_bytes()))
}

fn hash_from_wire(name: &'static str, wire: &Redacted) -> Result<TokenHash, InvalidField> {
    STANDARD
        .decode(&wire.0)
        .ok()
        .and_then(|bytes| TokenHash::from_bytes(&bytes))
        .ok_or_else(|| InvalidField::new(name, "must be the base64 of 32 bytes (a SHA-256)"))
}

/// What an import needs besides the line itself.
#[derive(Debug, Clone, Copy)]
pub struct ImportContext<'a> {
    /// The imported account (from its `account` line).
    pub owner: UserId,
    /// Seals webhook secrets.
    pub master_key: &'a MasterKey,
    /// This server's `LICENTIA_WEBHOOKS_ALLOW_HTTP`.
    pub allow_http: bool,
}

impl Line {
    /// The line of an exported record (webhook secrets opened with `master_key`).
    pub fn from_record(
        record: &ArchiveRecord,
        master_key: &MasterKey,
    ) -> Result<Self, UnreadableSecret> {
        Ok(match record {
            ArchiveRecord::Account(a) => Line::Account(a.into()),
            ArchiveRecord::Product(p) => Line::Product(p.into()),
            ArchiveRecord::ProductDomain(d) => Line::ProductDomain(d.into()),
            ArchiveRecord::Customer(c) => Line::Customer(c.into()),
            ArchiveRecord::License(l) => Line::License(l.into()),
            ArchiveRecord::LicenseDomain(d) => Line::LicenseDomain(d.into()),
            ArchiveRecord::Activation(a) => Line::Activation(a.into()),
            ArchiveRecord::Site(s) => Line::Site(s.into()),
            ArchiveRecord::SiteAction(a) => Line::SiteAction(a.into()),
            ArchiveRecord::Payment(p) => Line::Payment(p.into()),
            ArchiveRecord::Injectable(i) => Line::Injectable(i.into()),
            ArchiveRecord::Webhook(w) => Line::Webhook(WebhookLine::from_record(w, master_key)?),
            ArchiveRecord::ApiKey(k) => Line::ApiKey(k.into()),
            ArchiveRecord::LicenseValidationDay(v) => Line::LicenseValidationDay(v.into()),
            ArchiveRecord::ProductValidationDay(v) => Line::ProductValidationDay(v.into()),
        })
    }

    /// The record a line after the account holds, checked by the domain; `None` for
    /// the lines that hold none (header, account, end).
    pub fn into_record(
        self,
        ctx: ImportContext<'_>,
    ) -> Result<Option<ArchiveRecord>, InvalidField> {
        let owner = ctx.owner;
        Ok(Some(match self {
            Line::Header(_) | Line::Account(_) | Line::End(_) => return Ok(None),
            Line::Product(l) => ArchiveRecord::Product(l.into_record(owner)?),
            Line::ProductDomain(l) => ArchiveRecord::ProductDomain(l.into_record()?),
            Line::Customer(l) => ArchiveRecord::Customer(l.into_record(owner)?),
            Line::License(l) => ArchiveRecord::License(l.into_record(owner)?),
            Line::LicenseDomain(l) => ArchiveRecord::LicenseDomain(l.into_record()?),
            Line::Activation(l) => ArchiveRecord::Activation(l.into_record()?),
            Line::Site(l) => ArchiveRecord::Site(l.into_record(owner)?),
            Line::SiteAction(l) => ArchiveRecord::SiteAction(l.into_record()?),
            Line::Payment(l) => ArchiveRecord::Payment(l.into_record(owner)?),
            Line::Injectable(l) => ArchiveRecord::Injectable(l.into_record(owner)?),
            Line::Webhook(l) => {
                ArchiveRecord::Webhook(l.into_record(owner, ctx.master_key, ctx.allow_http)?)
            }
            Line::ApiKey(l) => ArchiveRecord::ApiKey(l.into_record(owner)?),
            Line::LicenseValidationDay(l) => ArchiveRecord::LicenseValidationDay(l.into()),
            Line::ProductValidationDay(l) => ArchiveRecord::ProductValidationDay(l.into()),
        }))
    }
}
