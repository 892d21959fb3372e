//! The OpenAPI 3.1 document of the whole API, generated from the code: each handler's
//! `#[utoipa::path]`, the views' and request bodies' `ToSchema`, the error-code
//! catalog, and the rules in this module's files. Served at `GET /v1/openapi.json`,
//! printed by `licentia openapi`, checked in at `docs/openapi.json` by
//! `cargo xtask openapi` (and compared by the tests).
//!
//! To document a new route: give the handler a doc comment and a `#[utoipa::path]`
//! (tag, request body, success responses, its own errors, `security`), and list it in
//! [`ApiDoc`]'s `paths(...)`. `tests/openapi.rs` fails while a route is missing here.

pub mod envelopes;
pub mod examples;
pub mod responses;
pub mod security;
pub mod vocabulary;

use std::sync::OnceLock;

use utoipa::OpenApi as _;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::{OpenApi, Paths};

use crate::api::routes;

/// Where `api::configure` mounts every route.
pub const BASE_PATH: &str = "/v1";

/// The operations, the tags and the schemas no operation names directly.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Licentia",
        description = include_str!("description.md"),
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        routes::health::health,
        routes::health::ready,
        routes::openapi::document,
        routes::accounts::register,
        routes::accounts::login,
        routes::accounts::me,
        routes::accounts::logout,
        routes::api_keys::create,
        routes::api_keys::list,
        routes::api_keys::get,
        routes::api_keys::revoke,
        routes::api_keys::rotate,
        routes::products::create,
        routes::products::list,
        routes::products::get,
        routes::products::replace,
        routes::products::modify,
        routes::products::remove,
        routes::products::list_domains,
        routes::products::add_domain,
        routes::products::remove_domain,
        routes::customers::create,
        routes::customers::list,
        routes::customers::get,
        routes::customers::replace,
        routes::customers::modify,
        routes::customers::remove,
        routes::customers::customer_licenses,
        routes::licenses::create,
        routes::licenses::create_bulk,
        routes::licenses::list,
        routes::licenses::create_for_product,
        routes::licenses::list_for_product,
        routes::licenses::get,
        routes::licenses::modify,
        routes::licenses::set_status,
        routes::licenses::renew,
        routes::licenses::remove,
        routes::licenses::list_domains,
        routes::licenses::add_domain,
        routes::licenses::remove_domain,
        routes::activations::list,
        routes::activations::remove,
        routes::payments::create,
        routes::payments::list,
        routes::payments::get,
        routes::payments::set_status,
        routes::payments::payment_status,
        routes::analytics::stats,
        routes::analytics::licenses,
        routes::analytics::users,
        routes::analytics::revenue,
        routes::webhooks::create,
        routes::webhooks::list,
        routes::webhooks::get,
        routes::webhooks::replace,
        routes::webhooks::remove,
        routes::webhooks::rotate_secret,
        routes::webhooks::send_test,
        routes::webhooks::deliveries,
        routes::webhooks::retry_delivery,
        routes::injectables::create,
        routes::injectables::list,
        routes::injectables::get,
        routes::injectables::replace,
        routes::injectables::remove,
        routes::sites::list,
        routes::sites::get,
        routes::sites::remove,
        routes::sites::queue_action,
        routes::runtime::validate,
        routes::runtime::verify,
        routes::runtime::activate,
        routes::runtime::deactivate,
        routes::runtime::heartbeat,
        routes::runtime::checkout,
        routes::runtime::injectables,
        routes::runtime::jwks,
        routes::wordpress::register,
        routes::wordpress::heartbeat,
        routes::wordpress::pending_actions,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::codes::ErrorCode)),
    tags(
        (name = "health", description = "Liveness, readiness and this document. Public, never rate limited."),
        (name = "accounts", description = "Vendor accounts: register, log in, who am I, log out."),
        (name = "api-keys", description = "Scoped API keys for the vendor's backend. The secret is shown once."),
        (name = "products", description = "Products, their plans and their allowed domains."),
        (name = "customers", description = "The vendor's customers."),
        (name = "licenses", description = "Licenses: issue, find, change, renew, assign domains."),
        (name = "activations", description = "Seats taken on licenses, as the vendor sees them."),
        (name = "payments", description = "Payments and \"has this license been paid for?\"."),
        (name = "analytics", description = "Reports over a date range (`?from=&to=`, UTC days)."),
        (name = "webhooks", description = "Webhook endpoints, test events and the delivery log (Standard Webhooks signatures)."),
        (name = "injectables", description = "Content shipped only to licensed copies."),
        (name = "sites", description = "WordPress sites, as the vendor sees them, and actions queued for them."),
        (name = "runtime", description = "What running copies call. The license key in the body is the credential; every answer is signed (`Licentia-Signature`)."),
        (name = "wordpress", description = "What a WordPress plugin calls: register with the license key, then the site token. Signed like every runtime answer."),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// The whole document, assembled.
pub fn document() -> OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.paths = prefixed(std::mem::take(&mut doc.paths), BASE_PATH);
    for item in doc.paths.paths.values_mut() {
        for operation in operations_mut(item) {
            operation.operation_id = Some(operation_id(operation));
        }
    }
    security::add_schemes(&mut doc);
    security::expand_requirements(&mut doc);
    responses::add_components(&mut doc);
    responses::add_to_operations(&mut doc);
    doc
}

/// The document as pretty JSON with a trailing newline: the bytes served and checked in.
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut json = serde_json::to_string_pretty(&document())
            .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
        json.push('\n');
        json
    })
}

/// A unique operation id: the tag and the handler's name, in camelCase
/// (`products` + `list_domains` → `productsListDomains`).
fn operation_id(operation: &Operation) -> String {
    let tag = operation
        .tags
        .as_ref()
        .and_then(|tags| tags.first())
        .map_or("", String::as_str);
    let handler = operation.operation_id.as_deref().unwrap_or_default();
    let mut id = String::new();
    for (i, word) in tag
        .split(['-', '_'])
        .chain(handler.split('_'))
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                id.push(first.to_ascii_lowercase());
            } else {
                id.push(first.to_ascii_uppercase());
            }
            id.extend(chars);
        }
    }
    id
}

/// The routes are written relative to the `/v1` scope they are mounted in.
fn prefixed(paths: Paths, base: &str) -> Paths {
    let mut out = Paths::new();
    for (path, item) in paths.paths {
        out.paths.insert(format!("{base}{path}"), item);
    }
    out.extensions = paths.extensions;
    out
}

/// Every operation of a path item, with its lower-case method.
pub(crate) fn operations_with_methods_mut(
    item: &mut PathItem,
) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|o| (method, o)))
}

/// Every operation of a path item.
pub(crate) fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    operations_with_methods_mut(item).map(|(_, operation)| operation)
}
