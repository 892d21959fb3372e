//! Activations: taking, holding, freeing seats; exact limits under concurrency;
//! heartbeats and floating seats; the vendor's view.

use futures_util::future::join_all;
use licentia_test_support::spawn_app;
use serde_json::json;

use crate::fixtures::{ask, licensed};

#[tokio::test]
async fn activating_takes_a_seat_once_and_is_idempotent() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({"maxActivations": 2})).await;
    let first = app
        .runtime(
            "/licenses/activate",
            ask(
                l.key(),
                json!({"fingerprint": "m1", "name": "Laptop", "platform": "linux"}),
            ),
        )
        .await;
    assert_eq!(first.status, 201);
    assert_eq!(first.data()["activation"]["name"], "Laptop");
    assert_eq!(first.data()["license"]["activationCount"], 1);
    let again = app
        .runtime(
            "/licenses/activate",
            ask(l.key(), json!({"fingerprint": "m1"})),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.data()["activation"]["id"],
        first.data()["activation"]["id"]
    );
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM activations")
            .await,
        1
    );
    assert_eq!(
        app.db.scalar("SELECT count(*) AS value FROM outbox_events WHERE event_type = 'activation.created'").await,
        1
    );
}

#[tokio::test]
async fn the_limit_answers_409_too_many_activations() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({"maxActivations": 1})).await;
    app.runtime(
        "/licenses/activate",
        ask(l.key(), json!({"fingerprint": "m1"})),
    )
    .await;
    let refused = app
        .runtime(
            "/licenses/activate",
            ask(l.key(), json!({"fingerprint": "m2"})),
        )
        .await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.code(), "TOO_MANY_ACTIVATIONS");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM activations")
            .await,
        1
    );
}

#[tokio::test]
async fn refusing_licenses_answer_403_with_the_code_and_unknown_keys_404() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    app.patch(
        &format!("/licenses/{}/status", l.id()),
        &l.token,
        json!({"status": "SUSPENDED"}),
    )
    .await;
    let suspended = app
        .runtime(
            "/licenses/activate",
            ask(l.key(), json!({"fingerprint": "m1"})),
        )
        .await;
    assert_eq!(suspended.status, 403);
    assert_eq!(suspended.code(), "SUSPENDED");
    let unknown = app
        .runtime(
            "/licenses/activate",
            ask("no-such-key-here", json!({"fingerprint": "m1"})),
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.code(), "NOT_FOUND");
    let no_seat = app
        .runtime("/licenses/activate", ask(l.key(), json!({})))
        .await;
    assert_eq!(no_seat.status, 422);
}

#[tokio::test]
async fn sixty_four_parallel_activations_of_a_five_seat_license_take_exactly_five_seats() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({"maxActivations": 5})).await;
    let attempts = (0..64).map(|i| {
        app.runtime(
            "/licenses/activate",
            ask(l.key(), json!({"fingerprint": format!("device-{i}")})),
        )
    });
    let replies = join_all(attempts).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let refused = replies
        .iter()
        .filter(|r| r.status == 409 && r.code() == "TOO_MANY_ACTIVATIONS")
        .count();
    assert_eq!(
        (created, refused),
        (5, 59),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM activations")
            .await,
        5
    );
    assert_eq!(
        app.db
            .scalar("SELECT activation_count::bigint AS value FROM licenses")
            .await,
        5
    );
}

#[tokio::test]
async fn the_same_fingerprint_racing_gets_one_activation_and_every_request_succeeds() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({"maxActivations": 1})).await;
    let attempts = (0..16).map(|_| {
        app.runtime(
            "/licenses/activate",
            ask(l.key(), json!({"fingerprint": "same"})),
        )
    });
    let replies = join_all(attempts).await;
    assert!(
        replies.iter().all(|r| r.status == 200 || r.status == 201),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(replies.iter().filter(|r| r.status == 201).count(), 1);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM activations")
            .await,
        1
    );
}

#[tokio::test]
async fn deactivating_frees_one_seat_or_all() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({"maxActivations": 3})).await;
    for device in ["a", "b", "c"] {
        app.runtime(
            "/licenses/activate",
            ask(l.key(), json!({"fingerprint": device})),
        )
        .await;
    }
    let one = app
        .runtime(
            "/licenses/deactivate",
            ask(l.key(), json!({"fingerprint": "a"})),
        )
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.data()["deactivated"], 1);
    assert_eq!(one.data()["license"]["activationCount"], 2);
    let missing = app
        .runtime(
            "/licenses/deactivate",
            ask(l.key(), json!({"fingerprint": "a"})),
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "ACTIVATION_NOT_FOUND");
    let all = app
        .runtime("/licenses/deactivate", ask(l.key(), json!({"all": true})))
        .await;
    assert_eq!(all.data()["deactivated"], 2);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM activations")
            .await,
        0
    );
    assert_eq!(
        app.db.scalar("SELECT count(*) AS value FROM outbox_events WHERE event_type = 'activation.deleted'").await,
        3
    );
    let validate = app
        .runtime(
            "/licenses/validate",
            ask(l.key(), json!({"fingerprint": "b"})),
        )
        .await;
    assert_eq!(validate.data()["code"], "NOT_ACTIVATED");
}

