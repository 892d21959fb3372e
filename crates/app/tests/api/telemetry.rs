//! OpenTelemetry export over real HTTP: a server pointed at a tiny OTLP receiver
//! exports a server span per request (route template, status, tenant; never a key,
//! token or e-mail address anywhere), a span per database statement under it, a span
//! per webhook attempt, and the request, validation, cache, rate-limit, webhook,
//! backlog and pool metrics.

use licentia_test_support::{OtlpReceiver, ReceivedSpan, TestApp, WebhookReceiver, spawn_app_with};
use serde_json::json;

use crate::bursts::limits;
use crate::fixtures::{ask, licensed};

/// OTLP's span kinds.
const SERVER: i32 = 2;
const CLIENT: i32 = 3;

async fn observed_app() -> (TestApp, OtlpReceiver) {
    let receiver = OtlpReceiver::start().await;
    let app = spawn_app_with(|s| receiver.receive_from(&mut s.telemetry)).await;
    (app, receiver)
}

async fn account_id(app: &TestApp, credential: &str) -> String {
    let me = app.get("/auth/me", credential).await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    me.data()["id"].as_str().expect("id").to_owned()
}

/// Whether `needle` occurs anywhere in what the receiver was sent.
fn exported_anywhere(receiver: &OtlpReceiver, needle: &str) -> bool {
    receiver
        .bodies()
        .iter()
        .any(|body| body.windows(needle.len()).any(|w| w == needle.as_bytes()))
}

fn server_span(name: &'static str) -> impl Fn(&ReceivedSpan) -> bool {
    move |span| span.name == name && span.kind == SERVER
}

#[tokio::test]
async fn a_request_is_a_server_span_with_its_route_status_and_tenant_and_no_secret() {
    let (app, receiver) = observed_app().await;
    let vendor = licensed(&app, json!({"issuedEmail": "buyer@example.com"})).await;
    let key = app.api_key(&vendor.token, &["licenses:read"], None).await;
    let owner = account_id(&app, &vendor.token).await;
    let read = app.get(&format!("/licenses/{}", vendor.key()), &key).await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    let missing = app
        .get("/licenses/LIC-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", &key)
        .await;
    assert_eq!(missing.status, 404);

    let span = receiver
        .wait_for_span("the license read", |s| {
            server_span("GET /v1/licenses/{id}")(s)
                && s.attribute("http.response.status_code") == Some("200")
        })
        .await;
    assert_eq!(span.attribute("http.request.method"), Some("GET"));
    assert_eq!(span.attribute("http.route"), Some("/v1/licenses/{id}"));
    assert_eq!(span.attribute("licentia.tenant.id"), Some(owner.as_str()));
    assert!(span.parent_span_id.is_empty(), "a request is a root span");
    let not_found = receiver
        .wait_for_span("the 404", |s| {
            server_span("GET /v1/licenses/{id}")(s)
                && s.attribute("http.response.status_code") == Some("404")
        })
        .await;
    assert_eq!(not_found.status_code, 0, "a 4xx is not a server error");
    receiver
        .wait_for_span("the registration", server_span("POST /v1/auth/register"))
        .await;

    for secret in [
        vendor.key(),
        &vendor.key().to_lowercase(),
        "buyer@example.com",
        "vendor@example.com",
        &vendor.token,
        &key,
        "correct-horse-battery",
    ] {
        assert!(
            !exported_anywhere(&receiver, secret),
            "{secret} was exported"
        );
    }
}

#[tokio::test]
async fn a_validation_is_tagged_with_the_licenses_owner_and_counted_by_code() {
    let (app, receiver) = observed_app().await;
    let vendor = licensed(&app, json!({})).await;
    let owner = account_id(&app, &vendor.token).await;
    for body in [
        ask(vendor.key(), json!({})),
        ask(vendor.key(), json!({})),
        ask("LIC-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", json!({})),
    ] {
        let reply = app.runtime("/licenses/validate", body).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }

    let span = receiver
        .wait_for_span("a validation", |s| {
            server_span("POST /v1/licenses/validate")(s)
                && s.attribute("licentia.tenant.id").is_some()
        })
        .await;
    assert_eq!(span.attribute("licentia.tenant.id"), Some(owner.as_str()));
    assert_eq!(span.attribute("http.response.status_code"), Some("200"));

    let code = |code: &'static str| {
        move |p: &licentia_test_support::ReceivedPoint| {
            p.attributes
                .get("licentia.validation.code")
                .map(String::as_str)
                == Some(code)
        }
    };
    let valid = receiver
        .wait_for_point("licentia.validations", |p| {
            code("VALID")(p) && p.value >= 2.0
        })
        .await;
    assert_eq!(valid.value, 2.0);
    receiver
        .wait_for_point("licentia.validations", |p| {
            code("NOT_FOUND")(p) && p.value >= 1.0
        })
        .await;
    let result = |result: &'static str| {
        move |p: &licentia_test_support::ReceivedPoint| {
            p.attributes
                .get("licentia.cache.result")
                .map(String::as_str)
                == Some(result)
                && p.value >= 1.0
        }
    };
    receiver
        .wait_for_point("licentia.cache.lookups", result("miss"))
        .await;
    receiver
        .wait_for_point("licentia.cache.lookups", result("hit"))
        .await;
    let requests = receiver
        .wait_for_point("http.server.request.duration", |p| {
            p.attributes.get("http.route").map(String::as_str) == Some("/v1/licenses/validate")
                && p.value >= 3.0
        })
        .await;
    assert_eq!(requests.unit, "s");
    assert_eq!(
        requests
            .attributes
            .get("http.request.method")
            .map(String::as_str),
        Some("POST")
    );
    assert_eq!(
        requests
            .attributes
            .get("http.response.status_code")
            .map(String::as_str),
        Some("200")
    );
    assert!(!exported_anywhere(&receiver, vendor.key()));
}

