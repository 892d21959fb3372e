//! `Idempotency-Key` on POST: retries replay the first answer, per credential, even
//! when requests race.

use futures_util::future::join_all;
use licentia_test_support::{Reply, TestApp, read, spawn_app};
use serde_json::{Value, json};

/// `POST /v1<path>` with a bearer credential, an optional `Idempotency-Key` and a JSON body.
async fn post_with_key(
    app: &TestApp,
    path: &str,
    credential: &str,
    key: Option<&str>,
    body: &Value,
) -> Reply {
    let mut request = app
        .client
        .post(app.url(path))
        .bearer_auth(credential)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    read(request.send().await.expect("request sent")).await
}

async fn customers(app: &TestApp) -> i64 {
    app.db
        .scalar("SELECT count(*) AS value FROM customers")
        .await
}

fn ada() -> Value {
    json!({"email": "ada@example.com", "name": "Ada Lovelace", "externalId": "crm-1"})
}

#[tokio::test]
async fn a_retry_with_the_same_key_and_body_replays_the_first_answer() {
    let app = spawn_app().await;
    let session = app.register("vendor@example.com").await;
    let key = app.api_key(&session, &["customers:write"], None).await;

    let first = post_with_key(&app, "/customers", &key, Some("order-1001"), &ada()).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(
        first.header("idempotent-replayed"),
        None,
        "the first answer is not a replay"
    );
    let second = post_with_key(&app, "/customers", &key, Some("order-1001"), &ada()).await;
    assert_eq!(second.status, 201, "{:?}", second.body);
    assert_eq!(
        second.body, first.body,
        "the stored body, byte for byte the same customer"
    );
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert!(
        second
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{:?}",
        second.headers
    );
    assert!(
        second.header("x-request-id").is_some(),
        "a replay still carries a request id"
    );

    assert_eq!(customers(&app).await, 1);
    assert_eq!(
        app.db
            .scalar(
                "SELECT count(*) AS value FROM outbox_events WHERE event_type = 'customer.created'"
            )
            .await,
        1,
        "one event for one customer"
    );
}

