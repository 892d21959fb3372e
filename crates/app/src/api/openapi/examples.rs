//! Examples for the main flows — register and log in, create a product, issue a
//! license, validate, activate, check out, create a webhook and an API key — named by
//! the routes' `#[utoipa::path]` as `example = examples::…`.
//!
//! They are the answers the server gives, with fixed ids and times; the contract test
//! (`cargo xtask test --contract`) sends the request examples to a real server.

use serde_json::{Value, json};

const USER_ID: &str = "0198c1d2-0000-7000-8000-000000000001";
const PRODUCT_ID: &str = "0198c1d2-0000-7000-8000-000000000002";
const LICENSE_ID: &str = "0198c1d2-0000-7000-8000-000000000003";
const ACTIVATION_ID: &str = "0198c1d2-0000-7000-8000-000000000004";
const WEBHOOK_ID: &str = "0198c1d2-0000-7000-8000-000000000005";
const API_KEY_ID: &str = "0198c1d2-0000-7000-8000-000000000006";
const LICENSE_KEY: &str = "LIC-7K2QD-M4XHW-9PJ3B-RT6YC-N8VGA";
const CREATED: &str = "2026-01-15T09:30:00Z";
const EXPIRES: &str = "2027-01-15T09:30:00Z";

/// `POST /v1/auth/register`.
pub fn register_request() -> Value {
    json!({"email": "you@example.com", "password": "correct-horse-battery", "name": "You"})
}

/// `POST /v1/auth/login`.
pub fn login_request() -> Value {
    json!({"email": "you@example.com", "password": "correct-horse-battery"})
}

/// The answer to register and login.
pub fn authenticated() -> Value {
    json!({"data": {
        "id": USER_ID,
        "email": "you@example.com",
        "name": "You",
        "token": "sess_5TqkV2yW8nR3mZpL6xC1bH4dJ7fG9sA0eK2uY"
    }})
}

/// `POST /v1/api-keys`.
pub fn api_key_request() -> Value {
    json!({
        "name": "shop",
        "scopes": ["products:read", "products:write", "licenses:read", "licenses:write"]
    })
}

/// The answer to `POST /v1/api-keys`: the secret, this once.
pub fn created_api_key() -> Value {
    json!({"data": {
        "id": API_KEY_ID,
        "name": "shop",
        "prefix": "sk_live_4fQ",
        "lastFour": "x9Zb",
        "scopes": ["licenses:read", "licenses:write", "products:read", "products:write"],
        "productId": null,
        "expiresAt": null,
        "revokedAt": null,
        "lastUsedAt": null,
        "createdAt": CREATED,
        "updatedAt": CREATED,
        "secret": "sk_live_4fQe8LmN2pRt6VwY0aCd3FhJ5kMo7QsUx9Zb"
    }})
}

/// `POST /v1/products`.
pub fn product_request() -> Value {
    json!({
        "name": "My App",
        "plans": [{"name": "Pro", "maxActivations": 3, "durationDays": 365, "features": ["sync"]}]
    })
}

/// A product.
pub fn product() -> Value {
    json!({"data": {
        "id": PRODUCT_ID,
        "name": "My App",
        "slug": "my-app",
        "description": null,
        "keyPrefix": "LIC",
        "plans": [{"name": "Pro", "maxActivations": 3, "durationDays": 365, "features": ["sync"]}],
        "metadata": {},
        "createdAt": CREATED,
        "updatedAt": CREATED
    }})
}

/// `POST /v1/licenses`: omitted terms come from the plan.
pub fn license_request() -> Value {
    json!({"productId": PRODUCT_ID, "plan": "Pro", "issuedEmail": "buyer@example.com"})
}

