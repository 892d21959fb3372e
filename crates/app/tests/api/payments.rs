//! Payments: recording with every field, validation of each field, references within
//! the account, filters and pagination, the status lifecycle, and one payment per
//! provider reference even under parallel retries.

use futures_util::future::join_all;
use licentia_test_support::{Reply, TestApp, read, spawn_app};
use serde_json::{Value, json};

/// A UUID (v7 shaped) that no test ever creates.
pub(crate) const MADE_UP: &str = "0190a000-0000-7000-8000-00000000dead";

/// A vendor with a product, a customer, and a license of that customer.
pub(crate) struct Shop {
    pub(crate) token: String,
    pub(crate) product: String,
    pub(crate) customer: String,
    pub(crate) license: String,
}

pub(crate) fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

/// Registers `email` and sets up its shop.
pub(crate) async fn shop(app: &TestApp, email: &str) -> Shop {
    let token = app.register(email).await;
    let product = app.product(&token, "app").await;
    let customer = app
        .post(
            "/customers",
            &token,
            json!({"email": format!("buyer-{email}"), "name": "Buyer"}),
        )
        .await;
    assert_eq!(customer.status, 201, "{:?}", customer.body);
    let customer = id_of(customer.data());
    let license = id_of(
        &app.license(&token, &product, json!({"customerId": customer}))
            .await,
    );
    Shop {
        token,
        product,
        customer,
        license,
    }
}

/// A valid body for `shop`'s license, with `extra` merged in.
pub(crate) fn body(shop: &Shop, extra: Value) -> Value {
    let mut body = json!({"productId": shop.product, "licenseId": shop.license,
                          "amount": 4900, "currency": "EUR", "status": "succeeded"});
    if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        target.extend(extra.clone());
    }
    body
}

/// Records a payment and returns its JSON.
pub(crate) async fn pay(app: &TestApp, shop: &Shop, extra: Value) -> Value {
    let reply = app.post("/payments", &shop.token, body(shop, extra)).await;
    assert_eq!(reply.status, 201, "record payment: {:?}", reply.body);
    reply.data().clone()
}

pub(crate) async fn count(app: &TestApp, sql_where: &str) -> i64 {
    app.db
        .scalar(&format!(
            "SELECT count(*) AS value FROM payments WHERE {sql_where}"
        ))
        .await
}

fn detail_fields(reply: &Reply) -> Vec<String> {
    reply.body["details"]
        .as_array()
        .expect("details on a 422")
        .iter()
        .filter_map(|d| d["field"].as_str().map(str::to_owned))
        .collect()
}

fn ids(reply: &Reply) -> Vec<String> {
    reply
        .data()
        .as_array()
        .expect("a list")
        .iter()
        .map(id_of)
        .collect()
}

#[tokio::test]
async fn recording_a_payment_stores_every_field_and_announces_it_in_the_outbox() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let reply = app
        .post(
            "/payments",
            &shop.token,
            body(
                &shop,
                json!({"customerId": shop.customer, "amount": 1999, "currency": "USD",
                       "provider": "stripe", "providerRef": "pi_123",
                       "paidAt": "2026-11-01T10:00:00Z", "periodEnd": "2036-12-01T10:00:00+01:00",
                       "metadata": {"invoice": "F-1"}}),
            ),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let p = reply.data();
    assert_eq!(p["productId"], shop.product.as_str());
    assert_eq!(p["licenseId"], shop.license.as_str());
    assert_eq!(p["customerId"], shop.customer.as_str());
    assert_eq!(p["amount"], 1999);
    assert_eq!(p["currency"], "USD");
    assert_eq!(p["status"], "succeeded");
    assert_eq!(p["provider"], "stripe");
    assert_eq!(p["providerRef"], "pi_123");
    assert_eq!(p["paidAt"], "2026-11-01T10:00:00Z");
    assert_eq!(p["periodEnd"], "2036-12-01T09:00:00Z");
    assert_eq!(p["metadata"], json!({"invoice": "F-1"}));
    assert!(p["createdAt"].as_str().is_some_and(|t| t.ends_with('Z')));
    let id = id_of(p);
    assert_eq!(
        count(
            &app,
            &format!(
                "id = '{id}' AND amount = 1999 AND currency = 'USD' AND status = 'succeeded' \
                 AND provider_ref = 'pi_123' AND license_id = '{}' AND customer_id = '{}'",
                shop.license, shop.customer
            )
        )
        .await,
        1
    );
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM outbox_events WHERE event_type = 'payment.created' \
                 AND data->>'id' = '{id}' AND (data->>'amount')::bigint = 1999 \
                 AND product_id = '{}'",
                shop.product
            ))
            .await,
        1
    );
    let read = app.get(&format!("/payments/{id}"), &shop.token).await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    assert_eq!(read.data(), p);
}

