//! What the contract test (`cargo xtask test --contract`, schemathesis) found, each
//! pinned by a test: a NUL character reaching PostgreSQL (which answered a 500), and
//! an answer the document did not list.

use licentia_test_support::spawn_app;
use serde_json::json;

use crate::fixtures::{ask, licensed};

#[tokio::test]
async fn a_license_key_with_a_nul_is_not_found_not_a_500() {
    let app = spawn_app().await;
    let reply = app
        .request(
            "POST",
            "/licenses/validate",
            None,
            Some(ask("OLD-SYSTEM\u{0}KEY-0001", json!({}))),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["data"]["valid"], false);
    assert_eq!(reply.body["data"]["code"], "NOT_FOUND");
    let token = app.register("vendor@example.com").await;
    let by_key = app
        .request("GET", "/licenses/OLD-SYSTEM%00KEY-0001", Some(&token), None)
        .await;
    assert_eq!(by_key.status, 404);
    assert_eq!(by_key.code(), "LICENSE_NOT_FOUND");
}

#[tokio::test]
async fn metadata_with_a_nul_anywhere_is_a_422() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    for metadata in [
        json!({"k": "a\u{0}b"}),
        json!({"k\u{0}": 1}),
        json!({"k": [{"n": "\u{0}"}]}),
    ] {
        let reply = app
            .request(
                "POST",
                "/customers",
                Some(&token),
                Some(json!({"email": "c@example.com", "name": "C", "metadata": metadata})),
            )
            .await;
        assert_eq!(reply.status, 422, "{metadata}");
        assert_eq!(reply.body["details"][0]["field"], "metadata");
    }
}

#[tokio::test]
async fn plan_names_with_a_nul_are_a_422() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let license = app
        .request(
            "POST",
            "/licenses",
            Some(&token),
            Some(json!({"productId": product, "plan": "Pro\u{0}"})),
        )
        .await;
    assert_eq!(license.status, 422);
    assert_eq!(license.body["details"][0]["field"], "plan");
    let plans = app
        .request(
            "POST",
            "/products",
            Some(&token),
            Some(json!({"name": "Other", "plans": [{"name": "Pro\u{0}"}]})),
        )
        .await;
    assert_eq!(plans.status, 422);
}

#[tokio::test]
async fn a_nul_in_a_query_string_is_a_400() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    for path in [
        "/customers?q=a%00b",
        "/customers?email=a%00b",
        "/customers?externalId=%00",
        "/licenses?q=a%00b",
        "/licenses?plan=%00",
        "/licenses?email=a%00b",
    ] {
        let reply = app.request("GET", path, Some(&token), None).await;
        assert_eq!(reply.status, 400, "{path}");
        assert_eq!(reply.code(), "INVALID_QUERY", "{path}");
    }
    let fine = app
        .request("GET", "/customers?q=a%01b", Some(&token), None)
        .await;
    assert_eq!(fine.status, 200, "other characters are searched as sent");
}

#[tokio::test]
async fn analytics_of_an_unknown_product_is_a_documented_404() {
    let app = spawn_app().await;
    let vendor = licensed(&app, json!({})).await;
    let document: serde_json::Value =
        serde_json::from_str(licentia::api::openapi::json()).expect("document");
    for report in ["licenses", "users", "revenue"] {
        let reply = app
            .request(
                "GET",
                &format!("/analytics/{report}?productId=0198c1d2-0000-7000-8000-0000000000ff"),
                Some(&vendor.token),
                None,
            )
            .await;
        assert_eq!(reply.status, 404, "{report}");
        assert_eq!(reply.code(), "PRODUCT_NOT_FOUND");
        let path = format!("/v1/analytics/{report}");
        assert!(
            document["paths"][&path]["get"]["responses"]["404"].is_object(),
            "{path} documents its 404"
        );
    }
}
