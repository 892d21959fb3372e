//! The scope matrix of the management API: every route refuses a key without its scope
//! (403 `INSUFFICIENT_SCOPE`, nothing changed), accepts a key with exactly its scope,
//! and accepts `*`; `write` never implies `read`.

use std::collections::HashMap;

use licentia_test_support::{Reply, TestApp, spawn_app_with};
use serde_json::{Value, json};

/// Every scope there is, except `*`.
const ALL_SCOPES: [&str; 19] = [
    "products:read",
    "products:write",
    "licenses:read",
    "licenses:write",
    "customers:read",
    "customers:write",
    "activations:read",
    "activations:write",
    "webhooks:read",
    "webhooks:write",
    "payments:read",
    "payments:write",
    "analytics:read",
    "sites:read",
    "sites:write",
    "injectables:read",
    "injectables:write",
    "api_keys:read",
    "api_keys:write",
];

/// Fresh objects for one route to act on (a `DELETE` consumes them).
#[derive(Debug)]
struct Fixture {
    n: usize,
    slug: String,
    product: String,
    customer: String,
    license: String,
    license_key: String,
    api_key: String,
    webhook: String,
    delivery: String,
    injectable: String,
    site: String,
    /// A pending payment for `license`.
    payment: String,
}

const PRODUCT_DOMAIN: &str = "shop.example.com";
const LICENSE_DOMAIN: &str = "site.example.com";
/// Never called: the matrix runs without a webhook dispatcher.
const WEBHOOK_URL: &str = "http://127.0.0.1:9/hook";

impl Fixture {
    async fn new(app: &TestApp, session: &str, n: usize) -> Self {
        let slug = format!("product-{n}");
        let product = app.product(session, &slug).await;
        let domain = app
            .post(
                &format!("/products/{product}/domains"),
                session,
                json!({"domain": PRODUCT_DOMAIN}),
            )
            .await;
        assert_eq!(domain.status, 201, "product domain: {:?}", domain.body);
        let customer = app
            .post(
                "/customers",
                session,
                json!({"email": format!("c{n}@example.com"), "name": "Customer"}),
            )
            .await;
        assert_eq!(customer.status, 201, "customer: {:?}", customer.body);
        let customer = id_of(&customer);
        let license = app
            .license(
                session,
                &product,
                json!({"plan": "Pro", "customerId": customer}),
            )
            .await;
        let license_key = license["key"].as_str().expect("license key").to_owned();
        let license = license["id"].as_str().expect("license id").to_owned();
        let domain = app
            .post(
                &format!("/licenses/{license}/domains"),
                session,
                json!({"domain": LICENSE_DOMAIN}),
            )
            .await;
        assert_eq!(domain.status, 201, "license domain: {:?}", domain.body);
        let key = app
            .post(
                "/api-keys",
                session,
                json!({"name": format!("target {n}"), "scopes": ["api_keys:write"]}),
            )
            .await;
        assert_eq!(key.status, 201, "api key: {:?}", key.body);
        let webhook = app
            .post(
                "/webhooks",
                session,
                json!({"url": WEBHOOK_URL, "events": ["*"]}),
            )
            .await;
        assert_eq!(webhook.status, 201, "webhook: {:?}", webhook.body);
        let webhook = id_of(&webhook);
        let delivery = app
            .post(&format!("/webhooks/{webhook}/test"), session, json!({}))
            .await;
        assert_eq!(delivery.status, 202, "test delivery: {:?}", delivery.body);
        let injectable = app
            .post(
                &format!("/products/{product}/injectables"),
                session,
                injectable_body("snippet"),
            )
            .await;
        assert_eq!(injectable.status, 201, "injectable: {:?}", injectable.body);
        let payment = app
            .post(
                "/payments",
                session,
                json!({"productId": product, "licenseId": license, "amount": 4900,
                       "currency": "EUR", "status": "pending"}),
            )
            .await;
        assert_eq!(payment.status, 201, "payment: {:?}", payment.body);
        let site = app
            .runtime(
                "/wordpress/register",
                json!({"licenseKey": license_key, "siteUrl": format!("https://{LICENSE_DOMAIN}")}),
            )
            .await;
        assert_eq!(site.status, 201, "site: {:?}", site.body);
        Self {
            n,
            slug,
            product,
            customer,
            license,
            license_key,
            api_key: id_of(&key),
            webhook,
            delivery: id_of(&delivery),
            injectable: id_of(&injectable),
            site: site.data()["siteId"].as_str().expect("site id").to_owned(),
            payment: id_of(&payment),
        }
    }

