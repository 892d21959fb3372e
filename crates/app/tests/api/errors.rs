//! The error envelope for every kind of failure, and `X-Request-Id` on every answer.

use licentia_test_support::{read, spawn_app};
use serde_json::json;

fn assert_envelope(body: &serde_json::Value, error: &str, code: &str) {
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn an_unknown_route_answers_404_in_the_envelope() {
    let app = spawn_app().await;
    let reply = app.request("GET", "/no-such-thing", None, None).await;
    assert_eq!(reply.status, 404);
    assert_envelope(&reply.body, "Not Found", "ROUTE_NOT_FOUND");
}

#[tokio::test]
async fn a_wrong_method_answers_in_the_envelope() {
    let app = spawn_app().await;
    // No route answers DELETE on this path: it is an unknown route, in the envelope.
    let reply = app.request("DELETE", "/auth/login", None, None).await;
    assert_eq!(reply.status, 404);
    assert_envelope(&reply.body, "Not Found", "ROUTE_NOT_FOUND");
}

#[tokio::test]
async fn malformed_json_answers_400() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/auth/register"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    let reply = read(response).await;
    assert_eq!(reply.status, 400);
    assert_envelope(&reply.body, "Bad Request", "INVALID_JSON");
}

#[tokio::test]
async fn a_wrong_content_type_answers_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/auth/register"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("sent");
    let reply = read(response).await;
    assert_eq!(reply.status, 415);
    assert_envelope(
        &reply.body,
        "Unsupported Media Type",
        "UNSUPPORTED_MEDIA_TYPE",
    );
}

#[tokio::test]
async fn an_oversized_body_answers_413() {
    // A small limit keeps the body inside the socket buffers, so the early 413 is
    // always read whole (a multi-megabyte upload may see the connection closed).
    let app = licentia_test_support::spawn_app_with(|s| s.max_body_bytes = 1024).await;
    let huge = json!({"email": "a@example.com", "password": "x".repeat(4096), "name": "A"});
    let reply = app
        .request("POST", "/auth/register", None, Some(huge))
        .await;
    assert_eq!(reply.status, 413);
    assert_envelope(&reply.body, "Payload Too Large", "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_answers_422_with_details() {
    let app = spawn_app().await;
    let reply = app
        .request(
            "POST",
            "/auth/register",
            None,
            Some(json!({"email": 42, "password": [], "name": "A"})),
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_envelope(&reply.body, "Unprocessable Entity", "VALIDATION_FAILED");
    assert!(
        reply.body["details"]
            .as_array()
            .is_some_and(|d| !d.is_empty())
    );
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = spawn_app().await;
    let reply = app
        .request(
            "POST",
            "/auth/register",
            None,
            Some(json!({"email": "nope", "password": "short"})),
        )
        .await;
    assert_eq!(reply.status, 422);
    let fields: Vec<&str> = reply.body["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["field"].as_str())
        .collect();
    assert_eq!(fields, ["email", "password", "name"]);
}

#[tokio::test]
async fn a_bad_query_string_answers_400() {
    let app = spawn_app().await;
    let token = app.register("q@example.com").await;
    for query in [
        "?perPage=0",
        "?perPage=101",
        "?page=0",
        "?page=abc",
        "?status=LOST",
        "?expiresBefore=yesterday",
    ] {
        let reply = app.get(&format!("/licenses{query}"), &token).await;
        assert_eq!(reply.status, 400, "{query}: {:?}", reply.body);
        assert_envelope(&reply.body, "Bad Request", "INVALID_QUERY");
    }
}

#[tokio::test]
async fn a_malformed_path_id_is_not_found() {
    let app = spawn_app().await;
    let token = app.register("p@example.com").await;
    let reply = app.get("/products/not-a-uuid", &token).await;
    assert_eq!(reply.status, 404);
    assert_envelope(&reply.body, "Not Found", "PRODUCT_NOT_FOUND");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_echoes_the_clients() {
    let app = spawn_app().await;
    let generated = app.request("GET", "/health", None, None).await;
    assert!(
        generated
            .header("x-request-id")
            .is_some_and(|id| id.len() >= 32)
    );
    let error = app.request("GET", "/nothing-here", None, None).await;
    assert!(error.header("x-request-id").is_some());
    let response = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "trace-1234")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        read(response).await.header("x-request-id"),
        Some("trace-1234")
    );
}
