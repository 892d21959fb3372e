//! `GET /v1/analytics/licenses` and `/users`: exact counts, zero-filled days, the
//! `from`/`to`/`productId` filters, tenant isolation and product-scoped keys.

use licentia_test_support::{TestApp, spawn_app};
use serde_json::{Value, json};

use crate::fixtures::{ask, licensed};
use crate::payments::{MADE_UP, id_of};

/// The `daily` counts of a series.
pub(crate) fn counts(series: &Value, key: &str) -> Vec<i64> {
    series["daily"]
        .as_array()
        .expect("daily")
        .iter()
        .map(|d| d[key].as_i64().expect("a number"))
        .collect()
}

async fn report(app: &TestApp, path: &str, credential: &str) -> Value {
    let reply = app.get(path, credential).await;
    assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
    reply.data().clone()
}

/// Creates a license of `product` and moves it to `status`, created at `created`.
async fn license_at(
    app: &TestApp,
    token: &str,
    product: &str,
    status: &str,
    created: &str,
) -> String {
    let id = id_of(&app.license(token, product, json!({})).await);
    app.db
        .execute(&format!(
            "UPDATE licenses SET status = '{status}', created_at = '{created}' WHERE id = '{id}'"
        ))
        .await;
    id
}

async fn validated(app: &TestApp, license: &str, day: &str, count: i64) {
    app.db
        .execute(&format!(
            "INSERT INTO license_validation_days (license_id, day, count) \
             VALUES ('{license}', '{day}', {count})"
        ))
        .await;
}

/// Two products of one vendor, with licenses created and validated in March 2026, and
/// a second vendor whose numbers must never show.
struct March {
    token: String,
    app_product: String,
    tool_product: String,
}

async fn march(app: &TestApp) -> March {
    let token = app.register("vendor@example.com").await;
    let app_product = app.product(&token, "app").await;
    let tool_product = app.product(&token, "tool").await;
    let a1 = license_at(app, &token, &app_product, "ACTIVE", "2026-03-02T08:00:00Z").await;
    let a2 = license_at(
        app,
        &token,
        &app_product,
        "SUSPENDED",
        "2026-03-02T23:59:59Z",
    )
    .await;
    let a3 = license_at(app, &token, &app_product, "ACTIVE", "2026-03-04T00:00:00Z").await;
    let t1 = license_at(
        app,
        &token,
        &tool_product,
        "REVOKED",
        "2026-02-01T12:00:00Z",
    )
    .await;
    // Stored ACTIVE but past its expiry: EXPIRED for every reader. REVOKED stays REVOKED.
    app.db
        .execute(&format!(
            "UPDATE licenses SET expires_at = '2026-03-10T00:00:00Z' WHERE id IN ('{a3}', '{t1}')"
        ))
        .await;
    app.db
        .execute(&format!(
            "UPDATE licenses SET activation_count = 2 WHERE id = '{a1}'"
        ))
        .await;
    validated(app, &a1, "2026-03-02", 5).await;
    validated(app, &a1, "2026-03-03", 2).await;
    validated(app, &a2, "2026-03-03", 4).await;
    validated(app, &t1, "2026-03-05", 7).await;
    validated(app, &a1, "2026-02-28", 100).await;

    let other = app.register("other@example.com").await;
    let theirs = app.product(&other, "theirs").await;
    let o1 = license_at(app, &other, &theirs, "ACTIVE", "2026-03-03T10:00:00Z").await;
    validated(app, &o1, "2026-03-03", 1000).await;
    March {
        token,
        app_product,
        tool_product,
    }
}

const MARCH: &str = "from=2026-03-01&to=2026-03-05";