/// A license.
pub fn license() -> Value {
    json!({"data": {
        "id": LICENSE_ID,
        "productId": PRODUCT_ID,
        "customerId": null,
        "key": LICENSE_KEY,
        "plan": "Pro",
        "status": "ACTIVE",
        "issuedTo": null,
        "issuedEmail": "buyer@example.com",
        "features": ["sync"],
        "maxActivations": 3,
        "activationCount": 0,
        "expiresAt": EXPIRES,
        "heartbeatIntervalSeconds": null,
        "lastValidatedAt": null,
        "metadata": {},
        "createdAt": CREATED,
        "updatedAt": CREATED
    }})
}

/// `POST /v1/licenses/validate`.
pub fn validate_request() -> Value {
    json!({"licenseKey": LICENSE_KEY, "fingerprint": "my-laptop", "nonce": "n-1"})
}

fn runtime_license(activations: u32) -> Value {
    json!({
        "id": LICENSE_ID,
        "status": "ACTIVE",
        "plan": "Pro",
        "features": ["sync"],
        "expiresAt": EXPIRES,
        "maxActivations": 3,
        "activationCount": activations,
        "email": "buyer@example.com"
    })
}

fn activation() -> Value {
    json!({
        "id": ACTIVATION_ID,
        "licenseId": LICENSE_ID,
        "fingerprint": "my-laptop",
        "domain": null,
        "name": "Work laptop",
        "platform": "macOS",
        "ipAddress": "203.0.113.7",
        "metadata": {},
        "alive": true,
        "lastHeartbeatAt": CREATED,
        "createdAt": CREATED
    })
}

/// A validation answer (signed).
pub fn validation() -> Value {
    json!({"data": {
        "valid": true,
        "code": "VALID",
        "detail": "license is valid",
        "license": runtime_license(1),
        "activation": activation(),
        "nonce": "n-1",
        "validatedAt": CREATED
    }})
}

/// `POST /v1/licenses/activate`.
pub fn activate_request() -> Value {
    json!({
        "licenseKey": LICENSE_KEY,
        "fingerprint": "my-laptop",
        "name": "Work laptop",
        "platform": "macOS"
    })
}

/// The answer to activate: the seat taken (201) or already held (200).
pub fn activated() -> Value {
    json!({"data": {
        "valid": true,
        "code": "VALID",
        "detail": "license is valid",
        "license": runtime_license(1),
        "activation": activation(),
        "validatedAt": CREATED
    }})
}

/// `POST /v1/licenses/checkout`.
pub fn checkout_request() -> Value {
    json!({"licenseKey": LICENSE_KEY, "fingerprint": "my-laptop", "ttlSeconds": 604800})
}

/// An offline certificate.
pub fn checkout() -> Value {
    json!({"data": {
        "certificate": "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIiwidHlwIjoibGljZW5zZStqd3QifQ.eyJsaWQiOiIuLi4ifQ.c2lnbmF0dXJl",
        "expiresAt": "2026-01-22T09:30:00Z"
    }})
}

/// `POST /v1/webhooks`.
pub fn webhook_request() -> Value {
    json!({
        "url": "https://shop.example.com/hooks/licentia",
        "events": ["license.created", "license.revoked"],
        "description": "shop"
    })
}

/// The answer to `POST /v1/webhooks`: the signing secret, this once.
pub fn created_webhook() -> Value {
    json!({"data": {
        "id": WEBHOOK_ID,
        "url": "https://shop.example.com/hooks/licentia",
        "events": ["license.created", "license.revoked"],
        "productId": null,
        "description": "shop",
        "enabled": true,
        "disabledReason": null,
        "failingSince": null,
        "secretRotatedAt": null,
        "createdAt": CREATED,
        "updatedAt": CREATED,
        "secret": "whsec_MfKQ9r4hWj1v6b8cZx2nT5pLs3dYg7eA"
    }})
}

/// A refusal from a runtime endpoint (403 with the validation code).
pub fn suspended() -> Value {
    json!({"error": "Forbidden", "message": "license is suspended", "code": "SUSPENDED"})
}
