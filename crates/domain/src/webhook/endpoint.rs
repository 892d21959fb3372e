//! A webhook endpoint: where an account's events are sent, which ones, and whether it
//! is currently enabled (and if not, why).

use time::{Duration, OffsetDateTime};

use super::event_selection::EventSelection;
use super::url::WebhookUrl;
use crate::ids::{ProductId, UserId, WebhookId};
use crate::text::Description;

/// How long a rotated-out secret keeps signing alongside the new one.
pub const PREVIOUS_SECRET_GRACE: Duration = Duration::hours(24);

/// A webhook endpoint of one account.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEndpoint {
    pub id: WebhookId,
    pub owner: UserId,
    /// Only events about this product (events about no product are not sent).
    pub product_id: Option<ProductId>,
    pub url: WebhookUrl,
    pub events: EventSelection,
    pub description: Option<Description>,
    pub enabled: bool,
    /// Why the server disabled it (`None` when its owner did, or it is enabled).
    pub disabled_reason: Option<String>,
    /// Start of the current failure streak, if deliveries are failing.
    pub failing_since: Option<OffsetDateTime>,
    /// When the secret was last rotated; the previous one signs until
    /// `rotated + PREVIOUS_SECRET_GRACE`.
    pub secret_rotated_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// The routing rule on its own (for stores that fan out without loading whole
/// endpoints): an endpoint selecting `events`, filtered to `endpoint_product`, receives
/// an event of `event_type` about `event_product`.
pub fn routes(
    events: &EventSelection,
    endpoint_product: Option<ProductId>,
    event_type: &str,
    event_product: Option<ProductId>,
) -> bool {
    events.includes(event_type) && endpoint_product.is_none_or(|mine| event_product == Some(mine))
}

impl WebhookEndpoint {
    /// Whether an event of `event_type` about `product` goes to this endpoint.
    pub fn wants(&self, event_type: &str, product: Option<ProductId>) -> bool {
        self.enabled && routes(&self.events, self.product_id, event_type, product)
    }

    /// Turns it on again: the failure streak and the disable reason are forgotten.
    pub fn enable(&mut self) {
        self.enabled = true;
        self.disabled_reason = None;
        self.failing_since = None;
    }

    /// Turns it off; `reason` is `None` when its owner asked.
    pub fn disable(&mut self, reason: Option<String>) {
        self.enabled = false;
        self.disabled_reason = reason;
    }

    /// Until when the rotated-out secret still signs, if it still does at `now`.
    pub fn previous_secret_until(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        self.secret_rotated_at
            .map(|rotated| rotated + PREVIOUS_SECRET_GRACE)
            .filter(|until| *until > now)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn endpoint(product_id: Option<ProductId>, events: &[&str]) -> WebhookEndpoint {
        let at = datetime!(2026-11-22 00:00 UTC);
        WebhookEndpoint {
            id: WebhookId::generate(),
            owner: UserId::generate(),
            product_id,
            url: WebhookUrl::parse("https://example.com/hook", false).expect("valid"),
            events: EventSelection::parse(events).expect("valid"),
            description: None,
            enabled: true,
            disabled_reason: None,
            failing_since: None,
            secret_rotated_at: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn an_unfiltered_endpoint_wants_every_selected_event() {
        let all = endpoint(None, &["*"]);
        assert!(all.wants("customer.created", None));
        assert!(all.wants("license.created", Some(ProductId::generate())));
        let some = endpoint(None, &["license.created"]);
        assert!(!some.wants("license.deleted", None));
    }

    #[test]
    fn a_product_endpoint_wants_only_that_products_events() {
        let product = ProductId::generate();
        let mine = endpoint(Some(product), &["*"]);
        assert!(mine.wants("license.created", Some(product)));
        assert!(!mine.wants("license.created", Some(ProductId::generate())));
        assert!(!mine.wants("customer.created", None));
    }

    #[test]
    fn a_disabled_endpoint_wants_nothing_until_enabled_again() {
        let mut hook = endpoint(None, &["*"]);
        hook.failing_since = Some(hook.created_at);
        hook.disable(Some("410".into()));
        assert!(!hook.wants("license.created", None));
        hook.enable();
        assert!(hook.wants("license.created", None));
        assert_eq!((hook.disabled_reason, hook.failing_since), (None, None));
    }

    #[test]
    fn the_previous_secret_signs_for_a_day_after_rotation() {
        let mut hook = endpoint(None, &["*"]);
        let rotated = datetime!(2026-11-22 10:00 UTC);
        assert_eq!(hook.previous_secret_until(rotated), None);
        hook.secret_rotated_at = Some(rotated);
        assert!(
            hook.previous_secret_until(rotated + Duration::hours(23))
                .is_some()
        );
        assert_eq!(
            hook.previous_secret_until(rotated + Duration::hours(24)),
            None
        );
    }
}