#[tokio::test]
async fn a_success_is_dated_now_a_pending_payment_is_not_and_the_license_customer_is_taken() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let succeeded = pay(&app, &shop, json!({})).await;
    assert_eq!(succeeded["paidAt"], succeeded["createdAt"]);
    assert_eq!(succeeded["customerId"], shop.customer.as_str());
    let pending = pay(&app, &shop, json!({"status": "pending"})).await;
    assert_eq!(pending["paidAt"], Value::Null);
    let bare = pay(&app, &shop, json!({"licenseId": null, "status": "failed"})).await;
    assert_eq!(bare["licenseId"], Value::Null);
    assert_eq!(bare["customerId"], Value::Null);
    assert_eq!(bare["provider"], Value::Null);
    assert_eq!(bare["metadata"], json!({}));
}

#[tokio::test]
async fn every_invalid_field_is_refused_with_422_naming_it_and_nothing_is_stored() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({"amount": 19.99}), "amount"),
        (json!({"amount": 10.0}), "amount"),
        (json!({"amount": "1999"}), "amount"),
        (json!({"amount": 0}), "amount"),
        (json!({"amount": -500}), "amount"),
        (json!({"amount": 18_446_744_073_709_551_615_u64}), "amount"),
        (json!({"amount": null}), "amount"),
        (json!({"currency": "eur"}), "currency"),
        (json!({"currency": "EURO"}), "currency"),
        (json!({"currency": "ABC"}), "currency"),
        (json!({"currency": null}), "currency"),
        (json!({"status": "paid"}), "status"),
        (json!({"status": "SUCCEEDED"}), "status"),
        (json!({"status": null}), "status"),
        (json!({"productId": null}), "productId"),
        (json!({"productId": "not-a-uuid"}), "productId"),
        (json!({"licenseId": "not-a-uuid"}), "licenseId"),
        (json!({"customerId": "not-a-uuid"}), "customerId"),
        (json!({"provider": "  "}), "provider"),
        (json!({"providerRef": "x".repeat(256)}), "providerRef"),
        (json!({"paidAt": "yesterday"}), "paidAt"),
        (json!({"periodEnd": "2026-13-01"}), "periodEnd"),
        (json!({"metadata": [1, 2]}), "metadata"),
    ];
    for (extra, field) in cases {
        let reply = app
            .post("/payments", &shop.token, body(&shop, extra.clone()))
            .await;
        assert_eq!(reply.status, 422, "{extra}: {:?}", reply.body);
        assert_eq!(reply.code(), "VALIDATION_FAILED", "{extra}");
        assert_eq!(detail_fields(&reply), vec![field.to_owned()], "{extra}");
    }
    let all = app.post("/payments", &shop.token, json!({})).await;
    assert_eq!(all.status, 422);
    assert_eq!(
        detail_fields(&all),
        vec!["productId", "amount", "currency", "status"]
    );
    assert_eq!(count(&app, "true").await, 0);
}

#[tokio::test]
async fn references_that_do_not_exist_or_do_not_match_are_refused_on_their_field() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let other_product = app.product(&shop.token, "other").await;
    let cases = [
        (
            json!({"productId": MADE_UP, "licenseId": null}),
            "productId",
        ),
        (json!({"licenseId": MADE_UP}), "licenseId"),
        (json!({"customerId": MADE_UP}), "customerId"),
        (json!({"productId": other_product}), "licenseId"),
    ];
    for (extra, field) in cases {
        let reply = app
            .post("/payments", &shop.token, body(&shop, extra.clone()))
            .await;
        assert_eq!(reply.status, 422, "{extra}: {:?}", reply.body);
        assert_eq!(detail_fields(&reply), vec![field.to_owned()], "{extra}");
    }
    assert_eq!(count(&app, "true").await, 0);
}

