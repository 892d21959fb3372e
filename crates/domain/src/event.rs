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
    /// Every event type, in the SPEC's order.
    pub const ALL: [Self; 19] = [
        Self::LicenseCreated,
        Self::LicenseUpdated,
        Self::LicenseDeleted,
        Self::LicenseSuspended,
        Self::LicenseReinstated,
        Self::LicenseRevoked,
        Self::LicenseExpired,
        Self::LicenseRenewed,
        Self::ActivationCreated,
        Self::ActivationDeleted,
        Self::CustomerCreated,
        Self::CustomerUpdated,
        Self::CustomerDeleted,
        Self::ProductCreated,
        Self::ProductUpdated,
        Self::ProductDeleted,
        Self::PaymentCreated,
        Self::SiteRegistered,
        Self::WebhookTest,
    ];

    /// The type named by its dotted wire name, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

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

#[cfg(test)]
mod tests {
    use super::EventType;

    #[test]
    fn every_type_parses_back_from_its_wire_name() {
        for event_type in EventType::ALL {
            assert_eq!(EventType::parse(event_type.as_str()), Some(event_type));
        }
        assert_eq!(EventType::parse("license.exploded"), None);
        assert_eq!(EventType::parse("*"), None);
    }
}
