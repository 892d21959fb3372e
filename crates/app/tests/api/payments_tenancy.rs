//! Payments across boundaries: another account sees none of them and cannot point at
//! its objects; a product-scoped key reaches only its product; `payment.created`
//! reaches the vendor's webhook receiver.

use licentia_test_support::{WebhookReceiver, spawn_app};
use serde_json::json;

use crate::payments::{body, count, id_of, pay, shop};

#[tokio::test]
async fn another_account_gets_404_on_every_payment_route_and_cannot_reference_our_objects() {
    let app = spawn_app().await;
    let ours = shop(&app, "a@example.com").await;
    let theirs = shop(&app, "b@example.com").await;
    let payment = id_of(&pay(&app, &ours, json!({"status": "pending"})).await);

    let read = app
        .get(&format!("/payments/{payment}"), &theirs.token)
        .await;
    assert_eq!(read.status, 404, "{:?}", read.body);
    assert_eq!(read.code(), "PAYMENT_NOT_FOUND");
    let patched = app
        .patch(
            &format!("/payments/{payment}"),
            &theirs.token,
            json!({"status": "succeeded"}),
        )
        .await;
    assert_eq!(patched.status, 404, "{:?}", patched.body);
    assert_eq!(patched.code(), "PAYMENT_NOT_FOUND");
    let status = app
        .get(
            &format!("/licenses/{}/payment-status", ours.license),
            &theirs.token,
        )
        .await;
    assert_eq!(status.status, 404, "{:?}", status.body);
    assert_eq!(status.code(), "LICENSE_NOT_FOUND");
    for query in [
        String::new(),
        format!("?productId={}", ours.product),
        format!("?licenseId={}", ours.license),
        format!("?customerId={}", ours.customer),
    ] {
        let list = app.get(&format!("/payments{query}"), &theirs.token).await;
        assert_eq!(list.status, 200, "{query}: {:?}", list.body);
        assert_eq!(list.data(), &json!([]), "{query}");
    }

    for (extra, field) in [
        (
            json!({"productId": ours.product, "licenseId": null}),
            "productId",
        ),
        (json!({"licenseId": ours.license}), "licenseId"),
        (json!({"customerId": ours.customer}), "customerId"),
    ] {
        let reply = app
            .post("/payments", &theirs.token, body(&theirs, extra.clone()))
            .await;
        assert_eq!(reply.status, 422, "{extra}: {:?}", reply.body);
        assert_eq!(reply.body["details"][0]["field"], field, "{extra}");
        assert_eq!(
            reply.body["details"].as_array().map(Vec::len),
            Some(1),
            "{extra}"
        );
    }
    assert_eq!(
        count(&app, &format!("id = '{payment}' AND status = 'pending'")).await,
        1
    );
    assert_eq!(count(&app, "true").await, 1);
}

#[tokio::test]
async fn a_product_scoped_key_sees_and_records_only_its_products_payments() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let other_product = app.product(&shop.token, "other").await;
    let other_license = id_of(&app.license(&shop.token, &other_product, json!({})).await);
    let ours = id_of(&pay(&app, &shop, json!({"status": "pending"})).await);
    let outside = id_of(
        &pay(
            &app,
            &shop,
            json!({"productId": other_product, "licenseId": other_license, "status": "pending"}),
        )
        .await,
    );
    let key = app
        .api_key(
            &shop.token,
            &["payments:read", "payments:write"],
            Some(&shop.product),
        )
        .await;

    let list = app.get("/payments", &key).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(
        list.data()
            .as_array()
            .expect("list")
            .iter()
            .map(id_of)
            .collect::<Vec<_>>(),
        vec![ours.clone()]
    );
    let filtered = app
        .get(&format!("/payments?productId={other_product}"), &key)
        .await;
    assert_eq!(filtered.data(), &json!([]));
    assert_eq!(
        app.get(&format!("/payments/{ours}"), &key).await.status,
        200
    );

    let read = app.get(&format!("/payments/{outside}"), &key).await;
    assert_eq!(read.status, 404, "{:?}", read.body);
    assert_eq!(read.code(), "PAYMENT_NOT_FOUND");
    let patched = app
        .patch(
            &format!("/payments/{outside}"),
            &key,
            json!({"status": "succeeded"}),
        )
        .await;
    assert_eq!(patched.status, 404, "{:?}", patched.body);
    let status = app
        .get(&format!("/licenses/{other_license}/payment-status"), &key)
        .await;
    assert_eq!(status.status, 404, "{:?}", status.body);
    assert_eq!(
        app.get(&format!("/licenses/{}/payment-status", shop.license), &key)
            .await
            .status,
        200
    );

    let refused = app
        .post(
            "/payments",
            &key,
            body(
                &shop,
                json!({"productId": other_product, "licenseId": other_license}),
            ),
        )
        .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(refused.code(), "PRODUCT_SCOPE");
    let foreign_license = app
        .post(
            "/payments",
            &key,
            body(&shop, json!({"licenseId": other_license})),
        )
        .await;
    assert_eq!(foreign_license.status, 422, "{:?}", foreign_license.body);
    assert_eq!(foreign_license.body["details"][0]["field"], "licenseId");
    let created = app.post("/payments", &key, body(&shop, json!({}))).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(
        count(&app, &format!("id = '{outside}' AND status = 'pending'")).await,
        1
    );
    assert_eq!(count(&app, "true").await, 3);
}

#[tokio::test]
async fn payment_created_reaches_the_webhook_receiver_with_the_payment() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    let hook = app
        .post(
            "/webhooks",
            &shop.token,
            json!({"url": receiver.url, "events": ["payment.created"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{:?}", hook.body);
    let secret = hook.data()["secret"].as_str().expect("secret").to_owned();
    let payment = pay(
        &app,
        &shop,
        json!({"amount": 2500, "provider": "stripe", "providerRef": "pi_hook"}),
    )
    .await;
    let received = receiver
        .wait_until("payment.created", |r| !r.is_empty())
        .await;
    let message = &received[0];
    assert_eq!(message.event_type(), "payment.created");
    assert!(message.signed_by(&secret));
    assert_eq!(message.json["data"], payment);
    assert_eq!(message.json["data"]["amount"], 2500);
    assert_eq!(message.json["data"]["providerRef"], "pi_hook");
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM outbox_events WHERE event_type = 'payment.created' \
                 AND data->>'id' = '{}'",
                id_of(&payment)
            ))
            .await,
        1
    );
}
