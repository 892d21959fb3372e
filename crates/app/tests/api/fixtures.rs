//! Shared arrangements for runtime tests: an account, a product and a license.

use licentia_test_support::TestApp;
use serde_json::{Value, json};

/// A vendor with a product and one license issued with `terms` (merged into the body).
pub(crate) struct Licensed {
    pub(crate) token: String,
    pub(crate) product: String,
    pub(crate) license: Value,
}

impl Licensed {
    /// The license key.
    pub(crate) fn key(&self) -> &str {
        self.license["key"].as_str().expect("key")
    }

    /// The license id.
    pub(crate) fn id(&self) -> &str {
        self.license["id"].as_str().expect("id")
    }
}

/// Registers a vendor, creates a product and issues a license with `terms`.
pub(crate) async fn licensed(app: &TestApp, terms: Value) -> Licensed {
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let license = app.license(&token, &product, terms).await;
    Licensed {
        token,
        product,
        license,
    }
}

/// A validate request body for `key` with extra fields.
pub(crate) fn ask(key: &str, extra: Value) -> Value {
    let mut body = json!({"licenseKey": key});
    if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        target.extend(extra.clone());
    }
    body
}
