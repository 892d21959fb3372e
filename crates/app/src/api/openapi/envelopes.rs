//! The schemas of the success envelopes around each view: `{"data": View}`,
//! `{"data": [View]}` and `{"data": [View], "meta": Meta}` — the shapes
//! `api::envelope` and `api::signed` serialise.
//!
//! They are declared per view (not as one generic) so that each view stays one named
//! schema, referenced from every envelope that carries it. These types exist for the
//! document only and are never built.

use crate::api::envelope::Meta;
use crate::views::*;

/// `Name = View`: `{"data": View}`.
macro_rules! data {
    ($($name:ident = $view:ty),* $(,)?) => {$(
        #[doc = concat!("`{\"data\": ", stringify!($view), "}`.")]
        #[derive(Debug, utoipa::ToSchema)]
        #[schema(description = "The envelope of one object.")]
        #[allow(dead_code)]
        pub struct $name {
            data: $view,
        }
    )*};
}

/// `Name = View`: `{"data": [View]}`, a whole (short) list without pages.
macro_rules! all {
    ($($name:ident = $view:ty),* $(,)?) => {$(
        #[doc = concat!("`{\"data\": [", stringify!($view), "]}`.")]
        #[derive(Debug, utoipa::ToSchema)]
        #[schema(description = "The envelope of a whole list.")]
        #[allow(dead_code)]
        pub struct $name {
            data: Vec<$view>,
        }
    )*};
}

/// `Name = View`: `{"data": [View], "meta": Meta}`, one page, newest first.
macro_rules! page {
    ($($name:ident = $view:ty),* $(,)?) => {$(
        #[doc = concat!("`{\"data\": [", stringify!($view), "], \"meta\": Meta}`.")]
        #[derive(Debug, utoipa::ToSchema)]
        #[schema(description = "The envelope of one page of a list, newest first.")]
        #[allow(dead_code)]
        pub struct $name {
            data: Vec<$view>,
            meta: Meta,
        }
    )*};
}

data! {
    AuthenticatedData = AuthView,
    AccountData = MeView,
    LoggedOutData = LoggedOutView,
    ApiKeyData = ApiKeyView,
    CreatedApiKeyData = CreatedApiKeyView,
    ProductData = ProductView,
    ProductDomainData = ProductDomainView,
    CustomerData = CustomerView,
    LicenseData = LicenseView,
    LicenseDomainData = LicenseDomainView,
    PaymentData = PaymentView,
    PaymentStandingData = PaymentStatusView,
    PlatformStatsData = PlatformStatsView,
    LicenseAnalyticsData = LicenseAnalyticsView,
    CustomerAnalyticsData = CustomerAnalyticsView,
    RevenueAnalyticsData = RevenueAnalyticsView,
    WebhookData = WebhookView,
    CreatedWebhookData = CreatedWebhookView,
    DeliveryData = DeliveryView,
    InjectableData = InjectableView,
    SiteData = SiteView,
    SiteActionData = SiteActionView,
    ValidationData = ValidationView,
    DeactivationData = DeactivationView,
    CheckoutData = CheckoutView,
    RuntimeInjectablesData = InjectablesView,
    RegisteredSiteData = RegisteredSiteView,
    SiteHeartbeatData = SiteHeartbeatView,
    PendingActionsData = PendingActionsView,
}

all! {
    LicensesData = LicenseView,
    ProductDomainsData = ProductDomainView,
    LicenseDomainsData = LicenseDomainView,
}

page! {
    ApiKeyList = ApiKeyView,
    ProductList = ProductView,
    CustomerList = CustomerView,
    LicenseList = LicenseView,
    ActivationList = ActivationView,
    PaymentList = PaymentView,
    WebhookList = WebhookView,
    DeliveryList = DeliveryView,
    InjectableList = InjectableSummaryView,
    SiteList = SiteView,
}
