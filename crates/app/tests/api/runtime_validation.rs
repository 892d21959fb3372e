//! `POST /v1/licenses/validate`: every verdict code, nonce, aliases, usage counters.

use licentia_test_support::{TestApp, spawn_app};
use serde_json::json;

use crate::fixtures::{Licensed, ask, licensed};

#[tokio::test]
async fn a_valid_license_validates_and_echoes_the_nonce() {
    let app = spawn_app().await;
    let l = licensed(
        &app,
        json!({"plan": "Pro", "issuedEmail": "buyer@example.com"}),
    )
    .await;
    let reply = app
        .runtime(
            "/licenses/validate",
            ask(l.key(), json!({"nonce": "n-123"})),
        )
        .await;
    assert_eq!(reply.status, 200);
    let data = reply.data();
    assert_eq!(data["valid"], true);
    assert_eq!(data["code"], "VALID");
    assert_eq!(data["nonce"], "n-123");
    assert_eq!(data["license"]["id"], l.id());
    assert_eq!(data["license"]["features"], json!(["sync", "export"]));
    assert_eq!(data["license"]["maxActivations"], 3);
    assert_eq!(data["license"]["email"], "buyer@example.com");
    assert!(
        data["validatedAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
}

#[tokio::test]
async fn verify_is_an_alias_and_key_is_accepted_for_license_key() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    let reply = app
        .runtime("/licenses/verify", json!({"key": l.key().to_lowercase()}))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.data()["code"], "VALID");
}

#[tokio::test]
async fn unknown_and_made_up_keys_are_not_found_without_a_license_object() {
    let app = spawn_app().await;
    for key in [
        "LIC-AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
        "some-imported-key-that-does-not-exist",
    ] {
        let reply = app.runtime("/licenses/validate", ask(key, json!({}))).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.data()["valid"], false);
        assert_eq!(reply.data()["code"], "NOT_FOUND");
        assert!(reply.data().get("license").is_none());
    }
}

#[tokio::test]
async fn suspension_revocation_and_expiry_answer_their_codes_at_once() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    let status = |s: &'static str| json!({"status": s});
    let validate = || app.runtime("/licenses/validate", ask(l.key(), json!({})));
    assert_eq!(validate().await.data()["code"], "VALID", "cached now");

    let suspend = app
        .patch(
            &format!("/licenses/{}/status", l.id()),
            &l.token,
            status("SUSPENDED"),
        )
        .await;
    assert_eq!(suspend.status, 200);
    assert_eq!(validate().await.data()["code"], "SUSPENDED");

    app.patch(
        &format!("/licenses/{}/status", l.id()),
        &l.token,
        status("ACTIVE"),
    )
    .await;
    assert_eq!(validate().await.data()["code"], "VALID");

    let past = json!({"expiresAt": "2020-01-01T00:00:00Z"});
    assert_eq!(
        app.patch(&format!("/licenses/{}", l.id()), &l.token, past)
            .await
            .status,
        200
    );
    let expired = validate().await;
    assert_eq!(expired.data()["code"], "EXPIRED");
    assert_eq!(expired.data()["license"]["status"], "EXPIRED");

    let renew = app
        .post(
            &format!("/licenses/{}/renew", l.id()),
            &l.token,
            json!({"extendDays": 30}),
        )
        .await;
    assert_eq!(renew.status, 200);
    assert_eq!(validate().await.data()["code"], "VALID");

    app.patch(
        &format!("/licenses/{}/status", l.id()),
        &l.token,
        status("REVOKED"),
    )
    .await;
    assert_eq!(validate().await.data()["code"], "REVOKED");
}

#[tokio::test]
async fn an_inactive_license_is_inactive() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    app.patch(
        &format!("/licenses/{}/status", l.id()),
        &l.token,
        json!({"status": "INACTIVE"}),
    )
    .await;
    let reply = app
        .runtime("/licenses/validate", ask(l.key(), json!({})))
        .await;
    assert_eq!(reply.data()["code"], "INACTIVE");
}