#[tokio::test]
async fn the_licenses_report_counts_statuses_seats_and_zero_filled_days() {
    let app = spawn_app().await;
    let m = march(&app).await;
    let data = report(&app, &format!("/analytics/licenses?{MARCH}"), &m.token).await;
    assert_eq!(data["from"], "2026-03-01");
    assert_eq!(data["to"], "2026-03-05");
    assert_eq!(data["productId"], Value::Null);
    assert_eq!(data["total"], 4);
    assert_eq!(
        data["byStatus"],
        json!({"ACTIVE": 1, "INACTIVE": 0, "SUSPENDED": 1, "REVOKED": 1, "EXPIRED": 1})
    );
    assert_eq!(data["activations"], 2);
    assert_eq!(counts(&data["created"], "count"), vec![0, 2, 0, 1, 0]);
    assert_eq!(data["created"]["total"], 3);
    assert_eq!(data["created"]["daily"][1]["date"], "2026-03-02");
    assert_eq!(counts(&data["validations"], "count"), vec![0, 5, 6, 0, 7]);
    assert_eq!(data["validations"]["total"], 18);
    assert_eq!(
        data["topProducts"],
        json!([
            {"productId": m.app_product, "licenses": 3, "created": 3, "validations": 11},
            {"productId": m.tool_product, "licenses": 1, "created": 0, "validations": 7},
        ])
    );
}

#[tokio::test]
async fn the_licenses_report_narrows_to_a_product_and_to_the_range() {
    let app = spawn_app().await;
    let m = march(&app).await;
    let data = report(
        &app,
        &format!("/analytics/licenses?{MARCH}&productId={}", m.tool_product),
        &m.token,
    )
    .await;
    assert_eq!(data["productId"], m.tool_product.as_str());
    assert_eq!(data["total"], 1);
    assert_eq!(data["byStatus"]["REVOKED"], 1);
    assert_eq!(counts(&data["validations"], "count"), vec![0, 0, 0, 0, 7]);
    assert_eq!(data["topProducts"].as_array().map(Vec::len), Some(1));

    let one_day = report(
        &app,
        "/analytics/licenses?from=2026-03-02T00:00:00Z&to=2026-03-02",
        &m.token,
    )
    .await;
    assert_eq!(counts(&one_day["created"], "count"), vec![2]);
    assert_eq!(counts(&one_day["validations"], "count"), vec![5]);
}

#[tokio::test]
async fn a_product_scoped_key_sees_its_product_only() {
    let app = spawn_app().await;
    let m = march(&app).await;
    let key = app
        .api_key(&m.token, &["analytics:read"], Some(&m.app_product))
        .await;
    let data = report(&app, &format!("/analytics/licenses?{MARCH}"), &key).await;
    assert_eq!(data["productId"], m.app_product.as_str());
    assert_eq!(data["total"], 3);
    assert_eq!(data["validations"]["total"], 11);
    let own = report(
        &app,
        &format!("/analytics/licenses?{MARCH}&productId={}", m.app_product),
        &key,
    )
    .await;
    assert_eq!(own["total"], 3);

    for path in ["licenses", "users", "revenue"] {
        let reply = app
            .get(
                &format!("/analytics/{path}?productId={}", m.tool_product),
                &key,
            )
            .await;
        assert_eq!(reply.status, 404, "{path}: {:?}", reply.body);
        assert_eq!(reply.code(), "PRODUCT_NOT_FOUND");
    }
}

#[tokio::test]
async fn another_accounts_or_an_unknown_product_is_not_found() {
    let app = spawn_app().await;
    let m = march(&app).await;
    let other = app.register("third@example.com").await;
    let theirs = app.product(&other, "secret").await;
    for product in [theirs.as_str(), MADE_UP] {
        for path in ["licenses", "users", "revenue"] {
            let reply = app
                .get(&format!("/analytics/{path}?productId={product}"), &m.token)
                .await;
            assert_eq!(reply.status, 404, "{path}: {:?}", reply.body);
            assert_eq!(reply.code(), "PRODUCT_NOT_FOUND");
        }
    }
    let reply = app
        .get("/analytics/licenses?productId=nope", &m.token)
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.code(), "INVALID_QUERY");
}

