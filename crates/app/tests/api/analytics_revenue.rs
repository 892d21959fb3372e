//! `GET /v1/analytics/revenue`: succeeded minus refunded, per currency (never added
//! across currencies), per day and per product; refunds count on the day they happen.

use licentia_test_support::spawn_app;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::analytics::counts;
use crate::payments::{Shop, id_of, pay, shop};

const MARCH: &str = "from=2026-03-01&to=2026-03-03";

async fn revenue(app: &licentia_test_support::TestApp, query: &str, token: &str) -> Value {
    let reply = app.get(&format!("/analytics/revenue?{query}"), token).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.data().clone()
}

fn paid(product: &str, amount: i64, currency: &str, status: &str, at: &str) -> Value {
    json!({"productId": product, "licenseId": null, "amount": amount, "currency": currency,
           "status": status, "paidAt": at})
}

#[tokio::test]
async fn revenue_is_succeeded_minus_refunded_per_currency_day_and_product() {
    let app = spawn_app().await;
    let s: Shop = shop(&app, "vendor@example.com").await;
    let tool = app.product(&s.token, "tool").await;
    let a = s.product.as_str();
    pay(
        &app,
        &s,
        paid(a, 1000, "EUR", "succeeded", "2026-03-01T10:00:00Z"),
    )
    .await;
    let refunded = pay(
        &app,
        &s,
        paid(a, 2000, "EUR", "succeeded", "2026-03-01T23:00:00Z"),
    )
    .await;
    pay(
        &app,
        &s,
        paid(&tool, 300, "EUR", "succeeded", "2026-03-02T00:00:00Z"),
    )
    .await;
    pay(
        &app,
        &s,
        paid(&tool, 500, "USD", "succeeded", "2026-03-02T12:00:00Z"),
    )
    .await;
    // Not money: pending, failed, and a payment outside the range.
    pay(
        &app,
        &s,
        paid(a, 7000, "EUR", "pending", "2026-03-02T12:00:00Z"),
    )
    .await;
    pay(
        &app,
        &s,
        paid(a, 7000, "EUR", "failed", "2026-03-02T12:00:00Z"),
    )
    .await;
    pay(
        &app,
        &s,
        paid(a, 7000, "EUR", "succeeded", "2026-02-28T23:59:59Z"),
    )
    .await;
    let reply = app
        .patch(
            &format!("/payments/{}", id_of(&refunded)),
            &s.token,
            json!({"status": "refunded"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    // As if the refund had happened on March 3.
    app.db
        .execute(&format!(
            "UPDATE payments SET updated_at = '2026-03-03T08:00:00Z' WHERE id = '{}'",
            id_of(&refunded)
        ))
        .await;
    let other = shop(&app, "other@example.com").await;
    pay(
        &app,
        &other,
        json!({"paidAt": "2026-03-02T12:00:00Z", "amount": 99999}),
    )
    .await;

    let data = revenue(&app, MARCH, &s.token).await;
    let currencies = data["currencies"].as_array().expect("currencies");
    assert_eq!(currencies.len(), 2);
    let eur = &currencies[0];
    assert_eq!(eur["currency"], "EUR");
    assert_eq!(
        (eur["succeeded"].as_i64(), eur["refunded"].as_i64()),
        (Some(3300), Some(2000))
    );
    assert_eq!(eur["net"], 1300);
    assert_eq!(counts(eur, "amount"), vec![3000, 300, -2000]);
    assert_eq!(eur["daily"][2]["date"], "2026-03-03");
    let usd = &currencies[1];
    assert_eq!(usd["currency"], "USD");
    assert_eq!(usd["net"], 500);
    assert_eq!(counts(usd, "amount"), vec![0, 500, 0]);

    let mut products = data["products"].as_array().expect("products").clone();
    products.sort_by_key(|p| p["productId"] != a);
    assert_eq!(
        products,
        vec![
            json!({"productId": a, "currencies": [
                {"currency": "EUR", "succeeded": 3000, "refunded": 2000, "net": 1000}]}),
            json!({"productId": tool, "currencies": [
                {"currency": "EUR", "succeeded": 300, "refunded": 0, "net": 300},
                {"currency": "USD", "succeeded": 500, "refunded": 0, "net": 500}]}),
        ]
    );

    let tool_only = revenue(&app, &format!("{MARCH}&productId={tool}"), &s.token).await;
    assert_eq!(tool_only["productId"], tool.as_str());
    let nets: Vec<(Value, Value)> = tool_only["currencies"]
        .as_array()
        .expect("currencies")
        .iter()
        .map(|c| (c["currency"].clone(), c["net"].clone()))
        .collect();
    assert_eq!(
        nets,
        vec![(json!("EUR"), json!(300)), (json!("USD"), json!(500))]
    );

    // The refund day alone: only the refund.
    let refund_day = revenue(&app, "from=2026-03-03&to=2026-03-03", &s.token).await;
    assert_eq!(refund_day["currencies"][0]["net"], -2000);
    assert_eq!(refund_day["currencies"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_refund_today_subtracts_today_and_a_range_without_money_is_empty() {
    let app = spawn_app().await;
    let s = shop(&app, "vendor@example.com").await;
    let two_days_ago = OffsetDateTime::now_utc() - Duration::days(2);
    let at = two_days_ago
        .replace_nanosecond(0)
        .expect("whole seconds")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    let payment = pay(
        &app,
        &s,
        json!({"amount": 1500, "currency": "JPY", "paidAt": at}),
    )
    .await;
    app.patch(
        &format!("/payments/{}", id_of(&payment)),
        &s.token,
        json!({"status": "refunded"}),
    )
    .await;
    let data = revenue(&app, "", &s.token).await;
    let jpy = &data["currencies"][0];
    assert_eq!(jpy["currency"], "JPY");
    assert_eq!(
        (jpy["succeeded"].as_i64(), jpy["net"].as_i64()),
        (Some(1500), Some(0))
    );
    let daily = counts(jpy, "amount");
    assert_eq!(daily.len(), 30);
    assert_eq!(daily[27], 1500);
    assert_eq!(daily[29], -1500);

    let empty = revenue(&app, "from=2020-01-01&to=2020-01-31", &s.token).await;
    assert_eq!(empty["currencies"], json!([]));
    assert_eq!(empty["products"], json!([]));
}
