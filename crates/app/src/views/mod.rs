//! The public JSON shape of each resource: HTTP responses and event payloads.
//!
//! Views are built from domain values and only ever serialised; requests have their
//! own input types (`api::input`), and rows live in the adapter.

mod account;
mod activation;
mod analytics;
mod api_key;
mod customer;
mod injectable;
mod license;
mod payment;
mod payment_status;
mod product;
mod site;
mod timestamp;
mod validation;
mod webhook;

pub use account::{AuthView, LoggedOutView, MeView};
pub use activation::ActivationView;
pub use analytics::{
    CustomerAnalyticsView, LicenseAnalyticsView, PeriodView, PlatformStatsView,
    RevenueAnalyticsView,
};
pub use api_key::{ApiKeyView, CreatedApiKeyView};
pub use customer::CustomerView;
pub use injectable::{InjectableSummaryView, InjectableView};
pub use license::{LicenseDomainView, LicenseView};
pub use payment::PaymentView;
pub use payment_status::{CurrencyTotalView, PaymentStatusView};
pub use product::{ProductDomainView, ProductView};
pub use site::{
    PendingActionsView, RegisteredSiteView, SiteActionView, SiteHeartbeatView, SiteView,
};
pub use validation::{
    CheckoutView, DeactivationView, InjectablesView, RuntimeLicenseView, ValidationView,
};
pub use webhook::{AttemptView, CreatedWebhookView, DeliveryView, WebhookView};

/// Serialises a view for an event payload.
pub fn to_event_data<T: serde::Serialize>(view: &T) -> serde_json::Value {
    serde_json::to_value(view).unwrap_or(serde_json::Value::Null)
}