#[tokio::test]
async fn the_same_key_with_a_different_body_is_409_idempotency_key_reused() {
    let app = spawn_app().await;
    let session = app.register("vendor@example.com").await;
    let key = app.api_key(&session, &["customers:write"], None).await;
    let first = post_with_key(&app, "/customers", &key, Some("order-1002"), &ada()).await;
    assert_eq!(first.status, 201, "{:?}", first.body);

    let other = json!({"email": "grace@example.com", "name": "Grace Hopper"});
    let reply = post_with_key(&app, "/customers", &key, Some("order-1002"), &other).await;
    assert_eq!(reply.status, 409, "{:?}", reply.body);
    assert_eq!(reply.code(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(customers(&app).await, 1);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM customers WHERE email = 'grace@example.com'")
            .await,
        0
    );

    let again = post_with_key(&app, "/customers", &key, Some("order-1002"), &ada()).await;
    assert_eq!(
        again.status, 201,
        "the original request still replays: {:?}",
        again.body
    );
    assert_eq!(again.body, first.body);
}

#[tokio::test]
async fn the_same_key_on_another_route_is_409_idempotency_key_reused() {
    let app = spawn_app().await;
    let session = app.register("vendor@example.com").await;
    let first = post_with_key(&app, "/customers", &session, Some("k-1"), &ada()).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let product = json!({"name": "Desk", "slug": "desk"});
    let reply = post_with_key(&app, "/products", &session, Some("k-1"), &product).await;
    assert_eq!(reply.status, 409, "{:?}", reply.body);
    assert_eq!(reply.code(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM products")
            .await,
        0
    );
}

#[tokio::test]
async fn the_same_key_from_another_credential_creates_its_own_customer() {
    let app = spawn_app().await;
    let session = app.register("vendor@example.com").await;
    let shop = app.api_key(&session, &["customers:write"], None).await;
    let crm = app.api_key(&session, &["customers:write"], None).await;
    let body = json!({"email": "ada@example.com", "name": "Ada Lovelace"});

    let from_shop = post_with_key(&app, "/customers", &shop, Some("same-key"), &body).await;
    let from_crm = post_with_key(&app, "/customers", &crm, Some("same-key"), &body).await;
    let from_session = post_with_key(&app, "/customers", &session, Some("same-key"), &body).await;
    for reply in [&from_shop, &from_crm, &from_session] {
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        assert_eq!(
            reply.header("idempotent-replayed"),
            None,
            "never another credential's answer"
        );
    }
    assert_ne!(from_shop.data()["id"], from_crm.data()["id"]);
    assert_ne!(from_shop.data()["id"], from_session.data()["id"]);
    assert_ne!(from_crm.data()["id"], from_session.data()["id"]);
    assert_eq!(customers(&app).await, 3);

    let other_account = app.register("other@example.com").await;
    let theirs = post_with_key(&app, "/customers", &other_account, Some("same-key"), &body).await;
    assert_eq!(theirs.status, 201, "{:?}", theirs.body);
    assert_eq!(theirs.header("idempotent-replayed"), None);
    assert_eq!(customers(&app).await, 4);
}

#[tokio::test]
async fn a_failed_request_is_replayed_with_the_same_422() {
    let app = spawn_app().await;
    let session = app.register("vendor@example.com").await;
    let bad = json!({"email": "not-an-email", "name": "Ada"});

    let first = post_with_key(&app, "/customers", &session, Some("bad-1"), &bad).await;
    assert_eq!(first.status, 422, "{:?}", first.body);
    assert_eq!(first.code(), "VALIDATION_FAILED");
    assert_eq!(first.header("idempotent-replayed"), None);
    let second = post_with_key(&app, "/customers", &session, Some("bad-1"), &bad).await;
    assert_eq!(second.status, 422, "{:?}", second.body);
    assert_eq!(second.code(), "VALIDATION_FAILED");
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(customers(&app).await, 0);
}

#[tokio::test]
async fn concurrent_requests_with_the_same_key_create_exactly_one_customer() {
    let app = spawn_app().await;
    let session = app.register("vendor@example.com").await;
    let key = app.api_key(&session, &["customers:write"], None).await;
    let body = ada();

    let replies =
        join_all((0..8).map(|_| post_with_key(&app, "/customers", &key, Some("race-1"), &body)))
            .await;

    let created: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert!(!created.is_empty(), "{replies:?}");
    for reply in &replies {
        assert!(
            reply.status == 201
                || (reply.status == 409 && reply.code() == "IDEMPOTENCY_KEY_IN_USE"),
            "{} {:?}",
            reply.status,
            reply.body
        );
    }
    let originals = created
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_none())
        .count();
    assert_eq!(
        originals, 1,
        "exactly one request ran; the others were replays or refused"
    );
    assert!(
        created.iter().all(|r| r.body == created[0].body),
        "every 201 is the same customer"
    );
    assert_eq!(customers(&app).await, 1);

    let after = post_with_key(&app, "/customers", &key, Some("race-1"), &body).await;
    assert_eq!(after.status, 201);
    assert_eq!(after.header("idempotent-replayed"), Some("true"));
    assert_eq!(after.body, created[0].body);
}

#[tokio::test]
async fn requests_without_a_key_are_not_deduplicated() {
    let app = spawn_app().await;
    let session = app.register("vendor@example.com").await;
    let body = json!({"email": "ada@example.com", "name": "Ada Lovelace"});
    let first = post_with_key(&app, "/customers", &session, None, &body).await;
    let second = post_with_key(&app, "/customers", &session, None, &body).await;
    assert_eq!(first.status, 201);
    assert_eq!(second.status, 201);
    assert_ne!(first.data()["id"], second.data()["id"]);
    assert_eq!(customers(&app).await, 2);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM idempotency_keys")
            .await,
        0
    );
}

#[tokio::test]
async fn an_overlong_key_is_400_and_creates_nothing() {
    let app = spawn_app().await;
    let session = app.register("vendor@example.com").await;
    let long = "k".repeat(256);
    let reply = post_with_key(&app, "/customers", &session, Some(&long), &ada()).await;
    assert_eq!(reply.status, 400, "{:?}", reply.body);
    assert_eq!(reply.code(), "INVALID_IDEMPOTENCY_KEY");
    assert_eq!(customers(&app).await, 0);

    let longest = "k".repeat(255);
    let ok = post_with_key(&app, "/customers", &session, Some(&longest), &ada()).await;
    assert_eq!(ok.status, 201, "255 characters are allowed: {:?}", ok.body);
}

#[tokio::test]
async fn a_replayed_secret_is_sealed_at_rest() {
    let app = spawn_app().await;
    let token = app.register("ada@example.com").await;
    let body = json!({"name": "shop", "scopes": ["licenses:read"]});
    let first = post_with_key(&app, "/api-keys", &token, Some("key-1"), &body).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let secret = first.data()["secret"]
        .as_str()
        .expect("a secret")
        .to_owned();

    let stored: i64 = app
        .db
        .scalar(&format!(
            "SELECT count(*) AS value FROM idempotency_keys \
             WHERE body IS NOT NULL AND position(convert_to('{secret}', 'UTF8') in body) = 0"
        ))
        .await;
    assert_eq!(
        stored, 1,
        "the stored answer exists and does not hold the secret in clear"
    );

    let again = post_with_key(&app, "/api-keys", &token, Some("key-1"), &body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        again.data()["secret"],
        secret.as_str(),
        "the replay still shows it"
    );
}
