//! A change of master key seen from running servers: during the rolling restart an
//! instance with the new key and the previous one opens what the old key sealed (and
//! seals with the new one), and the dispatcher still delivers when an endpoint's
//! previous secret cannot be opened.

use licentia::runtime::master_key::MasterKey;
use licentia_test_support::{Reply, TestApp, WebhookReceiver, read, spawn_app, spawn_app_with};
use serde_json::json;

use crate::fixtures::ask;
use crate::runtime_signatures::{public_keys, signature_verifies};

/// `POST /v1/customers` with an `Idempotency-Key`.
async fn idempotent_customer(app: &TestApp, token: &str, key: &str, email: &str) -> Reply {
    let request = app
        .client
        .post(app.url("/customers"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"email": email, "name": "A customer"}));
    read(request.send().await.expect("sent")).await
}

#[tokio::test]
async fn during_the_rollover_an_instance_with_both_keys_opens_what_the_old_key_sealed() {
    let (old_key, new_key) = (
        MasterKey::generate_base64().expect("random"),
        MasterKey::generate_base64().expect("random"),
    );
    // Not restarted yet: the old key alone, and no dispatcher (the new instance sends).
    let old = spawn_app_with(|s| {
        s.master_key = Some(old_key.clone());
        s.webhooks.dispatcher = false;
    })
    .await;
    let token = old.register("vendor@example.com").await;
    let product = old.product(&token, "app").await;
    let license = old.license(&token, &product, json!({})).await;
    let license_key = license["key"].as_str().expect("key");
    let receiver = WebhookReceiver::start().await;
    let created = old
        .post(
            "/webhooks",
            &token,
            json!({"url": receiver.url, "events": ["customer.created"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let hook = created.data()["id"].as_str().expect("id");
    let first_secret = created.data()["secret"].as_str().expect("secret");
    let rotated = old
        .post(
            &format!("/webhooks/{hook}/rotate-secret"),
            &token,
            json!({}),
        )
        .await;
    let second_secret = rotated.data()["secret"].as_str().expect("secret");
    let answer = idempotent_customer(&old, &token, "order-1", "ada@example.com").await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);

    // Restarted: the new key, and the old one as the previous key.
    let both = spawn_app_with(|s| {
        s.database_url = old.db.url();
        s.master_key = Some(new_key.clone());
        s.previous_master_key = Some(old_key.clone());
    })
    .await;
    let keys = public_keys(&both).await;
    let validated = both
        .runtime("/licenses/validate", ask(license_key, json!({})))
        .await;
    assert_eq!(validated.data()["code"], "VALID", "{:?}", validated.body);
    assert!(
        signature_verifies(&validated, &keys),
        "signed with the key the old master key sealed"
    );
    let replay = idempotent_customer(&both, &token, "order-1", "ada@example.com").await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.raw, answer.raw);
    let delivered = receiver
        .wait_until("ada's customer.created", |r| !r.is_empty())
        .await;
    assert!(
        delivered[0].signed_by(first_secret) && delivered[0].signed_by(second_secret),
        "both secrets, sealed under the old key, sign: {}",
        delivered[0].signature
    );

    // What the restarted instance seals is under the new key: the old instance cannot
    // replay it (the short glitch of a rolling restart, gone once all have both keys).
    let fresh = idempotent_customer(&both, &token, "order-2", "bob@example.com").await;
    assert_eq!(fresh.status, 201, "{:?}", fresh.body);
    let again = idempotent_customer(&both, &token, "order-2", "bob@example.com").await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        idempotent_customer(&old, &token, "order-2", "bob@example.com")
            .await
            .status,
        500
    );
}

#[tokio::test]
async fn the_dispatcher_signs_with_the_current_secret_when_the_previous_cannot_be_opened() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let receiver = WebhookReceiver::start().await;
    let created = app
        .post(
            "/webhooks",
            &token,
            json!({"url": receiver.url, "events": ["customer.created"]}),
        )
        .await;
    let hook = created.data()["id"].as_str().expect("id");
    let rotated = app
        .post(
            &format!("/webhooks/{hook}/rotate-secret"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let current = rotated.data()["secret"].as_str().expect("secret");
    // Sealed under a master key this server does not have.
    let stranger = MasterKey::from_base64(&MasterKey::generate_base64().expect("random"))
        .expect("a key")
        .seal(&format!("webhook:{hook}"), b"whsec_lost")
        .expect("sealed");
    let hex: String = stranger.iter().map(|b| format!("{b:02x}")).collect();
    app.db
        .execute(&format!(
            "UPDATE webhook_endpoints SET previous_secret_sealed = '\\x{hex}' WHERE id = '{hook}'"
        ))
        .await;

    app.post(
        "/customers",
        &token,
        json!({"email": "ada@example.com", "name": "Ada"}),
    )
    .await;
    let received = receiver.wait_until("the event", |r| !r.is_empty()).await;
    assert_eq!(
        received[0].signature.split(' ').count(),
        1,
        "{}",
        received[0].signature
    );
    assert!(received[0].signed_by(current));
    for _ in 0..300 {
        let deliveries = app
            .get(&format!("/webhooks/{hook}/deliveries"), &token)
            .await;
        if deliveries.data()[0]["status"] == "succeeded" {
            assert_eq!(deliveries.data()[0]["attempts"][0]["error"], json!(null));
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the delivery never succeeded");
}
