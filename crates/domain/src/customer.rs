//! Customers: the vendor's buyers, optionally linked to the vendor's CRM.

use time::OffsetDateTime;

use crate::email::Email;
use crate::ids::{CustomerId, UserId};
use crate::metadata::Metadata;
use crate::text::{BoundedText, Name};

/// The vendor's own identifier of a customer: up to 255 characters, unique per account.
pub type ExternalId = BoundedText<255>;

/// A customer of a vendor.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: CustomerId,
    pub owner: UserId,
    pub email: Email,
    pub name: Name,
    pub company: Option<Name>,
    pub external_id: Option<ExternalId>,
    pub metadata: Metadata,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}