#[tokio::test]
async fn a_key_of_another_product_is_a_mismatch() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    let other = app.product(&l.token, "other").await;
    let reply = app
        .runtime(
            "/licenses/validate",
            ask(l.key(), json!({"productId": other})),
        )
        .await;
    assert_eq!(reply.data()["code"], "PRODUCT_MISMATCH");
    let same = app
        .runtime(
            "/licenses/validate",
            ask(l.key(), json!({"productId": l.product})),
        )
        .await;
    assert_eq!(same.data()["code"], "VALID");
}

#[tokio::test]
async fn a_fingerprint_that_was_never_activated_is_not_activated() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    let reply = app
        .runtime(
            "/licenses/validate",
            ask(l.key(), json!({"fingerprint": "machine-1"})),
        )
        .await;
    assert_eq!(reply.data()["code"], "NOT_ACTIVATED");
    app.runtime(
        "/licenses/activate",
        ask(l.key(), json!({"fingerprint": "machine-1"})),
    )
    .await;
    let reply = app
        .runtime(
            "/licenses/validate",
            ask(l.key(), json!({"fingerprint": "machine-1"})),
        )
        .await;
    assert_eq!(reply.data()["code"], "VALID");
    assert_eq!(reply.data()["activation"]["fingerprint"], "machine-1");
}

#[tokio::test]
async fn domains_outside_the_products_allow_list_are_refused() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    let domains = format!("/products/{}/domains", l.product);
    assert_eq!(
        app.post(&domains, &l.token, json!({"domain": "*.example.com"}))
            .await
            .status,
        201
    );
    let site = app
        .runtime(
            "/licenses/activate",
            ask(l.key(), json!({"domain": "shop.example.com"})),
        )
        .await;
    assert_eq!(site.status, 201);
    let by_body = app
        .runtime(
            "/licenses/validate",
            ask(l.key(), json!({"domain": "evil.test"})),
        )
        .await;
    assert_eq!(by_body.data()["code"], "DOMAIN_NOT_ALLOWED");
    let response = app
        .client
        .post(app.url("/licenses/validate"))
        .header("x-license-domain", "https://Shop.Example.com/wp-admin")
        .json(&ask(l.key(), json!({})))
        .send()
        .await
        .expect("sent");
    let by_header = licentia_test_support::read(response).await;
    assert_eq!(by_header.data()["code"], "VALID", "{:?}", by_header.body);
}

#[tokio::test]
async fn license_domains_extend_the_allow_list() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    app.post(
        &format!("/products/{}/domains", l.product),
        &l.token,
        json!({"domain": "example.com"}),
    )
    .await;
    app.post(
        &format!("/licenses/{}/domains", l.id()),
        &l.token,
        json!({"domain": "client.test"}),
    )
    .await;
    let not_yet = app
        .runtime(
            "/licenses/validate",
            ask(l.key(), json!({"domain": "client.test"})),
        )
        .await;
    assert_eq!(
        not_yet.data()["code"],
        "NOT_ACTIVATED",
        "a domain given must be activated"
    );
    let site = app
        .runtime(
            "/licenses/activate",
            ask(l.key(), json!({"domain": "client.test"})),
        )
        .await;
    assert_eq!(site.status, 201);
    let client = app
        .runtime(
            "/licenses/validate",
            ask(l.key(), json!({"domain": "client.test"})),
        )
        .await;
    assert_eq!(client.data()["code"], "VALID");
    let other = app
        .runtime(
            "/licenses/validate",
            ask(l.key(), json!({"domain": "other.test"})),
        )
        .await;
    assert_eq!(other.data()["code"], "DOMAIN_NOT_ALLOWED");
}

#[tokio::test]
async fn a_request_without_a_key_is_a_signed_422() {
    let app = spawn_app().await;
    let reply = app
        .runtime("/licenses/validate", json!({"fingerprint": "x"}))
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.code(), "VALIDATION_FAILED");
    assert!(reply.header("licentia-signature").is_some());
}

#[tokio::test]
async fn validations_are_counted_without_a_write_in_the_request_and_flushed_in_batches() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    for _ in 0..5 {
        app.runtime("/licenses/validate", ask(l.key(), json!({})))
            .await;
    }
    let mut counted = 0;
    for _ in 0..50 {
        counted = app
            .db
            .scalar(&format!(
                "SELECT coalesce(sum(count), 0)::bigint AS value FROM license_validation_days WHERE license_id = '{}'",
                l.id()
            ))
            .await;
        if counted >= 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(counted, 5);
    let license = app.get(&format!("/licenses/{}", l.id()), &l.token).await;
    assert!(license.data()["lastValidatedAt"].is_string());
}

