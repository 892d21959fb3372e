//! Webhooks over real HTTP: endpoints CRUD and validation, the SSRF guard, every event
//! type the API produces reaching a real receiver with verifiable signatures, product
//! and event filters, retries, 410 and 24-hour disabling, secret rotation, test events,
//! manual retries, and at-most-one sending with two dispatchers or after a crash.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use licentia_test_support::{Received, TestApp, WebhookReceiver, spawn_app, spawn_app_with};
use serde_json::{Value, json};

/// Creates an endpoint for `receiver`; returns its id and secret.
async fn endpoint(
    app: &TestApp,
    token: &str,
    receiver: &WebhookReceiver,
    extra: Value,
) -> (String, String) {
    let mut body = json!({"url": receiver.url, "events": ["*"]});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let created = app.post("/webhooks", token, body).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    (
        created.data()["id"].as_str().expect("id").to_owned(),
        created.data()["secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    )
}

/// The host part of a test URL, as it would appear in a message.
fn url_host(url: &str) -> &str {
    url.split("//")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or(url)
}

fn types(received: &[Received]) -> BTreeSet<String> {
    received.iter().map(|r| r.event_type().to_owned()).collect()
}

async fn deliveries(app: &TestApp, token: &str, hook: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/webhooks/{hook}/deliveries?perPage=100"), token)
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.data().as_array().expect("a list").clone()
}

/// Waits until `hook`'s only delivery satisfies `done`.
async fn wait_for_delivery(
    app: &TestApp,
    token: &str,
    hook: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..300 {
        if let Some(found) = deliveries(app, token, hook)
            .await
            .into_iter()
            .find(|d| done(d))
        {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no delivery reached the expected state: {:?}",
        deliveries(app, token, hook).await
    );
}

#[tokio::test]
async fn an_endpoint_is_created_read_replaced_and_deleted_and_its_secret_shown_once() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    let created = app
        .post(
            "/webhooks",
            &token,
            json!({"url": receiver.url, "events": ["license.created", "license.deleted"], "description": "CRM"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let data = created.data();
    let id = data["id"].as_str().expect("id").to_owned();
    let secret = data["secret"].as_str().expect("secret");
    assert!(secret.starts_with("whsec_"));
    assert!(licentia_domain::webhook::WebhookSecret::parse(secret).is_ok());
    assert_eq!(
        data["events"],
        json!(["license.created", "license.deleted"])
    );
    assert_eq!(
        (data["enabled"].clone(), data["description"].clone()),
        (json!(true), json!("CRM"))
    );

    let read = app.get(&format!("/webhooks/{id}"), &token).await;
    assert_eq!(read.status, 200);
    assert!(
        read.data().get("secret").is_none(),
        "the secret is shown once"
    );
    let listed = app.get("/webhooks", &token).await;
    assert_eq!(listed.body["meta"]["total"], 1);
    assert!(listed.data()[0].get("secret").is_none());
    let stored: i64 = app
        .db
        .scalar(&format!(
            "SELECT count(*) AS value FROM webhook_endpoints WHERE id = '{id}' \
             AND length(secret_sealed) > 32 AND position(decode('{}', 'base64') in secret_sealed) = 0",
            &secret[6..]
        ))
        .await;
    assert_eq!(stored, 1, "the secret is sealed at rest");

    let replaced = app
        .put(
            &format!("/webhooks/{id}"),
            &token,
            json!({"url": receiver.url, "events": ["*"], "enabled": false}),
        )
        .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_eq!(replaced.data()["events"], json!(["*"]));
    assert_eq!(replaced.data()["enabled"], false);
    assert_eq!(replaced.data()["description"], Value::Null);

    assert_eq!(
        app.delete(&format!("/webhooks/{id}"), &token).await.status,
        204
    );
    let gone = app.get(&format!("/webhooks/{id}"), &token).await;
    assert_eq!((gone.status, gone.code()), (404, "WEBHOOK_NOT_FOUND"));
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM webhook_endpoints")
            .await,
        0
    );
}

#[tokio::test]
async fn invalid_endpoints_are_422_naming_each_field() {
    let app = spawn_app_with(|s| s.webhooks.allow_http = false).await;
    let token = app.register("vendor@example.com").await;
    for (body, field) in [
        (json!({"events": ["*"]}), "url"),
        (json!({"url": "ftp://example.com/", "events": ["*"]}), "url"),
        (
            json!({"url": "http://example.com/", "events": ["*"]}),
            "url",
        ),
        (
            json!({"url": "https://user:pw@example.com/", "events": ["*"]}),
            "url",
        ),
        (json!({"url": "https://example.com/"}), "events"),
        (
            json!({"url": "https://example.com/", "events": []}),
            "events",
        ),
        (
            json!({"url": "https://example.com/", "events": ["license.exploded"]}),
            "events",
        ),
        (
            json!({"url": "https://example.com/", "events": ["*", "license.created"]}),
            "events",
        ),
        (
            json!({"url": "https://example.com/", "events": ["*"], "productId": "nope"}),
            "productId",
        ),
        (
            json!({"url": "https://example.com/", "events": ["*"], "productId": "0190d4a4-0000-7000-8000-000000000000"}),
            "productId",
        ),
    ] {
        let reply = app.post("/webhooks", &token, body.clone()).await;
        assert_eq!(
            (reply.status, reply.code()),
            (422, "VALIDATION_FAILED"),
            "{body}: {:?}",
            reply.body
        );
        assert_eq!(reply.body["details"][0]["field"], field, "{body}");
    }
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM webhook_endpoints")
            .await,
        0
    );
}

#[tokio::test]
async fn urls_reaching_internal_addresses_are_refused_unless_the_operator_allows_them() {
    let app = spawn_app_with(|s| s.webhooks.allow_private = false).await;
    let token = app.register("vendor@example.com").await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://10.0.0.8/hook",
        "http://192.168.1.10/hook",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[fd00:ec2::254]/",
    ] {
        let reply = app
            .post("/webhooks", &token, json!({"url": url, "events": ["*"]}))
            .await;
        assert_eq!(reply.status, 422, "{url}: {:?}", reply.body);
        assert_eq!(reply.body["details"][0]["field"], "url");
        assert!(
            reply.body["details"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("address") && !m.contains(url_host(url))),
            "{url}: the message neither says which address nor hides the rule"
        );
    }
    // Allowing private addresses never opens the metadata service.
    let open = spawn_app().await;
    let token = open.register("vendor@example.com").await;
    for url in [
        "http://169.254.169.254/latest/meta-data",
        "http://[fd00:ec2::254]/",
    ] {
        let reply = open
            .post("/webhooks", &token, json!({"url": url, "events": ["*"]}))
            .await;
        assert_eq!(reply.status, 422, "{url}");
    }
    let local = open
        .post(
            "/webhooks",
            &token,
            json!({"url": "http://127.0.0.1:9/hook", "events": ["*"]}),
        )
        .await;
    assert_eq!(
        local.status, 201,
        "allowed by the operator: {:?}",
        local.body
    );
}

#[tokio::test]
async fn every_event_the_api_produces_arrives_signed_with_the_standard_headers() {
    let app = spawn_app_with(|s| s.expiry_sweep_interval = Duration::from_millis(100)).await;
    let token = app.register("vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    let (_, secret) = endpoint(&app, &token, &receiver, json!({})).await;

    let product = app.product(&token, "app").await;
    let kept = app.product(&token, "kept").await;
    let expiring = (time::OffsetDateTime::now_utc() + time::Duration::seconds(1))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats");
    app.license(&token, &kept, json!({"expiresAt": expiring}))
        .await;
    assert_eq!(
        app.patch(
            &format!("/products/{product}"),
            &token,
            json!({"name": "App 2"})
        )
        .await
        .status,
        200
    );
    let customer = app
        .post(
            "/customers",
            &token,
            json!({"email": "c@example.com", "name": "C"}),
        )
        .await;
    let customer = customer.data()["id"].as_str().expect("id").to_owned();
    assert_eq!(
        app.patch(
            &format!("/customers/{customer}"),
            &token,
            json!({"name": "C 2"})
        )
        .await
        .status,
        200
    );
    let license = app
        .license(&token, &product, json!({"maxActivations": 2}))
        .await;
    let (id, key) = (
        license["id"].as_str().expect("id"),
        license["key"].as_str().expect("key"),
    );
    assert_eq!(
        app.patch(
            &format!("/licenses/{id}"),
            &token,
            json!({"issuedTo": "Ada"})
        )
        .await
        .status,
        200
    );
    for status in ["SUSPENDED", "ACTIVE"] {
        let reply = app
            .patch(
                &format!("/licenses/{id}/status"),
                &token,
                json!({"status": status}),
            )
            .await;
        assert_eq!(reply.status, 200);
    }
    assert_eq!(
        app.post(
            &format!("/licenses/{id}/renew"),
            &token,
            json!({"extendDays": 30})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.runtime(
            "/licenses/activate",
            json!({"licenseKey": key, "fingerprint": "m1"})
        )
        .await
        .status,
        201
    );
    assert_eq!(
        app.runtime(
            "/licenses/deactivate",
            json!({"licenseKey": key, "fingerprint": "m1"})
        )
        .await
        .status,
        200
    );
    let revoked = app
        .patch(
            &format!("/licenses/{id}/status"),
            &token,
            json!({"status": "REVOKED"}),
        )
        .await;
    assert_eq!(revoked.status, 200);
    assert_eq!(
        app.delete(&format!("/licenses/{id}"), &token).await.status,
        204
    );
    assert_eq!(
        app.delete(&format!("/customers/{customer}"), &token)
            .await
            .status,
        204
    );
    assert_eq!(
        app.delete(&format!("/products/{product}?force=true"), &token)
            .await
            .status,
        204
    );
    let sold = app.license(&token, &kept, json!({})).await;
    let payment = app
        .post(
            "/payments",
            &token,
            json!({"productId": kept, "licenseId": sold["id"], "amount": 4900, "currency": "EUR", "status": "succeeded"}),
        )
        .await;
    assert_eq!(payment.status, 201, "{:?}", payment.body);
    let site = app
        .runtime(
            "/wordpress/register",
            json!({"licenseKey": sold["key"], "siteUrl": "https://shop.example.com"}),
        )
        .await;
    assert_eq!(site.status, 201, "{:?}", site.body);

    let expected: BTreeSet<String> = [
        "payment.created",
        "site.registered",
        "product.created",
        "product.updated",
        "product.deleted",
        "customer.created",
        "customer.updated",
        "customer.deleted",
        "license.created",
        "license.updated",
        "license.suspended",
        "license.reinstated",
        "license.renewed",
        "license.revoked",
        "license.deleted",
        "license.expired",
        "activation.created",
        "activation.deleted",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    receiver
        .wait_until("every event type", |r| types(r).is_superset(&expected))
        .await;
    let stored: i64 = app
        .db
        .scalar("SELECT count(*) AS value FROM outbox_events")
        .await;
    let received = receiver
        .wait_until("one request per event", |r| r.len() as i64 >= stored)
        .await;
    assert_eq!(
        received.len() as i64,
        stored,
        "one delivery per event, none twice"
    );
    for message in &received {
        assert!(
            message.signed_by(&secret),
            "{} is signed with the endpoint's secret",
            message.event_type()
        );
        assert!(message.signature.starts_with("v1,"));
        assert!((message.timestamp - time::OffsetDateTime::now_utc().unix_timestamp()).abs() < 60);
        let event: i64 = app
            .db
            .scalar(&format!(
                "SELECT count(*) AS value FROM outbox_events WHERE id = '{}' AND event_type = '{}'",
                message.id,
                message.event_type()
            ))
            .await;
        assert_eq!(event, 1, "webhook-id is the outbox event's id");
        let keys: Vec<&String> = message
            .json
            .as_object()
            .expect("an object")
            .keys()
            .collect();
        assert_eq!(keys.len(), 3, "{:?}", message.json);
        assert!(message.json["timestamp"].is_string() && message.json["data"].is_object());
        assert!(
            std::str::from_utf8(&message.body)
                .expect("utf-8")
                .starts_with("{\"type\":")
        );
    }
    let ids: BTreeSet<_> = received.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), received.len(), "no event was sent twice");
}

#[tokio::test]
async fn product_and_event_filters_choose_what_an_endpoint_receives() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let mine = app.product(&token, "mine").await;
    let other = app.product(&token, "other").await;
    let filtered = WebhookReceiver::start().await;
    let everything = WebhookReceiver::start().await;
    endpoint(
        &app,
        &token,
        &filtered,
        json!({"productId": mine, "events": ["license.created"]}),
    )
    .await;
    endpoint(&app, &token, &everything, json!({})).await;

    let wanted = app.license(&token, &mine, json!({})).await;
    app.license(&token, &other, json!({})).await;
    app.post(
        "/customers",
        &token,
        json!({"email": "c@example.com", "name": "C"}),
    )
    .await;

    everything.wait_until("3 events", |r| r.len() >= 3).await;
    let received = filtered
        .wait_until("the product's license", |r| !r.is_empty())
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received_later = filtered.received();
    assert_eq!(received_later.len(), 1, "{:?}", types(&received_later));
    assert_eq!(received[0].event_type(), "license.created");
    assert_eq!(received[0].json["data"]["id"], wanted["id"]);
}

#[tokio::test]
async fn a_failed_delivery_is_retried_and_every_attempt_is_logged() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    receiver.respond_with(&[500, 503]);
    let (hook, _) = endpoint(
        &app,
        &token,
        &receiver,
        json!({"events": ["customer.created"]}),
    )
    .await;
    app.post(
        "/customers",
        &token,
        json!({"email": "c@example.com", "name": "C"}),
    )
    .await;

    let received = receiver
        .wait_until("three attempts", |r| r.len() >= 3)
        .await;
    assert!(
        received.iter().all(|r| r.id == received[0].id),
        "the same webhook-id every time"
    );
    let delivery = wait_for_delivery(&app, &token, &hook, |d| d["status"] == "succeeded").await;
    assert_eq!(delivery["attemptCount"], 3);
    assert_eq!(delivery["lastStatusCode"], 200);
    assert_eq!(delivery["nextAttemptAt"], Value::Null);
    let attempts = delivery["attempts"].as_array().expect("attempts");
    assert_eq!(
        attempts
            .iter()
            .map(|a| (
                a["attempt"].clone(),
                a["statusCode"].clone(),
                a["error"].clone()
            ))
            .collect::<Vec<_>>(),
        [
            (json!(1), json!(500), json!("HTTP 500")),
            (json!(2), json!(503), json!("HTTP 503")),
            (json!(3), json!(200), Value::Null),
        ]
    );
    assert!(
        attempts
            .iter()
            .all(|a| a["latencyMs"].is_u64() && a["attemptedAt"].is_string())
    );
    assert!(
        !delivery.to_string().contains("receiver-internal-detail"),
        "the receiver's body is never shown"
    );
    let endpoint = app.get(&format!("/webhooks/{hook}"), &token).await;
    assert_eq!(
        (
            endpoint.data()["enabled"].clone(),
            endpoint.data()["failingSince"].clone()
        ),
        (json!(true), Value::Null)
    );
}

#[tokio::test]
async fn a_410_disables_the_endpoint_and_the_owner_sees_why() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    receiver.respond_with(&[410]);
    let (hook, _) = endpoint(&app, &token, &receiver, json!({})).await;
    app.post(
        "/customers",
        &token,
        json!({"email": "a@example.com", "name": "A"}),
    )
    .await;

    let delivery = wait_for_delivery(&app, &token, &hook, |d| d["status"] == "failed").await;
    assert_eq!(delivery["attemptCount"], 1);
    let endpoint = app.get(&format!("/webhooks/{hook}"), &token).await;
    assert_eq!(endpoint.data()["enabled"], false);
    assert!(
        endpoint.data()["disabledReason"]
            .as_str()
            .is_some_and(|r| r.contains("410"))
    );

    app.post(
        "/customers",
        &token,
        json!({"email": "b@example.com", "name": "B"}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received().len(),
        1,
        "a disabled endpoint receives nothing"
    );
    assert_eq!(
        deliveries(&app, &token, &hook).await.len(),
        1,
        "nor are deliveries queued for it"
    );

    let enabled = app
        .put(
            &format!("/webhooks/{hook}"),
            &token,
            json!({"url": receiver.url, "events": ["*"], "enabled": true}),
        )
        .await;
    assert_eq!(enabled.data()["enabled"], true);
    assert_eq!(enabled.data()["disabledReason"], Value::Null);
    app.post(
        "/customers",
        &token,
        json!({"email": "c@example.com", "name": "C"}),
    )
    .await;
    receiver
        .wait_until("the next event after re-enabling", |r| r.len() >= 2)
        .await;
}

#[tokio::test]
async fn an_endpoint_failing_for_a_day_is_disabled_with_its_last_error() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    receiver.respond_always(500);
    let (hook, _) = endpoint(&app, &token, &receiver, json!({})).await;
    app.db
        .execute(&format!(
            "UPDATE webhook_endpoints SET failing_since = now() - interval '25 hours' WHERE id = '{hook}'"
        ))
        .await;
    app.post(
        "/customers",
        &token,
        json!({"email": "a@example.com", "name": "A"}),
    )
    .await;

    let delivery = wait_for_delivery(&app, &token, &hook, |d| d["attemptCount"] == 1).await;
    assert_eq!(
        delivery["status"], "pending",
        "kept, to resume when the endpoint is enabled"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        receiver.received().len(),
        1,
        "nothing more is sent to a disabled endpoint"
    );
    let endpoint = app.get(&format!("/webhooks/{hook}"), &token).await;
    assert_eq!(endpoint.data()["enabled"], false);
    let reason = endpoint.data()["disabledReason"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        reason.contains("24 hours") && reason.contains("HTTP 500"),
        "{reason}"
    );
}