#[tokio::test]
async fn database_statements_are_client_spans_under_their_request() {
    let (app, receiver) = observed_app().await;
    let vendor = licensed(&app, json!({})).await;
    let reply = app
        .runtime("/licenses/validate", ask(vendor.key(), json!({})))
        .await;
    assert_eq!(reply.status, 200);

    let request = receiver
        .wait_for_span("the validation", server_span("POST /v1/licenses/validate"))
        .await;
    let statement = receiver
        .wait_for_span("the cache-miss read", |s| {
            s.parent_span_id == request.span_id && s.name == "SELECT licenses"
        })
        .await;
    assert_eq!(statement.kind, CLIENT);
    assert_eq!(statement.trace_id, request.trace_id);
    assert_eq!(statement.attribute("db.system.name"), Some("postgresql"));
    assert_eq!(statement.attribute("db.operation.name"), Some("SELECT"));
    assert_eq!(statement.attribute("db.collection.name"), Some("licenses"));
    let text = statement
        .attribute("db.query.text")
        .expect("statement text");
    assert!(text.contains("$1"), "values stay parameters: {text}");
    assert!(!exported_anywhere(&receiver, vendor.key()));
    assert!(!exported_anywhere(
        &receiver,
        &vendor.key().replace('-', "").to_uppercase()
    ));
}

