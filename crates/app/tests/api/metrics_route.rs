//! `GET /metrics`: off by default (an unknown route), the Prometheus text format with
//! `LICENTIA_METRICS=prometheus`, and behind a bearer token when one is set.

use licentia_test_support::{TestApp, spawn_app, spawn_app_with};
use secrecy::SecretString;
use serde_json::json;

use crate::fixtures::{ask, licensed};

const TOKEN: &str = "scrape-token-0123456789";

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(format!("{}/metrics", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("scrape")
}

#[tokio::test]
async fn metrics_are_an_unknown_route_unless_turned_on() {
    let app = spawn_app().await;
    let reply = licentia_test_support::read(scrape(&app, None).await).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.code(), "ROUTE_NOT_FOUND");
    assert_eq!(reply.body["error"], "Not Found");
}

#[tokio::test]
async fn metrics_are_served_in_the_prometheus_text_format_when_on() {
    let app = spawn_app_with(|s| s.telemetry.prometheus = true).await;
    let vendor = licensed(&app, json!({})).await;
    let reply = app
        .runtime("/licenses/validate", ask(vendor.key(), json!({})))
        .await;
    assert_eq!(reply.status, 200);

    let answer = scrape(&app, None).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = answer.text().await.expect("text");
    for line in [
        "# TYPE http_server_request_duration_seconds histogram",
        "# TYPE licentia_validations_total counter",
        "licentia_validations_total{licentia_validation_code=\"VALID\"} 1",
        "licentia_cache_lookups_total{licentia_cache_result=\"miss\"} 1",
        "# TYPE db_client_connection_max gauge",
        "db_client_connection_max{db_client_connection_pool_name=\"licentia\"} 4",
        "target_info{service_name=\"licentia\",service_version=",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
    assert!(
        text.lines().any(|l| l.starts_with(
            "http_server_request_duration_seconds_count{http_request_method=\"POST\",http_response_status_code=\"200\",http_route=\"/v1/licenses/validate\"}"
        )),
        "{text}"
    );
    assert!(!text.contains(vendor.key()));
    assert!(!text.contains("vendor@example.com"));
}

#[tokio::test]
async fn a_metrics_token_is_required_when_set() {
    let app = spawn_app_with(|s| {
        s.telemetry.prometheus = true;
        s.telemetry.metrics_token = Some(SecretString::from(TOKEN.to_owned()));
    })
    .await;
    let missing = licentia_test_support::read(scrape(&app, None).await).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.code(), "MISSING_CREDENTIALS");
    let wrong =
        licentia_test_support::read(scrape(&app, Some("scrape-token-9876543210")).await).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.code(), "INVALID_METRICS_TOKEN");
    let right = scrape(&app, Some(TOKEN)).await;
    assert_eq!(right.status(), 200);
    assert!(right.text().await.expect("text").contains("# TYPE"));
}
