//! Schemas of the closed sets of strings the API speaks — scopes, event types,
//! payment and delivery states, site actions, encodings, currencies — built from the
//! domain's own lists (`ALL`, `as_str`), so the document cannot drift from the parsers.
//!
//! Each is a named schema: views and request bodies refer to it with
//! `#[schema(value_type = vocabulary::Currency)]`.

use std::borrow::Cow;

use licentia_domain::currency::ACTIVE_CODES;
use licentia_domain::event::EventType as DomainEventType;
use licentia_domain::injectable::Encoding as DomainEncoding;
use licentia_domain::payment::PaymentStatus as DomainPaymentStatus;
use licentia_domain::scope::{Action, Resource, Scope as DomainScope};
use licentia_domain::site::{
    SiteActionState as DomainSiteActionState, SiteActionType as DomainSiteActionType,
};
use licentia_domain::webhook::DeliveryState as DomainDeliveryState;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// Declares a named string-enum schema from the values a domain list gives.
macro_rules! closed_set {
    ($(#[doc = $doc:literal])* $name:ident => $values:expr) => {
        $(#[doc = $doc])*
        #[derive(Debug)]
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some(concat!($($doc, "\n"),*).trim()))
                    .enum_values(Some($values))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

/// Every scope string, `resource:action`, then `*`.
pub fn scope_names() -> Vec<String> {
    let mut names = Vec::new();
    for resource in Resource::ALL {
        for action in [Action::Read, Action::Write] {
            if resource.supports(action) {
                names.push(DomainScope::Grant(resource, action).to_string());
            }
        }
    }
    names.push(DomainScope::All.to_string());
    names
}

closed_set!(
    /// A scope, `resource:action` (`write` does not imply `read`), or `*` for every scope.
    Scope => scope_names()
);

closed_set!(
    /// An event type.
    EventType => DomainEventType::ALL.iter().map(|e| e.as_str())
);

closed_set!(
    /// An event type a webhook endpoint receives, or `*` (alone) for every event.
    WebhookEvent => DomainEventType::ALL.iter().map(|e| e.as_str()).chain(["*"])
);

closed_set!(
    /// A payment's status: `pending → succeeded | failed`, `succeeded → refunded`.
    PaymentStatus => DomainPaymentStatus::ALL.iter().map(|s| s.as_str())
);

closed_set!(
    /// A webhook delivery's state: `pending` (waiting for its next attempt),
    /// `succeeded`, or `failed` (given up).
    DeliveryState => DomainDeliveryState::ALL.iter().map(|s| s.as_str())
);

closed_set!(
    /// What a WordPress plugin is asked to do.
    SiteActionType => DomainSiteActionType::ALL.iter().map(|t| t.as_str())
);

closed_set!(
    /// Where a site action stands: `pending` (queued), `delivered` (handed to the
    /// plugin once) or `done` (acknowledged).
    SiteActionState => DomainSiteActionState::ALL.iter().map(|s| s.as_str())
);

closed_set!(
    /// How an injectable's content is written: `text` (UTF-8 as is) or `base64` (any bytes).
    Encoding => DomainEncoding::ALL.iter().map(|e| e.as_str())
);

closed_set!(
    /// An active ISO 4217 currency code.
    Currency => ACTIVE_CODES.iter().copied()
);