#[tokio::test]
async fn after_a_rotation_both_secrets_sign_until_the_old_one_expires() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    let (hook, old) = endpoint(&app, &token, &receiver, json!({})).await;
    let rotated = app
        .post(
            &format!("/webhooks/{hook}/rotate-secret"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let new = rotated.data()["secret"]
        .as_str()
        .expect("a new secret")
        .to_owned();
    assert_ne!(new, old);
    assert!(rotated.data()["secretRotatedAt"].is_string());

    app.post(
        "/customers",
        &token,
        json!({"email": "a@example.com", "name": "A"}),
    )
    .await;
    let received = receiver.wait_until("one event", |r| !r.is_empty()).await;
    assert_eq!(
        received[0].signature.split(' ').count(),
        2,
        "{}",
        received[0].signature
    );
    assert!(received[0].signed_by(&new) && received[0].signed_by(&old));

    app.db
        .execute(&format!(
            "UPDATE webhook_endpoints SET secret_rotated_at = now() - interval '25 hours' WHERE id = '{hook}'"
        ))
        .await;
    app.post(
        "/customers",
        &token,
        json!({"email": "b@example.com", "name": "B"}),
    )
    .await;
    let received = receiver
        .wait_until("a second event", |r| r.len() >= 2)
        .await;
    assert_eq!(received[1].signature.split(' ').count(), 1);
    assert!(received[1].signed_by(&new) && !received[1].signed_by(&old));
}

#[tokio::test]
async fn a_test_event_is_delivered_and_a_delivery_can_be_sent_again_by_hand() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    let (hook, secret) = endpoint(
        &app,
        &token,
        &receiver,
        json!({"events": ["license.created"]}),
    )
    .await;

    let queued = app
        .post(&format!("/webhooks/{hook}/test"), &token, json!({}))
        .await;
    assert_eq!(queued.status, 202, "{:?}", queued.body);
    assert_eq!(
        (
            queued.data()["eventType"].clone(),
            queued.data()["status"].clone()
        ),
        (json!("webhook.test"), json!("pending"))
    );
    let delivery_id = queued.data()["id"].as_str().expect("id").to_owned();
    let received = receiver
        .wait_until("the test event", |r| !r.is_empty())
        .await;
    assert_eq!(received[0].event_type(), "webhook.test");
    assert_eq!(received[0].json["data"]["webhookId"], hook.as_str());
    assert!(received[0].signed_by(&secret));
    wait_for_delivery(&app, &token, &hook, |d| d["status"] == "succeeded").await;

    let again = app
        .post(
            &format!("/webhooks/{hook}/deliveries/{delivery_id}/retry"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(again.status, 202, "{:?}", again.body);
    let received = receiver.wait_until("the resend", |r| r.len() >= 2).await;
    assert_eq!(
        received[1].id, received[0].id,
        "a resend keeps the webhook-id, so receivers deduplicate"
    );
    let delivery = wait_for_delivery(&app, &token, &hook, |d| {
        d["attemptCount"] == 2 && d["status"] == "succeeded"
    })
    .await;
    assert_eq!(delivery["id"], delivery_id.as_str());

    let pending = app
        .get(
            &format!("/webhooks/{hook}/deliveries?status=pending"),
            &token,
        )
        .await;
    assert_eq!(pending.body["meta"]["total"], 0);
    let bad = app
        .get(&format!("/webhooks/{hook}/deliveries?status=lost"), &token)
        .await;
    assert_eq!((bad.status, bad.code()), (400, "INVALID_QUERY"));
    let unknown = app
        .post(
            &format!("/webhooks/{hook}/deliveries/0190d4a4-0000-7000-8000-000000000000/retry"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (404, "DELIVERY_NOT_FOUND")
    );
}

#[tokio::test]
async fn two_dispatchers_send_each_event_once() {
    let app = spawn_app().await;
    app.spawn_instance().await;
    let token = app.register("vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    endpoint(
        &app,
        &token,
        &receiver,
        json!({"events": ["customer.created"]}),
    )
    .await;
    let creates = (0..40).map(|n| {
        let (app, token) = (&app, &token);
        async move {
            app.post(
                "/customers",
                token,
                json!({"email": format!("c{n}@example.com"), "name": "C"}),
            )
            .await
        }
    });
    for reply in futures_util::future::join_all(creates).await {
        assert_eq!(reply.status, 201);
    }
    receiver.wait_until("40 events", |r| r.len() >= 40).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = receiver.received();
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for message in &received {
        *per_id.entry(message.id.clone()).or_default() += 1;
    }
    assert_eq!(per_id.len(), 40);
    assert!(per_id.values().all(|&n| n == 1), "sent twice: {per_id:?}");
    let attempts: i64 = app
        .db
        .scalar("SELECT count(*) AS value FROM webhook_attempts")
        .await;
    assert_eq!(attempts, 40);
}

#[tokio::test]
async fn a_dispatcher_that_dies_after_claiming_only_delays_the_delivery() {
    let app = spawn_app_with(|s| s.webhooks.dispatcher = false).await;
    let token = app.register("vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    let (hook, _) = endpoint(&app, &token, &receiver, json!({})).await;
    app.post(
        "/customers",
        &token,
        json!({"email": "a@example.com", "name": "A"}),
    )
    .await;

    // A dispatcher claims the delivery (its lease committed), then dies before sending.
    let crashed = licentia::startup::build_state(&app.settings).expect("state");
    let claimed = crashed
        .deliveries
        .claim(
            time::OffsetDateTime::now_utc(),
            10,
            time::Duration::seconds(1),
        )
        .await
        .expect("claims");
    assert_eq!(claimed.len(), 1);
    drop(crashed);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(receiver.received().is_empty());

    app.spawn_instance_with(|s| s.webhooks.dispatcher = true)
        .await;
    let received = receiver
        .wait_until("the delivery after the lease", |r| !r.is_empty())
        .await;
    assert_eq!(received.len(), 1);
    let delivery = wait_for_delivery(&app, &token, &hook, |d| d["status"] == "succeeded").await;
    assert_eq!(
        delivery["attempts"][0]["attempt"], 2,
        "attempt 1 died with its dispatcher"
    );
}

#[tokio::test]
async fn the_address_is_checked_again_at_delivery_time() {
    let app = spawn_app_with(|s| s.webhooks.dispatcher = false).await;
    let token = app.register("vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    let (hook, _) = endpoint(&app, &token, &receiver, json!({})).await;
    // A replica whose operator forbids private addresses (as if DNS now said 127.0.0.1).
    app.spawn_instance_with(|s| {
        s.webhooks.dispatcher = true;
        s.webhooks.allow_private = false;
    })
    .await;
    app.post(
        "/customers",
        &token,
        json!({"email": "a@example.com", "name": "A"}),
    )
    .await;

    let delivery = wait_for_delivery(&app, &token, &hook, |d| {
        d["attemptCount"].as_u64() >= Some(1)
    })
    .await;
    assert_eq!(delivery["status"], "pending", "retried later");
    assert_eq!(delivery["attempts"][0]["statusCode"], Value::Null);
    let error = delivery["attempts"][0]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(error.starts_with("refused"), "{error}");
    assert!(
        !error.contains("127.0.0.1"),
        "the address is not revealed: {error}"
    );
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn endpoints_are_invisible_to_other_accounts_and_scoped_keys_stay_in_their_product() {
    let app = spawn_app().await;
    let owner = app.register("owner@example.com").await;
    let stranger = app.register("stranger@example.com").await;
    let receiver = WebhookReceiver::start().await;
    let (hook, _) = endpoint(&app, &owner, &receiver, json!({})).await;
    for (method, path) in [
        ("GET", format!("/webhooks/{hook}")),
        ("PUT", format!("/webhooks/{hook}")),
        ("DELETE", format!("/webhooks/{hook}")),
        ("POST", format!("/webhooks/{hook}/test")),
        ("POST", format!("/webhooks/{hook}/rotate-secret")),
        ("GET", format!("/webhooks/{hook}/deliveries")),
    ] {
        let body = json!({"url": receiver.url, "events": ["*"]});
        let reply = app
            .request(method, &path, Some(&stranger), Some(body))
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (404, "WEBHOOK_NOT_FOUND"),
            "{method} {path}"
        );
    }
    assert_eq!(
        app.get("/webhooks", &stranger).await.body["meta"]["total"],
        0
    );

    let mine = app.product(&owner, "mine").await;
    let other = app.product(&owner, "other").await;
    let scoped = app
        .api_key(&owner, &["webhooks:read", "webhooks:write"], Some(&mine))
        .await;
    let created = app
        .post(
            "/webhooks",
            &scoped,
            json!({"url": receiver.url, "events": ["*"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(
        created.data()["productId"],
        mine.as_str(),
        "a scoped key's endpoint is filtered to its product"
    );
    let elsewhere = app
        .post(
            "/webhooks",
            &scoped,
            json!({"url": receiver.url, "events": ["*"], "productId": other}),
        )
        .await;
    assert_eq!((elsewhere.status, elsewhere.code()), (403, "PRODUCT_SCOPE"));
    let listed = app.get("/webhooks", &scoped).await;
    assert_eq!(
        listed.body["meta"]["total"], 1,
        "the account-wide endpoint is outside the key's product"
    );
    assert_eq!(
        app.get(&format!("/webhooks/{hook}"), &scoped).await.status,
        404
    );
    let edit = json!({"url": receiver.url, "events": ["*"], "productId": mine});
    let outside = app.put(&format!("/webhooks/{hook}"), &scoped, edit).await;
    assert_eq!((outside.status, outside.code()), (404, "WEBHOOK_NOT_FOUND"));

    let reader = app.api_key(&owner, &["webhooks:read"], None).await;
    let refused = app
        .post(
            "/webhooks",
            &reader,
            json!({"url": receiver.url, "events": ["*"]}),
        )
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, "INSUFFICIENT_SCOPE")
    );
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM webhook_endpoints")
            .await,
        2
    );
}

/// A server without a dispatcher, an endpoint, and a test event queued for it:
/// `(app, token, webhook id, delivery id)`.
async fn queued_test_without_dispatcher() -> (TestApp, String, String, String) {
    let app = spawn_app_with(|s| s.webhooks.dispatcher = false).await;
    let token = app.register("vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    let (hook, _) = endpoint(&app, &token, &receiver, json!({})).await;
    let queued = app
        .post(&format!("/webhooks/{hook}/test"), &token, json!({}))
        .await;
    assert_eq!(queued.status, 202, "{:?}", queued.body);
    let delivery = queued.data()["id"].as_str().expect("id").to_owned();
    (app, token, hook, delivery)
}

#[tokio::test]
async fn nothing_is_sent_by_hand_to_a_disabled_endpoint_and_it_can_be_changed_whatever_its_dns() {
    let (app, token, hook, delivery) = queued_test_without_dispatcher().await;

    // The receiver's name stops resolving; the owner can still switch the endpoint off.
    let gone = "https://receiver.invalid/hook";
    app.db
        .execute(&format!(
            "UPDATE webhook_endpoints SET url = '{gone}' WHERE id = '{hook}'"
        ))
        .await;
    let off = app
        .put(
            &format!("/webhooks/{hook}"),
            &token,
            json!({"url": gone, "events": ["*"], "enabled": false}),
        )
        .await;
    assert_eq!(off.status, 200, "{:?}", off.body);
    let moved = app
        .put(
            &format!("/webhooks/{hook}"),
            &token,
            json!({"url": "https://other.invalid/hook", "events": ["*"]}),
        )
        .await;
    assert_eq!(moved.status, 422, "a new URL is still checked");

    for path in [
        format!("/webhooks/{hook}/test"),
        format!("/webhooks/{hook}/deliveries/{delivery}/retry"),
    ] {
        let refused = app.post(&path, &token, json!({})).await;
        assert_eq!(
            (refused.status, refused.code()),
            (409, "WEBHOOK_DISABLED"),
            "{path}"
        );
    }
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM webhook_deliveries")
            .await,
        1
    );
}

#[tokio::test]
async fn a_delivery_being_attempted_cannot_be_resent_until_its_attempt_is_logged() {
    let (app, token, hook, delivery) = queued_test_without_dispatcher().await;
    let dispatcher = licentia::startup::build_state(&app.settings).expect("state");
    let claimed = dispatcher
        .deliveries
        .claim(
            time::OffsetDateTime::now_utc(),
            10,
            time::Duration::seconds(60),
        )
        .await
        .expect("claims");
    assert_eq!(claimed.len(), 1);

    let refused = app
        .post(
            &format!("/webhooks/{hook}/deliveries/{delivery}/retry"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (409, "DELIVERY_IN_FLIGHT")
    );

    // Once its lease has run out (the dispatcher died), a resend is accepted.
    app.db
        .execute("UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 second'")
        .await;
    let accepted = app
        .post(
            &format!("/webhooks/{hook}/deliveries/{delivery}/retry"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
}