    fn fill(&self, template: &str) -> String {
        template
            .replace("{product}", &self.product)
            .replace("{customer}", &self.customer)
            .replace("{licenseKey}", &self.license_key)
            .replace("{license}", &self.license)
            .replace("{key}", &self.api_key)
            .replace("{webhook}", &self.webhook)
            .replace("{delivery}", &self.delivery)
            .replace("{injectable}", &self.injectable)
            .replace("{site}", &self.site)
            .replace("{payment}", &self.payment)
            .replace("{productDomain}", PRODUCT_DOMAIN)
            .replace("{licenseDomain}", LICENSE_DOMAIN)
    }
}

fn injectable_body(slug: &str) -> Value {
    json!({"name": "Snippet", "slug": slug, "contentType": "text/plain", "content": "hello"})
}

fn id_of(reply: &Reply) -> String {
    reply.data()["id"].as_str().expect("id").to_owned()
}

/// One route of the matrix.
struct Route {
    method: &'static str,
    path: &'static str,
    /// Every scope the route needs.
    scopes: &'static [&'static str],
    body: fn(&Fixture) -> Option<Value>,
    success: u16,
}

fn no_body(_: &Fixture) -> Option<Value> {
    None
}

/// A digest of every tenant-owned row (without `lastUsedAt`, which reads update).
async fn state_digest(app: &TestApp) -> i64 {
    app.db
        .scalar(
            "SELECT ('x' || substr(md5(concat_ws('#', \
               coalesce((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM products t), '-'), \
               coalesce((SELECT string_agg(t::text, '|' ORDER BY t.product_id, t.domain) FROM product_domains t), '-'), \
               coalesce((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM customers t), '-'), \
               coalesce((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM licenses t), '-'), \
               coalesce((SELECT string_agg(t::text, '|' ORDER BY t.license_id, t.domain) FROM license_domains t), '-'), \
               coalesce((SELECT string_agg(t.id::text, '|' ORDER BY t.id) FROM outbox_events t), '-'), \
               coalesce((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM webhook_endpoints t), '-'), \
               coalesce((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM webhook_deliveries t), '-'), \
               coalesce((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM injectables t), '-'), \
               coalesce((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM sites t), '-'), \
               coalesce((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM site_actions t), '-'), \
               coalesce((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM payments t), '-'), \
               coalesce((SELECT string_agg((k.id, k.name, k.secret_hash, k.previous_secret_hash, \
                   k.previous_valid_until, k.scopes, k.product_id, k.expires_at, k.revoked_at)::text, \
                   '|' ORDER BY k.id) FROM api_keys k), '-') \
             )), 1, 15))::bit(60)::bigint AS value",
        )
        .await
}

/// API keys by scope set, created once per test through the session.
#[derive(Default)]
struct Keys(HashMap<Vec<String>, String>);

impl Keys {
    async fn with(&mut self, app: &TestApp, session: &str, scopes: &[&str]) -> String {
        let wanted: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        if let Some(secret) = self.0.get(&wanted) {
            return secret.clone();
        }
        let secret = app.api_key(session, scopes, None).await;
        self.0.insert(wanted, secret.clone());
        secret
    }
}

async fn send(app: &TestApp, route: &Route, fixture: &Fixture, secret: &str) -> Reply {
    app.request(
        route.method,
        &fixture.fill(route.path),
        Some(secret),
        (route.body)(fixture),
    )
    .await
}