#[tokio::test]
async fn ranges_default_to_the_last_thirty_days_and_bad_ranges_are_refused() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    app.license(&token, &product, json!({})).await;
    let data = report(&app, "/analytics/licenses", &token).await;
    let today = time::OffsetDateTime::now_utc().date();
    let daily = data["created"]["daily"].as_array().expect("daily").clone();
    assert_eq!(daily.len(), 30);
    assert_eq!(daily[29]["date"], today.to_string());
    assert_eq!(daily[29]["count"], 1);
    assert_eq!(data["to"], today.to_string());

    for (query, status, code, field) in [
        (
            "from=2026-03-02&to=2026-03-01",
            422,
            "VALIDATION_FAILED",
            Some("from"),
        ),
        (
            "from=2025-01-01&to=2026-01-02",
            422,
            "VALIDATION_FAILED",
            Some("to"),
        ),
        ("from=March", 400, "INVALID_QUERY", None),
        ("to=2026-02-30", 400, "INVALID_QUERY", None),
    ] {
        for path in ["licenses", "users", "revenue"] {
            let reply = app.get(&format!("/analytics/{path}?{query}"), &token).await;
            assert_eq!(reply.status, status, "{path}?{query}: {:?}", reply.body);
            assert_eq!(reply.code(), code);
            assert!(reply.body["message"].is_string());
            if let Some(field) = field {
                assert_eq!(reply.body["details"][0]["field"], field);
            }
        }
    }
    let longest = report(
        &app,
        "/analytics/users?from=2025-01-02&to=2026-01-02",
        &token,
    )
    .await;
    assert_eq!(longest["new"]["daily"].as_array().map(Vec::len), Some(366));
}

