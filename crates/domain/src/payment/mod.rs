//! Payments: money a vendor received (or expects) for a product, a license or a customer.

mod amount;
mod provider;
mod standing;
mod status;

pub use amount::{Amount, MAX_MINOR_UNITS};
pub use provider::Provider;
pub use standing::{CurrencyTotal, PaymentStanding, standing};
pub use status::{InvalidPaymentTransition, PaymentStatus};

use time::OffsetDateTime;

use crate::currency::Currency;
use crate::ids::{CustomerId, LicenseId, PaymentId, ProductId, UserId};
use crate::metadata::Metadata;
use crate::text::BoundedText;

/// The provider's own reference of a payment: up to 255 characters, unique per
/// provider within an account.
pub type ProviderRef = BoundedText<255>;

/// A payment recorded by a vendor.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    pub id: PaymentId,
    pub owner: UserId,
    pub product_id: ProductId,
    pub license_id: Option<LicenseId>,
    pub customer_id: Option<CustomerId>,
    pub amount: Amount,
    pub currency: Currency,
    pub status: PaymentStatus,
    pub provider: Option<Provider>,
    pub provider_ref: Option<ProviderRef>,
    /// When the money was received; set on success when the request leaves it out.
    pub paid_at: Option<OffsetDateTime>,
    /// The end of the period this payment pays for; `None` is a one-off purchase.
    pub period_end: Option<OffsetDateTime>,
    pub metadata: Metadata,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Payment {
    /// Moves to `to` following the lifecycle table; a first success stamps `paid_at`.
    /// Returns whether anything changed.
    pub fn change_status(
        &mut self,
        to: PaymentStatus,
        now: OffsetDateTime,
    ) -> Result<bool, InvalidPaymentTransition> {
        if !self.status.transition(to)? {
            return Ok(false);
        }
        self.status = to;
        if to == PaymentStatus::Succeeded && self.paid_at.is_none() {
            self.paid_at = Some(now);
        }
        self.updated_at = now;
        Ok(true)
    }
}