#[tokio::test]
async fn payments_are_listed_newest_first_filtered_and_paginated() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let other_product = app.product(&shop.token, "other").await;
    let other_license = id_of(&app.license(&shop.token, &other_product, json!({})).await);
    let first = id_of(&pay(&app, &shop, json!({"provider": "stripe"})).await);
    let second = id_of(&pay(&app, &shop, json!({"status": "pending", "currency": "USD"})).await);
    let third = id_of(
        &pay(
            &app,
            &shop,
            json!({"productId": other_product, "licenseId": other_license, "provider": "paddle"}),
        )
        .await,
    );
    let fourth = id_of(&pay(&app, &shop, json!({"licenseId": null, "status": "failed"})).await);

    let all = app.get("/payments", &shop.token).await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    assert_eq!(
        ids(&all).iter().collect::<Vec<_>>(),
        vec![&fourth, &third, &second, &first]
    );
    assert_eq!(
        all.body["meta"],
        json!({"page": 1, "perPage": 20, "total": 4, "totalPages": 1})
    );

    let filters = [
        (format!("productId={other_product}"), vec![&third]),
        (format!("licenseId={}", shop.license), vec![&second, &first]),
        (
            format!("customerId={}", shop.customer),
            vec![&second, &first],
        ),
        ("status=pending".to_owned(), vec![&second]),
        ("status=failed".to_owned(), vec![&fourth]),
        ("currency=USD".to_owned(), vec![&second]),
        ("provider=paddle".to_owned(), vec![&third]),
        ("provider=Paddle".to_owned(), vec![&third]),
        (
            format!("productId={}&status=succeeded", shop.product),
            vec![&first],
        ),
    ];
    for (query, expected) in filters {
        let reply = app.get(&format!("/payments?{query}"), &shop.token).await;
        assert_eq!(reply.status, 200, "{query}: {:?}", reply.body);
        assert_eq!(ids(&reply).iter().collect::<Vec<_>>(), expected, "{query}");
        assert_eq!(reply.body["meta"]["total"], expected.len(), "{query}");
    }

    let page = app.get("/payments?perPage=3&page=2", &shop.token).await;
    assert_eq!(ids(&page).iter().collect::<Vec<_>>(), vec![&first]);
    assert_eq!(
        page.body["meta"],
        json!({"page": 2, "perPage": 3, "total": 4, "totalPages": 2})
    );

    for bad in [
        "status=paid",
        "currency=eur",
        "productId=x",
        "licenseId=x",
        "customerId=x",
        "perPage=0",
    ] {
        let reply = app.get(&format!("/payments?{bad}"), &shop.token).await;
        assert_eq!(reply.status, 400, "{bad}: {:?}", reply.body);
        assert_eq!(reply.code(), "INVALID_QUERY", "{bad}");
    }
}

#[tokio::test]
async fn a_missing_payment_is_payment_not_found() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    for path in [format!("/payments/{MADE_UP}"), "/payments/nope".to_owned()] {
        let read = app.get(&path, &shop.token).await;
        assert_eq!(read.status, 404, "{path}: {:?}", read.body);
        assert_eq!(read.code(), "PAYMENT_NOT_FOUND");
        let patched = app
            .patch(&path, &shop.token, json!({"status": "failed"}))
            .await;
        assert_eq!(patched.status, 404, "{path}: {:?}", patched.body);
        assert_eq!(patched.code(), "PAYMENT_NOT_FOUND");
    }
}

/// Sets `id`'s status; returns the reply.
async fn set_status(app: &TestApp, shop: &Shop, id: &str, status: &str) -> Reply {
    app.patch(
        &format!("/payments/{id}"),
        &shop.token,
        json!({"status": status}),
    )
    .await
}

#[tokio::test]
async fn the_status_follows_the_lifecycle_and_illegal_moves_are_409() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let id = id_of(&pay(&app, &shop, json!({"status": "pending"})).await);

    let same = set_status(&app, &shop, &id, "pending").await;
    assert_eq!(same.status, 200, "{:?}", same.body);
    assert_eq!(same.data()["status"], "pending");

    for illegal in ["refunded"] {
        let reply = set_status(&app, &shop, &id, illegal).await;
        assert_eq!(reply.status, 409, "pending → {illegal}: {:?}", reply.body);
        assert_eq!(reply.code(), "INVALID_STATUS_TRANSITION");
    }
    assert_eq!(
        count(&app, &format!("id = '{id}' AND status = 'pending'")).await,
        1
    );

    let succeeded = set_status(&app, &shop, &id, "succeeded").await;
    assert_eq!(succeeded.status, 200, "{:?}", succeeded.body);
    assert_eq!(succeeded.data()["status"], "succeeded");
    assert!(
        succeeded.data()["paidAt"].as_str().is_some(),
        "a success is dated"
    );
    assert_eq!(
        count(
            &app,
            &format!("id = '{id}' AND status = 'succeeded' AND paid_at IS NOT NULL")
        )
        .await,
        1
    );

    for illegal in ["pending", "failed"] {
        let reply = set_status(&app, &shop, &id, illegal).await;
        assert_eq!(reply.status, 409, "succeeded → {illegal}: {:?}", reply.body);
        assert_eq!(reply.code(), "INVALID_STATUS_TRANSITION");
    }

    let refunded = set_status(&app, &shop, &id, "refunded").await;
    assert_eq!(refunded.status, 200, "{:?}", refunded.body);
    assert_eq!(refunded.data()["status"], "refunded");
    for illegal in ["pending", "succeeded", "failed"] {
        let reply = set_status(&app, &shop, &id, illegal).await;
        assert_eq!(reply.status, 409, "refunded → {illegal}: {:?}", reply.body);
        assert_eq!(reply.code(), "INVALID_STATUS_TRANSITION");
    }
    assert_eq!(
        count(&app, &format!("id = '{id}' AND status = 'refunded'")).await,
        1
    );

    let failed = id_of(&pay(&app, &shop, json!({"status": "pending"})).await);
    assert_eq!(set_status(&app, &shop, &failed, "failed").await.status, 200);
    for illegal in ["pending", "succeeded", "refunded"] {
        let reply = set_status(&app, &shop, &failed, illegal).await;
        assert_eq!(reply.status, 409, "failed → {illegal}: {:?}", reply.body);
    }

    let invalid = set_status(&app, &shop, &id, "paid").await;
    assert_eq!(invalid.status, 422);
    assert_eq!(detail_fields(&invalid), vec!["status"]);
    let missing = app
        .patch(&format!("/payments/{id}"), &shop.token, json!({}))
        .await;
    assert_eq!(missing.status, 422);

    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM outbox_events WHERE event_type LIKE 'payment.%'")
            .await,
        2,
        "only the two creations are events; status changes have none"
    );
}