/// The flush rewrites these rows over and over; room on each page keeps every write a
/// heap-only update that touches no index (migration 000009).
#[tokio::test]
async fn the_tables_the_usage_flush_rewrites_leave_room_on_each_page() {
    let app = spawn_app().await;
    for table in ["licenses", "license_validation_days"] {
        let fillfactor = app
            .db
            .scalar(&format!(
                "SELECT coalesce((SELECT option_value::bigint FROM pg_options_to_table(reloptions) \
                 WHERE option_name = 'fillfactor'), 100) AS value FROM pg_class WHERE oid = '{table}'::regclass"
            ))
            .await;
        assert_eq!(fillfactor, 80, "{table}");
    }
}

/// Validates once and waits until the flush has counted it (`total` in all).
async fn validate_and_wait_for_count(app: &TestApp, l: &Licensed, total: i64) {
    app.runtime("/licenses/validate", ask(l.key(), json!({})))
        .await;
    for _ in 0..50 {
        let counted = app
            .db
            .scalar(&format!(
                "SELECT coalesce(sum(count), 0)::bigint AS value FROM license_validation_days WHERE license_id = '{}'",
                l.id()
            ))
            .await;
        if counted >= total {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("validation {total} was not counted");
}

async fn seconds_since_last_validated(app: &TestApp, l: &Licensed) -> i64 {
    app.db
        .scalar(&format!(
            "SELECT extract(epoch FROM now() - validated_at)::bigint AS value \
             FROM license_last_validations WHERE license_id = '{}'",
            l.id()
        ))
        .await
}

/// Stores `lastValidatedAt` as `ago` (an SQL interval) before now.
async fn set_last_validated_ago(app: &TestApp, l: &Licensed, ago: &str) {
    app.db
        .execute(&format!(
            "UPDATE license_last_validations SET validated_at = now() - interval '{ago}' \
             WHERE license_id = '{}'",
            l.id()
        ))
        .await;
}

#[tokio::test]
async fn last_validated_at_moves_in_steps_of_a_minute() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    validate_and_wait_for_count(&app, &l, 1).await;
    assert!(
        seconds_since_last_validated(&app, &l).await < 10,
        "the first validation is written"
    );

    // Stored 30 s ago: a new validation is counted but lastValidatedAt stays.
    set_last_validated_ago(&app, &l, "30 seconds").await;
    validate_and_wait_for_count(&app, &l, 2).await;
    assert!((29..=40).contains(&seconds_since_last_validated(&app, &l).await));

    // Stored two minutes ago: the next validation moves it.
    set_last_validated_ago(&app, &l, "2 minutes").await;
    validate_and_wait_for_count(&app, &l, 3).await;
    assert!(seconds_since_last_validated(&app, &l).await < 10);
}

/// Architecture Invariant: the usage flush never writes the wide, many-indexed
/// `licenses` row; `lastValidatedAt` has a narrow table of its own.
#[tokio::test]
async fn validations_never_write_the_license_row_yet_show_in_last_validated_at() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    let version = format!(
        "SELECT xmin::text::bigint AS value FROM licenses WHERE id = '{}'",
        l.id()
    );
    let before = app.db.scalar(&version).await;
    validate_and_wait_for_count(&app, &l, 1).await;
    assert!(seconds_since_last_validated(&app, &l).await < 10);
    assert_eq!(
        app.db.scalar(&version).await,
        before,
        "the license row was rewritten"
    );

    let shown = app.get(&format!("/licenses/{}", l.id()), &l.token).await;
    assert_eq!(shown.status, 200, "{:?}", shown.body);
    let at = shown.data()["lastValidatedAt"]
        .as_str()
        .unwrap_or_else(|| panic!("lastValidatedAt is shown: {:?}", shown.body))
        .to_owned();
    let stored = format!(
        "SELECT count(*) AS value FROM license_last_validations \
         WHERE license_id = '{}' AND validated_at = '{at}'::timestamptz",
        l.id()
    );
    assert_eq!(app.db.scalar(&stored).await, 1, "{at} is the stored time");
}