#[tokio::test]
async fn validations_flushed_by_the_runtime_are_counted_on_their_day() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    for _ in 0..3 {
        app.runtime("/licenses/validate", ask(l.key(), json!({})))
            .await;
    }
    let mut total = 0;
    for _ in 0..50 {
        let data = report(&app, "/analytics/licenses", &l.token).await;
        total = data["validations"]["total"].as_i64().unwrap_or(0);
        if total >= 3 {
            assert_eq!(data["validations"]["daily"][29]["count"], 3);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(total, 3);
}

async fn customer_at(app: &TestApp, token: &str, email: &str, created: &str) -> String {
    let reply = app
        .post(
            "/customers",
            token,
            json!({"email": email, "name": "Buyer"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let id = id_of(reply.data());
    app.db
        .execute(&format!(
            "UPDATE customers SET created_at = '{created}' WHERE id = '{id}'"
        ))
        .await;
    id
}

#[tokio::test]
async fn the_users_report_counts_customers_new_per_day_and_with_active_licenses() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let app_product = app.product(&token, "app").await;
    let tool_product = app.product(&token, "tool").await;
    let ada = customer_at(&app, &token, "ada@example.com", "2026-03-01T09:00:00Z").await;
    let bob = customer_at(&app, &token, "bob@example.com", "2026-03-03T09:00:00Z").await;
    let cy = customer_at(&app, &token, "cy@example.com", "2026-03-03T19:00:00Z").await;
    customer_at(&app, &token, "old@example.com", "2025-12-01T09:00:00Z").await;
    // Ada: an active license of the app, twice (counted once). Bob: a suspended one of
    // the app. Cy: an active tool license that has expired.
    for _ in 0..2 {
        app.license(&token, &app_product, json!({"customerId": ada}))
            .await;
    }
    let suspended = app
        .license(&token, &app_product, json!({"customerId": bob}))
        .await;
    app.db
        .execute(&format!(
            "UPDATE licenses SET status = 'SUSPENDED' WHERE id = '{}'",
            id_of(&suspended)
        ))
        .await;
    let expired = app
        .license(&token, &tool_product, json!({"customerId": cy}))
        .await;
    app.db
        .execute(&format!(
            "UPDATE licenses SET status = 'ACTIVE', expires_at = now() - interval '1 day' WHERE id = '{}'",
            id_of(&expired)
        ))
        .await;
    let other = app.register("other@example.com").await;
    customer_at(&app, &other, "theirs@example.com", "2026-03-02T09:00:00Z").await;

    let data = report(&app, &format!("/analytics/users?{MARCH}"), &token).await;
    assert_eq!(data["total"], 4);
    assert_eq!(data["withActiveLicenses"], 1);
    assert_eq!(counts(&data["new"], "count"), vec![1, 0, 2, 0, 0]);
    assert_eq!(data["new"]["total"], 3);

    let app_only = report(
        &app,
        &format!("/analytics/users?{MARCH}&productId={app_product}"),
        &token,
    )
    .await;
    assert_eq!(app_only["total"], 2);
    assert_eq!(app_only["withActiveLicenses"], 1);
    assert_eq!(counts(&app_only["new"], "count"), vec![1, 0, 1, 0, 0]);

    let tool_only = report(
        &app,
        &format!("/analytics/users?{MARCH}&productId={tool_product}"),
        &token,
    )
    .await;
    assert_eq!(tool_only["total"], 1);
    assert_eq!(tool_only["withActiveLicenses"], 0);
}

#[tokio::test]
async fn counters_added_to_in_place_count_their_new_total_and_survive_their_license() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let kept = id_of(&app.license(&token, &product, json!({})).await);
    let deleted = id_of(&app.license(&token, &product, json!({})).await);
    validated(&app, &kept, "2026-03-02", 5).await;
    validated(&app, &deleted, "2026-03-02", 1).await;
    // What the runtime's flush does with a counter that already has a row.
    app.db
        .execute(&format!(
            "INSERT INTO license_validation_days (license_id, day, count) \
             VALUES ('{kept}', '2026-03-02', 4), ('{kept}', '2026-03-03', 2) \
             ON CONFLICT (license_id, day) DO UPDATE \
             SET count = license_validation_days.count + EXCLUDED.count"
        ))
        .await;
    let reply = app.delete(&format!("/licenses/{deleted}"), &token).await;
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    let data = report(&app, &format!("/analytics/licenses?{MARCH}"), &token).await;
    assert_eq!(counts(&data["validations"], "count"), vec![0, 10, 2, 0, 0]);
    assert_eq!(data["total"], 1);
}

#[tokio::test]
async fn a_counter_moved_to_another_day_or_product_leaves_its_old_one() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let first = app.product(&token, "app").await;
    let second = app.product(&token, "tool").await;
    let moving_day = id_of(&app.license(&token, &first, json!({})).await);
    let staying = id_of(&app.license(&token, &first, json!({})).await);
    let other = id_of(&app.license(&token, &second, json!({})).await);
    validated(&app, &moving_day, "2026-03-02", 5).await;
    validated(&app, &staying, "2026-03-02", 3).await;
    // One statement: a count moved a day on, a count moved to another product's
    // license, and an unchanged row.
    app.db
        .execute(&format!(
            "UPDATE license_validation_days SET \
             day = CASE WHEN license_id = '{moving_day}' THEN date '2026-03-04' ELSE day END, \
             license_id = CASE WHEN license_id = '{staying}' THEN '{other}'::uuid ELSE license_id END"
        ))
        .await;
    let of = |product: &str| format!("/analytics/licenses?{MARCH}&productId={product}");
    let first_days = report(&app, &of(&first), &token).await;
    assert_eq!(
        counts(&first_days["validations"], "count"),
        vec![0, 0, 0, 5, 0]
    );
    let second_days = report(&app, &of(&second), &token).await;
    assert_eq!(
        counts(&second_days["validations"], "count"),
        vec![0, 3, 0, 0, 0]
    );
}