#[tokio::test]
async fn a_provider_reference_is_recorded_once_per_provider_and_account() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    pay(
        &app,
        &shop,
        json!({"provider": "stripe", "providerRef": "pi_1"}),
    )
    .await;
    let again = app
        .post(
            "/payments",
            &shop.token,
            body(
                &shop,
                json!({"provider": "stripe", "providerRef": "pi_1", "amount": 1}),
            ),
        )
        .await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert_eq!(again.code(), "PAYMENT_EXISTS");
    let other_spelling = app
        .post(
            "/payments",
            &shop.token,
            body(
                &shop,
                json!({"provider": " Stripe ", "providerRef": "pi_1"}),
            ),
        )
        .await;
    assert_eq!(other_spelling.status, 409, "{:?}", other_spelling.body);
    assert_eq!(other_spelling.code(), "PAYMENT_EXISTS");
    pay(
        &app,
        &shop,
        json!({"provider": "paddle", "providerRef": "pi_1"}),
    )
    .await;
    pay(&app, &shop, json!({"providerRef": "pi_1"})).await;
    let unnamed_again = app
        .post(
            "/payments",
            &shop.token,
            body(&shop, json!({"providerRef": "pi_1"})),
        )
        .await;
    assert_eq!(unnamed_again.status, 409, "{:?}", unnamed_again.body);
    pay(&app, &shop, json!({})).await;
    pay(&app, &shop, json!({})).await;
    let other = self::shop(&app, "other@example.com").await;
    pay(
        &app,
        &other,
        json!({"provider": "stripe", "providerRef": "pi_1"}),
    )
    .await;
    assert_eq!(count(&app, "provider_ref = 'pi_1'").await, 4);
    assert_eq!(count(&app, "true").await, 6);
}

#[tokio::test]
async fn parallel_retries_of_one_provider_payment_record_it_exactly_once() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let attempt = body(
        &shop,
        json!({"provider": "stripe", "providerRef": "pi_race"}),
    );
    let replies =
        join_all((0..8).map(|_| app.post("/payments", &shop.token, attempt.clone()))).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        replies
            .iter()
            .filter(|r| r.status != 201)
            .all(|r| r.status == 409 && r.code() == "PAYMENT_EXISTS"),
        "{statuses:?}"
    );
    assert_eq!(count(&app, "provider_ref = 'pi_race'").await, 1);
    assert_eq!(
        app.db
            .scalar(
                "SELECT count(*) AS value FROM outbox_events WHERE event_type = 'payment.created'"
            )
            .await,
        1
    );
}

#[tokio::test]
async fn payments_outlive_their_license_and_customer_and_go_with_their_product() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let id = id_of(&pay(&app, &shop, json!({"customerId": shop.customer})).await);
    let deleted = app
        .delete(&format!("/licenses/{}", shop.license), &shop.token)
        .await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    let deleted = app
        .delete(&format!("/customers/{}", shop.customer), &shop.token)
        .await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    let read = app.get(&format!("/payments/{id}"), &shop.token).await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    assert_eq!(read.data()["licenseId"], Value::Null);
    assert_eq!(read.data()["customerId"], Value::Null);
    assert_eq!(read.data()["amount"], 4900);
    let deleted = app
        .delete(&format!("/products/{}", shop.product), &shop.token)
        .await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    assert_eq!(count(&app, "true").await, 0);
}

#[tokio::test]
async fn a_retry_with_an_idempotency_key_replays_the_recorded_payment() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let send = || {
        app.client
            .post(app.url("/payments"))
            .bearer_auth(&shop.token)
            .header("Idempotency-Key", "order-42")
            .json(&body(&shop, json!({})))
            .send()
    };
    let first = read(send().await.expect("sent")).await;
    let second = read(send().await.expect("sent")).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(second.status, 201, "{:?}", second.body);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.body, first.body);
    assert_eq!(count(&app, "true").await, 1);
}
