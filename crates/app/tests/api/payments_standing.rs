//! `GET /v1/licenses/{id}/payment-status`: the server-side "has this client paid?".

use licentia_test_support::{TestApp, spawn_app};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::payments::{MADE_UP, Shop, id_of, pay, shop};

fn at(offset: Duration) -> String {
    (OffsetDateTime::now_utc() + offset)
        .replace_nanosecond(0)
        .expect("whole seconds")
        .format(&Rfc3339)
        .expect("RFC 3339")
}

async fn standing(app: &TestApp, shop: &Shop) -> Value {
    let reply = app
        .get(
            &format!("/licenses/{}/payment-status", shop.license),
            &shop.token,
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.data().clone()
}

#[tokio::test]
async fn a_license_without_payments_is_not_paid() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    assert_eq!(
        standing(&app, &shop).await,
        json!({"paid": false, "paidUntil": null, "lastPaymentAt": null, "totals": []})
    );
}

#[tokio::test]
async fn a_one_off_purchase_pays_forever() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    pay(&app, &shop, json!({"paidAt": "2026-01-05T08:00:00Z"})).await;
    assert_eq!(
        standing(&app, &shop).await,
        json!({"paid": true, "paidUntil": null, "lastPaymentAt": "2026-01-05T08:00:00Z",
               "totals": [{"currency": "EUR", "amount": 4900}]})
    );
}

#[tokio::test]
async fn a_subscription_pays_until_its_period_end() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let lapsed = at(-Duration::days(3));
    pay(&app, &shop, json!({"periodEnd": lapsed, "amount": 900})).await;
    let before = standing(&app, &shop).await;
    assert_eq!(before["paid"], false, "{before}");
    assert_eq!(before["paidUntil"], lapsed.as_str());

    let current = at(Duration::days(27));
    pay(&app, &shop, json!({"periodEnd": current, "amount": 900})).await;
    let after = standing(&app, &shop).await;
    assert_eq!(after["paid"], true, "{after}");
    assert_eq!(after["paidUntil"], current.as_str());
    assert_eq!(
        after["totals"],
        json!([{"currency": "EUR", "amount": 1800}])
    );
}

#[tokio::test]
async fn a_refunded_payment_no_longer_pays() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    let payment = id_of(&pay(&app, &shop, json!({})).await);
    assert_eq!(standing(&app, &shop).await["paid"], true);
    let refunded = app
        .patch(
            &format!("/payments/{payment}"),
            &shop.token,
            json!({"status": "refunded"}),
        )
        .await;
    assert_eq!(refunded.status, 200, "{:?}", refunded.body);
    assert_eq!(
        standing(&app, &shop).await,
        json!({"paid": false, "paidUntil": null, "lastPaymentAt": null, "totals": []})
    );
}

#[tokio::test]
async fn pending_and_failed_payments_do_not_pay_and_payments_of_other_licenses_do_not_count() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    pay(&app, &shop, json!({"status": "pending"})).await;
    pay(&app, &shop, json!({"status": "failed"})).await;
    let other = id_of(&app.license(&shop.token, &shop.product, json!({})).await);
    pay(&app, &shop, json!({"licenseId": other})).await;
    pay(&app, &shop, json!({"licenseId": null})).await;
    assert_eq!(standing(&app, &shop).await["paid"], false);
}

#[tokio::test]
async fn totals_are_per_currency_received_minus_refunded() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    pay(
        &app,
        &shop,
        json!({"amount": 1000, "paidAt": "2026-03-01T00:00:00Z"}),
    )
    .await;
    pay(
        &app,
        &shop,
        json!({"amount": 500, "paidAt": "2026-04-01T00:00:00Z"}),
    )
    .await;
    let refunded = id_of(&pay(&app, &shop, json!({"amount": 300})).await);
    let reply = app
        .patch(
            &format!("/payments/{refunded}"),
            &shop.token,
            json!({"status": "refunded"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    pay(
        &app,
        &shop,
        json!({"amount": 700, "currency": "USD", "paidAt": "2026-02-01T00:00:00Z"}),
    )
    .await;
    pay(
        &app,
        &shop,
        json!({"amount": 9900, "currency": "JPY", "status": "pending"}),
    )
    .await;
    let s = standing(&app, &shop).await;
    assert_eq!(
        s["totals"],
        json!([{"currency": "EUR", "amount": 1500}, {"currency": "USD", "amount": 700}])
    );
    assert_eq!(s["lastPaymentAt"], "2026-04-01T00:00:00Z");
}

#[tokio::test]
async fn the_payment_status_of_a_missing_license_is_license_not_found() {
    let app = spawn_app().await;
    let shop = shop(&app, "vendor@example.com").await;
    for id in [MADE_UP, "nope"] {
        let reply = app
            .get(&format!("/licenses/{id}/payment-status"), &shop.token)
            .await;
        assert_eq!(reply.status, 404, "{id}: {:?}", reply.body);
        assert_eq!(reply.code(), "LICENSE_NOT_FOUND");
    }
}