#[tokio::test]
async fn site_activations_count_against_the_limit_and_obey_the_allow_list() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({"maxActivations": 1})).await;
    app.post(
        &format!("/products/{}/domains", l.product),
        &l.token,
        json!({"domain": "*.example.com"}),
    )
    .await;
    let refused = app
        .runtime(
            "/licenses/activate",
            ask(l.key(), json!({"domain": "evil.test"})),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.code(), "DOMAIN_NOT_ALLOWED");
    let site = app
        .runtime(
            "/licenses/activate",
            ask(l.key(), json!({"domain": "https://Shop.Example.com/"})),
        )
        .await;
    assert_eq!(site.status, 201);
    assert_eq!(site.data()["activation"]["domain"], "shop.example.com");
    let second = app
        .runtime(
            "/licenses/activate",
            ask(l.key(), json!({"domain": "blog.example.com"})),
        )
        .await;
    assert_eq!(second.code(), "TOO_MANY_ACTIVATIONS");
}

#[tokio::test]
async fn a_silent_floating_seat_dies_frees_its_place_and_revives_on_activation() {
    let app = spawn_app().await;
    let l = licensed(
        &app,
        json!({"maxActivations": 1, "heartbeatIntervalSeconds": 10}),
    )
    .await;
    app.runtime(
        "/licenses/activate",
        ask(l.key(), json!({"fingerprint": "m1"})),
    )
    .await;
    let beat = app
        .runtime(
            "/licenses/heartbeat",
            ask(l.key(), json!({"fingerprint": "m1"})),
        )
        .await;
    assert_eq!(beat.status, 200);
    assert_eq!(beat.data()["code"], "VALID");

    // Silence for longer than twice the interval, announced like any change.
    app.db
        .execute(&format!(
            "UPDATE activations SET last_heartbeat_at = now() - interval '30 seconds'; \
             SELECT pg_notify('licentia_changes', 'license:{}')",
            l.id()
        ))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let dead = app
        .runtime(
            "/licenses/validate",
            ask(l.key(), json!({"fingerprint": "m1"})),
        )
        .await;
    assert_eq!(dead.data()["code"], "HEARTBEAT_DEAD");
    let late_beat = app
        .runtime(
            "/licenses/heartbeat",
            ask(l.key(), json!({"fingerprint": "m1"})),
        )
        .await;
    assert_eq!(late_beat.status, 403);
    assert_eq!(late_beat.code(), "HEARTBEAT_DEAD");

    // The dead seat is free for another device…
    let other = app
        .runtime(
            "/licenses/activate",
            ask(l.key(), json!({"fingerprint": "m2"})),
        )
        .await;
    assert_eq!(other.status, 201);
    // …so the first cannot come back while the only seat is taken.
    let back = app
        .runtime(
            "/licenses/activate",
            ask(l.key(), json!({"fingerprint": "m1"})),
        )
        .await;
    assert_eq!(back.code(), "TOO_MANY_ACTIVATIONS");
}

#[tokio::test]
async fn the_vendor_lists_activations_and_frees_a_seat() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({"maxActivations": 1})).await;
    app.runtime(
        "/licenses/activate",
        ask(l.key(), json!({"fingerprint": "m1"})),
    )
    .await;
    let listed = app
        .get(&format!("/licenses/{}/activations", l.id()), &l.token)
        .await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["meta"]["total"], 1);
    let activation = listed.data()[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(listed.data()[0]["alive"], true);

    let other = app.register("other@example.com").await;
    let hidden = app
        .delete(&format!("/activations/{activation}"), &other)
        .await;
    assert_eq!(
        (hidden.status, hidden.code()),
        (404, "ACTIVATION_NOT_FOUND")
    );
    let read_only = app.api_key(&l.token, &["activations:read"], None).await;
    let forbidden = app
        .delete(&format!("/activations/{activation}"), &read_only)
        .await;
    assert_eq!(forbidden.code(), "INSUFFICIENT_SCOPE");

    assert_eq!(
        app.delete(&format!("/activations/{activation}"), &l.token)
            .await
            .status,
        204
    );
    let freed = app
        .runtime(
            "/licenses/activate",
            ask(l.key(), json!({"fingerprint": "m2"})),
        )
        .await;
    assert_eq!(freed.status, 201, "the seat is free at once");
    let license = app.get(&format!("/licenses/{}", l.id()), &l.token).await;
    assert_eq!(license.data()["activationCount"], 1);
}

#[tokio::test]
async fn deleting_a_license_deletes_its_activations() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    app.runtime(
        "/licenses/activate",
        ask(l.key(), json!({"fingerprint": "m1"})),
    )
    .await;
    assert_eq!(
        app.delete(&format!("/licenses/{}", l.id()), &l.token)
            .await
            .status,
        204
    );
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM activations")
            .await,
        0
    );
    let gone = app
        .runtime("/licenses/validate", ask(l.key(), json!({})))
        .await;
    assert_eq!(gone.data()["code"], "NOT_FOUND");
}
