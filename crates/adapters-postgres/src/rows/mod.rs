//! Database rows and their conversion to domain types (`TryFrom`, at the edge).
//!
//! A row that no longer parses into a valid domain value is reported as `Internal`
//! ("corrupt row"), never silently patched.

mod activation;
mod api_key;
mod archive;
mod customer;
mod injectable;
mod license;
mod payment;
mod product;
mod site;
mod user;
mod webhook;

pub(crate) use activation::ActivationRow;
pub(crate) use api_key::{ApiKeyRow, NewApiKeyRow};
pub(crate) use archive::{ArchivedApiKeyRow, ArchivedSiteRow, ArchivedWebhookRow};
pub(crate) use customer::CustomerRow;
pub(crate) use injectable::{InjectableRow, InjectableSummaryRow};
pub(crate) use license::LicenseRow;
pub(crate) use payment::PaymentRow;
pub(crate) use product::ProductRow;
pub(crate) use site::{SiteActionRow, SiteRow};
pub(crate) use user::UserRow;
pub(crate) use webhook::{AttemptRow, DeliveryRow, NewWebhookEndpointRow, WebhookEndpointRow};

use licentia_domain::ValidationError;
use licentia_ports::RepositoryError;

pub(crate) fn corrupt(
    table: &'static str,
    field: &'static str,
) -> impl Fn(ValidationError) -> RepositoryError {
    move |e| RepositoryError::Internal(format!("corrupt row in {table}.{field}: {e}"))
}

pub(crate) fn text_array(values: Vec<Option<String>>) -> Vec<String> {
    values.into_iter().flatten().collect()
}

pub(crate) fn count(value: i32) -> u32 {
    u32::try_from(value).unwrap_or_default()
}