/// A server without a webhook dispatcher, so that nothing changes state between the
/// digests but the request under test.
async fn quiet_app() -> TestApp {
    spawn_app_with(|s| s.webhooks.dispatcher = false).await
}

/// Runs the matrix for `routes` on one server.
async fn check_matrix(routes: &[Route]) {
    let app = quiet_app().await;
    let session = app.register("matrix@example.com").await;
    let mut keys = Keys::default();
    let mut n = 0;
    for route in routes {
        let label = format!(
            "{} {} ({})",
            route.method,
            route.path,
            route.scopes.join(" + ")
        );
        n += 1;
        let fixture = Fixture::new(&app, &session, n).await;

        // Missing any one required scope: 403, and nothing changes.
        for missing in route.scopes {
            let others: Vec<&str> = ALL_SCOPES
                .iter()
                .copied()
                .filter(|s| s != missing)
                .collect();
            let secret = keys.with(&app, &session, &others).await;
            let before = state_digest(&app).await;
            let reply = send(&app, route, &fixture, &secret).await;
            assert_eq!(
                reply.status, 403,
                "{label} without {missing}: {:?}",
                reply.body
            );
            assert_eq!(
                reply.code(),
                "INSUFFICIENT_SCOPE",
                "{label} without {missing}"
            );
            assert!(
                reply.body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(missing)),
                "{label}: the message names the missing scope {missing}: {:?}",
                reply.body
            );
            assert_eq!(
                state_digest(&app).await,
                before,
                "{label}: a refused request changed state"
            );
        }

        // Exactly the required scopes.
        let secret = keys.with(&app, &session, route.scopes).await;
        let before = state_digest(&app).await;
        let reply = send(&app, route, &fixture, &secret).await;
        assert_eq!(
            reply.status, route.success,
            "{label} with exactly its scopes: {:?}",
            reply.body
        );
        let writes = route.scopes.iter().any(|s| s.ends_with(":write"));
        if writes {
            assert_ne!(
                state_digest(&app).await,
                before,
                "{label}: the write happened"
            );
        }

        // `*` allows it too (on objects of its own: the first call may have consumed them).
        n += 1;
        let fixture = Fixture::new(&app, &session, n).await;
        let secret = keys.with(&app, &session, &["*"]).await;
        let reply = send(&app, route, &fixture, &secret).await;
        assert_eq!(
            reply.status, route.success,
            "{label} with *: {:?}",
            reply.body
        );
    }
}