#[tokio::test]
async fn a_webhook_attempt_is_a_span_and_counts_by_outcome() {
    let (app, receiver) = observed_app().await;
    let hooks = WebhookReceiver::start().await;
    let token = app.register("vendor@example.com").await;
    let owner = account_id(&app, &token).await;
    let created = app
        .post(
            "/webhooks",
            &token,
            json!({"url": hooks.url, "events": ["product.created"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let hook = created.data()["id"].as_str().expect("id").to_owned();
    let secret = created.data()["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    app.product(&token, "app").await;
    hooks.wait_until("the event", |r| !r.is_empty()).await;

    let attempt = receiver
        .wait_for_span("the delivery", |s| s.name == "webhook delivery")
        .await;
    assert_eq!(attempt.kind, CLIENT);
    assert_eq!(
        attempt.attribute("licentia.webhook.id"),
        Some(hook.as_str())
    );
    assert_eq!(
        attempt.attribute("licentia.event.type"),
        Some("product.created")
    );
    assert_eq!(attempt.attribute("licentia.delivery.attempt"), Some("1"));
    assert_eq!(
        attempt.attribute("licentia.webhook.outcome"),
        Some("succeeded")
    );
    assert_eq!(attempt.attribute("http.response.status_code"), Some("200"));
    assert_eq!(
        attempt.attribute("licentia.tenant.id"),
        Some(owner.as_str())
    );
    let recorded = receiver
        .wait_for_span("the attempt's record", |s| {
            s.parent_span_id == attempt.span_id && s.name.starts_with("UPDATE")
        })
        .await;
    assert_eq!(recorded.trace_id, attempt.trace_id);
    receiver
        .wait_for_point("licentia.webhook.attempts", |p| {
            p.attributes
                .get("licentia.webhook.outcome")
                .map(String::as_str)
                == Some("succeeded")
                && p.value >= 1.0
        })
        .await;
    assert!(!exported_anywhere(&receiver, &secret));
    assert!(!exported_anywhere(&receiver, &hooks.url));
}

#[tokio::test]
async fn a_failing_endpoint_shows_as_backlog_and_failed_attempts() {
    let (app, receiver) = observed_app().await;
    let hooks = WebhookReceiver::start().await;
    hooks.respond_always(500);
    let token = app.register("vendor@example.com").await;
    let created = app
        .post(
            "/webhooks",
            &token,
            json!({"url": hooks.url, "events": ["product.created"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    app.product(&token, "app").await;
    hooks
        .wait_until("a failing attempt", |r| !r.is_empty())
        .await;

    let failed = receiver
        .wait_for_span("the failed attempt", |s| {
            s.name == "webhook delivery"
                && s.attribute("licentia.webhook.outcome") == Some("retrying")
        })
        .await;
    assert_eq!(failed.attribute("http.response.status_code"), Some("500"));
    assert_eq!(failed.status_code, 2, "a failed attempt is an error span");
    receiver
        .wait_for_point("licentia.webhook.attempts", |p| {
            p.attributes
                .get("licentia.webhook.outcome")
                .map(String::as_str)
                == Some("retrying")
                && p.value >= 1.0
        })
        .await;
    receiver
        .wait_for_point("licentia.outbox.backlog", |p| {
            matches!(
                p.attributes
                    .get("licentia.delivery.state")
                    .map(String::as_str),
                Some("due" | "scheduled")
            ) && p.value >= 1.0
        })
        .await;
}

#[tokio::test]
async fn a_clients_traceparent_makes_the_request_its_child() {
    let (app, receiver) = observed_app().await;
    let reply = app
        .client
        .get(app.url("/health"))
        .header(
            "traceparent",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        )
        .send()
        .await
        .expect("request");
    assert_eq!(reply.status(), 200);
    let span = receiver
        .wait_for_span("the health check", server_span("GET /v1/health"))
        .await;
    assert_eq!(
        hex(&span.trace_id),
        "0af7651916cd43dd8448eb211c80319c",
        "the client's trace goes on"
    );
    assert_eq!(hex(&span.parent_span_id), "b7ad6b7169203331");
}

#[tokio::test]
async fn an_unknown_route_is_named_by_its_method_alone() {
    let (app, receiver) = observed_app().await;
    let reply = app.request("GET", "/no/such/route", None, None).await;
    assert_eq!(reply.status, 404);
    let span = receiver
        .wait_for_span("the unknown route", server_span("GET"))
        .await;
    assert_eq!(span.attribute("http.route"), None, "no route matched");
    assert_eq!(span.attribute("http.response.status_code"), Some("404"));
    assert!(!exported_anywhere(&receiver, "/no/such/route"));
}

#[tokio::test]
async fn a_server_error_marks_its_span() {
    let receiver = OtlpReceiver::start().await;
    let app = spawn_app_with(|s| {
        receiver.receive_from(&mut s.telemetry);
        // A closed port: the pool cannot connect, readiness answers 503.
        s.database_url =
            secrecy::SecretString::from("postgres://postgres@127.0.0.1:1/nowhere".to_owned());
    })
    .await;
    let ready = app.request("GET", "/health/ready", None, None).await;
    assert_eq!(ready.status, 503, "{:?}", ready.body);
    let failed = receiver
        .wait_for_span(
            "the failed readiness check",
            server_span("GET /v1/health/ready"),
        )
        .await;
    assert_eq!(failed.status_code, 2, "5xx marks the span as an error");
    assert_eq!(failed.attribute("error.type"), Some("503"));
    assert_eq!(failed.attribute("http.response.status_code"), Some("503"));
}

#[tokio::test]
async fn rate_limit_rejections_backlog_and_pool_usage_are_exported() {
    let receiver = OtlpReceiver::start().await;
    let app = spawn_app_with(|s| {
        receiver.receive_from(&mut s.telemetry);
        s.rate_limits.auth_ip = limits("1,1000,1000");
    })
    .await;
    let body = json!({"email": "nobody@example.com", "password": "wrong-password-1"});
    let mut refused = 0;
    for _ in 0..3 {
        if app
            .request("POST", "/auth/login", None, Some(body.clone()))
            .await
            .status
            == 429
        {
            refused += 1;
        }
    }
    assert!(
        refused >= 1,
        "the second attempt within a second is refused"
    );
    receiver
        .wait_for_point("licentia.rate_limit.rejections", |p| {
            p.attributes
                .get("licentia.rate_limit.scope")
                .map(String::as_str)
                == Some("sign_in")
                && p.value >= 1.0
        })
        .await;
    let max = receiver
        .wait_for_point("db.client.connection.max", |_| true)
        .await;
    assert_eq!(max.value, app.settings.db_pool_size as f64);
    receiver
        .wait_for_point("db.client.connection.count", |p| {
            p.attributes
                .get("db.client.connection.state")
                .map(String::as_str)
                == Some("idle")
        })
        .await;
    receiver
        .wait_for_point("db.client.connection.pending_requests", |p| p.value == 0.0)
        .await;
    for state in ["due", "scheduled", "paused"] {
        let point = receiver
            .wait_for_point("licentia.outbox.backlog", |p| {
                p.attributes
                    .get("licentia.delivery.state")
                    .map(String::as_str)
                    == Some(state)
            })
            .await;
        assert_eq!(point.value, 0.0, "{state}: nothing is waiting");
    }
    receiver
        .wait_for_point("licentia.outbox.oldest_due_age", |p| p.value == 0.0)
        .await;
    assert!(!exported_anywhere(&receiver, "nobody@example.com"));
}

#[tokio::test]
async fn metrics_alone_export_no_span() {
    let receiver = OtlpReceiver::start().await;
    let app = spawn_app_with(|s| {
        receiver.receive_from(&mut s.telemetry);
        s.telemetry.traces_endpoint = None;
    })
    .await;
    let reply = app.request("GET", "/health", None, None).await;
    assert_eq!(reply.status, 200);
    receiver
        .wait_for_point("http.server.request.duration", |p| {
            p.attributes.get("http.route").map(String::as_str) == Some("/v1/health")
        })
        .await;
    // Several export intervals later, still no span.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(receiver.spans().is_empty(), "{:?}", receiver.spans());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
