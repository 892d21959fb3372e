//! Domain events, written to the outbox in the same transaction as their change.

use serde::Serialize;
use serde_json::Value;

/// Every event type of SPEC §10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EventType {
    LicenseCreated,
    LicenseUpdated,
    LicenseDeleted,
    LicenseSuspended,
    LicenseReinstated,
    LicenseRevoked,
    LicenseExpired,
    LicenseRenewed,
    ActivationCreated,
    ActivationDeleted,
    CustomerCreated,
    CustomerUpdated,
    CustomerDeleted,
    ProductCreated,
    ProductUpdated,
    ProductDeleted,
    PaymentCreated,
    SiteRegistered,
    WebhookTest,
}

impl EventType {
    /// The dotted wire name (`license.created`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::LicenseCreated => "license.created",
            Self::LicenseUpdated => "license.updated",
            Self::LicenseDeleted => "license.deleted",
            Self::LicenseSuspended => "license.suspended",
            Self::LicenseReinstated => "license.reinstated",
            Self::LicenseRevoked => "license.revoked",
            Self::LicenseExpired => "license.expired",
            Self::LicenseRenewed => "license.renewed",
            Self::ActivationCreated => "activation.created",
            Self::ActivationDeleted => "activation.deleted",
            Self::CustomerCreated => "customer.created",
            Self::CustomerUpdated => "customer.updated",
            Self::CustomerDeleted => "customer.deleted",
            Self::ProductCreated => "product.created",
            Self::ProductUpdated => "product.updated",
            Self::ProductDeleted => "product.deleted",
            Self::PaymentCreated => "payment.created",
            Self::SiteRegistered => "site.registered",
            Self::WebhookTest => "webhook.test",
        }
    }
}

/// An event to record with a change: its type and the resource it describes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub event_type: EventType,
    /// The resource as the API shows it (never secrets).
    pub data: Value,
    /// The product the event concerns, for webhook endpoints filtered by product.
    pub product_id: Option<crate::ids::ProductId>,
}

impl NewEvent {
    /// An event of `event_type` about a resource of `product_id`, carrying `data`.
    pub fn new(
        event_type: EventType,
        product_id: Option<crate::ids::ProductId>,
        data: Value,
    ) -> Self {
        Self {
            event_type,
            data,
            product_id,
        }
    }
}