#[tokio::test]
async fn product_routes_need_the_products_scopes() {
    check_matrix(&[
        Route {
            method: "GET",
            path: "/products",
            scopes: &["products:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/products/{product}",
            scopes: &["products:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/products/{product}/domains",
            scopes: &["products:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "POST",
            path: "/products",
            scopes: &["products:write"],
            body: |f| Some(json!({"name": "New", "slug": format!("new-{}", f.n)})),
            success: 201,
        },
        Route {
            method: "PUT",
            path: "/products/{product}",
            scopes: &["products:write"],
            body: |f| Some(json!({"name": "Replaced", "slug": f.slug})),
            success: 200,
        },
        Route {
            method: "PATCH",
            path: "/products/{product}",
            scopes: &["products:write"],
            body: |_| Some(json!({"name": "Renamed"})),
            success: 200,
        },
        Route {
            method: "DELETE",
            path: "/products/{product}?force=true",
            scopes: &["products:write"],
            body: no_body,
            success: 204,
        },
        Route {
            method: "POST",
            path: "/products/{product}/domains",
            scopes: &["products:write"],
            body: |_| Some(json!({"domain": "new.example.com"})),
            success: 201,
        },
        Route {
            method: "DELETE",
            path: "/products/{product}/domains/{productDomain}",
            scopes: &["products:write"],
            body: no_body,
            success: 204,
        },
    ])
    .await;
}

#[tokio::test]
async fn customer_routes_need_the_customers_scopes() {
    check_matrix(&[
        Route {
            method: "GET",
            path: "/customers",
            scopes: &["customers:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/customers/{customer}",
            scopes: &["customers:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/customers/{customer}/licenses",
            scopes: &["customers:read", "licenses:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "POST",
            path: "/customers",
            scopes: &["customers:write"],
            body: |f| Some(json!({"email": format!("new-{}@example.com", f.n), "name": "New"})),
            success: 201,
        },
        Route {
            method: "PUT",
            path: "/customers/{customer}",
            scopes: &["customers:write"],
            body: |f| Some(json!({"email": format!("c{}@example.com", f.n), "name": "Replaced"})),
            success: 200,
        },
        Route {
            method: "PATCH",
            path: "/customers/{customer}",
            scopes: &["customers:write"],
            body: |_| Some(json!({"name": "Renamed"})),
            success: 200,
        },
        Route {
            method: "DELETE",
            path: "/customers/{customer}",
            scopes: &["customers:write"],
            body: no_body,
            success: 204,
        },
    ])
    .await;
}

#[tokio::test]
async fn license_routes_need_the_licenses_scopes() {
    check_matrix(&[
        Route {
            method: "GET",
            path: "/licenses",
            scopes: &["licenses:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/licenses/{license}",
            scopes: &["licenses:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/licenses/{licenseKey}",
            scopes: &["licenses:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/licenses/{license}/domains",
            scopes: &["licenses:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/products/{product}/licenses",
            scopes: &["products:read", "licenses:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "POST",
            path: "/licenses",
            scopes: &["licenses:write"],
            body: |f| Some(json!({"productId": f.product, "plan": "Pro"})),
            success: 201,
        },
        Route {
            method: "POST",
            path: "/licenses/bulk",
            scopes: &["licenses:write"],
            body: |f| {
                Some(json!({"licenses": [{"productId": f.product}, {"productId": f.product}]}))
            },
            success: 201,
        },
        Route {
            method: "POST",
            path: "/products/{product}/licenses",
            scopes: &["licenses:write"],
            body: |_| Some(json!({"plan": "Pro"})),
            success: 201,
        },
        Route {
            method: "PATCH",
            path: "/licenses/{license}",
            scopes: &["licenses:write"],
            body: |_| Some(json!({"issuedTo": "Someone Else"})),
            success: 200,
        },
        Route {
            method: "PATCH",
            path: "/licenses/{license}/status",
            scopes: &["licenses:write"],
            body: |_| Some(json!({"status": "SUSPENDED"})),
            success: 200,
        },
        Route {
            method: "POST",
            path: "/licenses/{license}/renew",
            scopes: &["licenses:write"],
            body: |_| Some(json!({"extendDays": 30})),
            success: 200,
        },
        Route {
            method: "DELETE",
            path: "/licenses/{license}",
            scopes: &["licenses:write"],
            body: no_body,
            success: 204,
        },
        Route {
            method: "POST",
            path: "/licenses/{license}/domains",
            scopes: &["licenses:write"],
            body: |_| Some(json!({"domain": "other.example.com"})),
            success: 201,
        },
        Route {
            method: "DELETE",
            path: "/licenses/{license}/domains/{licenseDomain}",
            scopes: &["licenses:write"],
            body: no_body,
            success: 204,
        },
    ])
    .await;
}

#[tokio::test]
async fn api_key_routes_need_the_api_keys_scopes() {
    check_matrix(&[
        Route {
            method: "GET",
            path: "/api-keys",
            scopes: &["api_keys:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/api-keys/{key}",
            scopes: &["api_keys:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "POST",
            path: "/api-keys",
            scopes: &["api_keys:write"],
            body: |_| Some(json!({"name": "made by a key", "scopes": ["api_keys:write"]})),
            success: 201,
        },
        Route {
            method: "POST",
            path: "/api-keys/{key}/rotate",
            scopes: &["api_keys:write"],
            body: |_| Some(json!({})),
            success: 200,
        },
        Route {
            method: "DELETE",
            path: "/api-keys/{key}",
            scopes: &["api_keys:write"],
            body: no_body,
            success: 204,
        },
    ])
    .await;
}

#[tokio::test]
async fn webhook_routes_need_the_webhooks_scopes() {
    check_matrix(&[
        Route {
            method: "GET",
            path: "/webhooks",
            scopes: &["webhooks:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/webhooks/{webhook}",
            scopes: &["webhooks:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/webhooks/{webhook}/deliveries",
            scopes: &["webhooks:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "POST",
            path: "/webhooks",
            scopes: &["webhooks:write"],
            body: |_| Some(json!({"url": WEBHOOK_URL, "events": ["license.created"]})),
            success: 201,
        },
        Route {
            method: "PUT",
            path: "/webhooks/{webhook}",
            scopes: &["webhooks:write"],
            body: |_| Some(json!({"url": WEBHOOK_URL, "events": ["customer.created"]})),
            success: 200,
        },
        Route {
            method: "POST",
            path: "/webhooks/{webhook}/rotate-secret",
            scopes: &["webhooks:write"],
            body: |_| Some(json!({})),
            success: 200,
        },
        Route {
            method: "POST",
            path: "/webhooks/{webhook}/test",
            scopes: &["webhooks:write"],
            body: |_| Some(json!({})),
            success: 202,
        },
        Route {
            method: "POST",
            path: "/webhooks/{webhook}/deliveries/{delivery}/retry",
            scopes: &["webhooks:write"],
            body: |_| Some(json!({})),
            success: 202,
        },
        Route {
            method: "DELETE",
            path: "/webhooks/{webhook}",
            scopes: &["webhooks:write"],
            body: no_body,
            success: 204,
        },
    ])
    .await;
}

#[tokio::test]
async fn injectable_routes_need_the_injectables_scopes() {
    check_matrix(&[
        Route {
            method: "GET",
            path: "/products/{product}/injectables",
            scopes: &["injectables:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/injectables/{injectable}",
            scopes: &["injectables:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "POST",
            path: "/products/{product}/injectables",
            scopes: &["injectables:write"],
            body: |_| Some(injectable_body("another")),
            success: 201,
        },
        Route {
            method: "PUT",
            path: "/injectables/{injectable}",
            scopes: &["injectables:write"],
            body: |_| Some(injectable_body("renamed")),
            success: 200,
        },
        Route {
            method: "DELETE",
            path: "/injectables/{injectable}",
            scopes: &["injectables:write"],
            body: no_body,
            success: 204,
        },
    ])
    .await;
}

#[tokio::test]
async fn site_routes_need_the_sites_scopes() {
    check_matrix(&[
        Route {
            method: "GET",
            path: "/sites",
            scopes: &["sites:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/sites/{site}",
            scopes: &["sites:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "POST",
            path: "/sites/{site}/actions",
            scopes: &["sites:write"],
            body: |_| Some(json!({"type": "message", "payload": {"text": "hello"}})),
            success: 201,
        },
        Route {
            method: "DELETE",
            path: "/sites/{site}",
            scopes: &["sites:write"],
            body: no_body,
            success: 204,
        },
    ])
    .await;
}

#[tokio::test]
async fn write_does_not_imply_read() {
    let app = quiet_app().await;
    let session = app.register("ada@example.com").await;
    let fixture = Fixture::new(&app, &session, 1).await;
    for (resource, list, one) in [
        ("licenses", "/licenses", "/licenses/{license}"),
        ("products", "/products", "/products/{product}"),
        ("customers", "/customers", "/customers/{customer}"),
        ("api_keys", "/api-keys", "/api-keys/{key}"),
    ] {
        let write = format!("{resource}:write");
        let secret = app.api_key(&session, &[write.as_str()], None).await;
        for path in [list.to_owned(), fixture.fill(one)] {
            let reply = app.get(&path, &secret).await;
            assert_eq!(
                reply.status, 403,
                "GET {path} with {write}: {:?}",
                reply.body
            );
            assert_eq!(
                reply.code(),
                "INSUFFICIENT_SCOPE",
                "GET {path} with {write}"
            );
        }
    }
}

#[tokio::test]
async fn read_does_not_allow_writes() {
    let app = quiet_app().await;
    let session = app.register("ada@example.com").await;
    let fixture = Fixture::new(&app, &session, 1).await;
    let product = fixture.product.clone();
    for (scope, path, body) in [
        (
            "licenses:read",
            "/licenses".to_owned(),
            json!({"productId": product}),
        ),
        (
            "products:read",
            "/products".to_owned(),
            json!({"name": "P", "slug": "read-only"}),
        ),
        (
            "customers:read",
            "/customers".to_owned(),
            json!({"email": "r@example.com", "name": "R"}),
        ),
        (
            "api_keys:read",
            "/api-keys".to_owned(),
            json!({"name": "k", "scopes": ["api_keys:read"]}),
        ),
    ] {
        let secret = app.api_key(&session, &[scope], None).await;
        let before = state_digest(&app).await;
        let reply = app.post(&path, &secret, body).await;
        assert_eq!(
            reply.status, 403,
            "POST {path} with {scope}: {:?}",
            reply.body
        );
        assert_eq!(
            reply.code(),
            "INSUFFICIENT_SCOPE",
            "POST {path} with {scope}"
        );
        assert_eq!(
            state_digest(&app).await,
            before,
            "POST {path} with {scope} changed state"
        );
    }
}

#[tokio::test]
async fn a_star_key_reaches_every_management_route() {
    let app = quiet_app().await;
    let session = app.register("ada@example.com").await;
    let fixture = Fixture::new(&app, &session, 1).await;
    let star = app.api_key(&session, &["*"], None).await;
    for path in [
        "/products",
        "/products/{product}",
        "/products/{product}/domains",
        "/products/{product}/licenses",
        "/customers",
        "/customers/{customer}",
        "/customers/{customer}/licenses",
        "/licenses",
        "/licenses/{license}",
        "/licenses/{licenseKey}",
        "/licenses/{license}/domains",
        "/api-keys",
        "/api-keys/{key}",
        "/webhooks",
        "/webhooks/{webhook}",
        "/webhooks/{webhook}/deliveries",
        "/products/{product}/injectables",
        "/injectables/{injectable}",
        "/sites",
        "/sites/{site}",
        "/auth/me",
    ] {
        let path = fixture.fill(path);
        let reply = app.get(&path, &star).await;
        assert_eq!(reply.status, 200, "GET {path} with *: {:?}", reply.body);
    }
}

#[tokio::test]
async fn payment_routes_need_the_payments_scopes() {
    check_matrix(&[
        Route {
            method: "GET",
            path: "/payments",
            scopes: &["payments:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/payments/{payment}",
            scopes: &["payments:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/licenses/{license}/payment-status",
            scopes: &["payments:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "POST",
            path: "/payments",
            scopes: &["payments:write"],
            body: |f| {
                Some(json!({"productId": f.product, "licenseId": f.license,
                            "customerId": f.customer, "amount": 1999, "currency": "USD",
                            "status": "succeeded", "provider": "stripe",
                            "providerRef": format!("pi_{}", f.n)}))
            },
            success: 201,
        },
        Route {
            method: "PATCH",
            path: "/payments/{payment}",
            scopes: &["payments:write"],
            body: |_| Some(json!({"status": "succeeded"})),
            success: 200,
        },
    ])
    .await;
}

#[tokio::test]
async fn analytics_routes_need_the_analytics_scope() {
    check_matrix(&[
        Route {
            method: "GET",
            path: "/analytics/licenses",
            scopes: &["analytics:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/analytics/users?productId={product}",
            scopes: &["analytics:read"],
            body: no_body,
            success: 200,
        },
        Route {
            method: "GET",
            path: "/analytics/revenue?from=2026-01-01&to=2026-01-31",
            scopes: &["analytics:read"],
            body: no_body,
            success: 200,
        },
    ])
    .await;
}
