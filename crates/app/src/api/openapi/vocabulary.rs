//! Schemas of the closed sets of strings the API speaks — scopes, event types,
//! payment and delivery states, site actions, encodings, currencies — built from the
//! domain's own lists (`ALL`, `as_str`), so the document cannot drift from the parsers.
//!
//! Used by views and request bodies as `#[schema(schema_with = vocabulary::…)]`.

use licentia_domain::currency::ACTIVE_CODES;
use licentia_domain::event::EventType;
use licentia_domain::injectable::Encoding;
use licentia_domain::payment::PaymentStatus;
use licentia_domain::scope::{Action, Resource, Scope};
use licentia_domain::site::{SiteActionState, SiteActionType};
use licentia_domain::webhook::DeliveryState;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};

fn one_of<S: Into<String>>(values: impl IntoIterator<Item = S>, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values.into_iter().map(Into::into).collect::<Vec<String>>()))
}

/// Every scope string, `resource:action`, then `*`.
pub fn scope_names() -> Vec<String> {
    let mut names = Vec::new();
    for resource in Resource::ALL {
        for action in [Action::Read, Action::Write] {
            if resource.supports(action) {
                names.push(Scope::Grant(resource, action).to_string());
            }
        }
    }
    names.push(Scope::All.to_string());
    names
}

/// `scopes`: a list of scopes (`write` does not imply `read`; `*` is every scope).
pub fn scopes() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(one_of(scope_names(), "A scope: `resource:action`, or `*` for all."))
        .min_items(Some(1))
        .description(Some(
            "Scopes, `resource:action`; `write` does not imply `read`, `*` grants everything.",
        ))
}

/// `events`: event types, or `["*"]`.
pub fn events() -> ArrayBuilder {
    let names = EventType::ALL
        .iter()
        .map(|e| e.as_str())
        .chain(std::iter::once("*"));
    ArrayBuilder::new()
        .items(one_of(names, "An event type, or `*` (alone) for every event."))
        .min_items(Some(1))
        .description(Some("The event types delivered; `[\"*\"]` for all."))
}

/// A payment status.
pub fn payment_status() -> ObjectBuilder {
    one_of(
        PaymentStatus::ALL.iter().map(|s| s.as_str()),
        "`pending → succeeded | failed`, `succeeded → refunded`.",
    )
}

/// A delivery state.
pub fn delivery_state() -> ObjectBuilder {
    one_of(
        DeliveryState::ALL.iter().map(|s| s.as_str()),
        "`pending` (waiting for its next attempt), `succeeded` or `failed` (given up).",
    )
}

/// A site action's type.
pub fn site_action_type() -> ObjectBuilder {
    one_of(
        SiteActionType::ALL.iter().map(|t| t.as_str()),
        "What the plugin is asked to do.",
    )
}

/// A site action's state.
pub fn site_action_state() -> ObjectBuilder {
    one_of(
        SiteActionState::ALL.iter().map(|s| s.as_str()),
        "`pending` (queued), `delivered` (handed to the plugin once) or `done` (acknowledged).",
    )
}

/// How an injectable's content is written.
pub fn encoding() -> ObjectBuilder {
    one_of(
        Encoding::ALL.iter().map(|e| e.as_str()),
        "`text` (UTF-8 as is) or `base64` (any bytes).",
    )
}

/// An active ISO 4217 currency code.
pub fn currency() -> ObjectBuilder {
    one_of(ACTIVE_CODES.iter().copied(), "An active ISO 4217 currency code.")
}
