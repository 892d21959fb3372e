//! `GET /v1/analytics/stats`: platform totals, for admins only.

use licentia_test_support::{TestApp, spawn_app};
use serde_json::json;

use crate::payments::id_of;

async fn make_admin(app: &TestApp, email: &str) {
    app.db
        .execute(&format!(
            "UPDATE users SET role = 'admin' WHERE email = '{email}'"
        ))
        .await;
}

#[tokio::test]
async fn stats_are_for_admins_only_and_count_every_account() {
    let app = spawn_app().await;
    let vendor = app.register("vendor@example.com").await;
    let product = app.product(&vendor, "app").await;
    let active = id_of(&app.license(&vendor, &product, json!({})).await);
    let suspended = id_of(&app.license(&vendor, &product, json!({})).await);
    let ops = app.register("ops@example.com").await;
    let ops_product = app.product(&ops, "tools").await;
    let expired = id_of(&app.license(&ops, &ops_product, json!({})).await);
    app.db
        .execute(&format!(
            "UPDATE licenses SET status = 'ACTIVE', activation_count = 1 WHERE id = '{active}'; \
             UPDATE licenses SET status = 'SUSPENDED', activation_count = 2 WHERE id = '{suspended}'; \
             UPDATE licenses SET status = 'ACTIVE', expires_at = now() - interval '1 hour' WHERE id = '{expired}'; \
             INSERT INTO license_validation_days (license_id, day, count) VALUES \
               ('{active}', (now() AT TIME ZONE 'UTC')::date, 5), \
               ('{expired}', (now() AT TIME ZONE 'UTC')::date - 1, 3), \
               ('{suspended}', (now() AT TIME ZONE 'UTC')::date - 2, 100)"
        ))
        .await;

    for credential in [vendor.clone(), app.api_key(&vendor, &["*"], None).await] {
        let reply = app.get("/analytics/stats", &credential).await;
        assert_eq!(reply.status, 403, "{:?}", reply.body);
        assert_eq!(reply.code(), "ADMIN_ONLY");
    }
    let reply = app.get("/analytics/stats", "").await;
    assert_eq!(reply.status, 401);

    make_admin(&app, "ops@example.com").await;
    // No scope is needed beyond being an admin: a key with an unrelated scope works.
    let ops_key = app.api_key(&ops, &["products:read"], None).await;
    for credential in [ops, ops_key] {
        let reply = app.get("/analytics/stats", &credential).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(
            reply.data(),
            &json!({
                "users": 2,
                "products": 2,
                "licenses": {"total": 3, "byStatus": {
                    "ACTIVE": 1, "INACTIVE": 0, "SUSPENDED": 1, "REVOKED": 0, "EXPIRED": 1}},
                "activations": 3,
                "validationsLast24h": 8,
            })
        );
    }
}
