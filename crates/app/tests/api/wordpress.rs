//! WordPress sites over real HTTP: registration takes a site seat and a token shown
//! once, re-registration keeps the site and retires the old token, heartbeats report
//! the license's verdict, actions are handed out once and a deactivation acknowledged
//! frees the seat; the vendor lists, filters, reads, deletes and queues.

use licentia_test_support::{Reply, TestApp, spawn_app};
use serde_json::{Value, json};

use crate::fixtures::licensed;

fn registration(key: &str, url: &str) -> Value {
    json!({
        "licenseKey": key,
        "siteUrl": url,
        "siteName": "Ada's Shop",
        "adminEmail": "admin@shop.example.com",
        "wpVersion": "6.5.2",
        "phpVersion": "8.2.12",
        "pluginVersion": "1.4.0",
    })
}

async fn register(app: &TestApp, key: &str, url: &str) -> Reply {
    app.runtime("/wordpress/register", registration(key, url))
        .await
}

fn token_of(reply: &Reply) -> String {
    reply.data()["siteToken"]
        .as_str()
        .expect("a site token")
        .to_owned()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.db
        .scalar(&format!("SELECT count(*) AS value FROM {sql}"))
        .await
}

#[tokio::test]
async fn registering_takes_a_site_seat_and_shows_the_token_once() {
    let app = spawn_app().await;
    let keys = crate::runtime_signatures::public_keys(&app).await;
    let l = licensed(&app, json!({"maxActivations": 2})).await;
    let reply = register(&app, l.key(), "https://Shop.Example.com/blog").await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert!(crate::runtime_signatures::signature_verifies(&reply, &keys));
    let token = token_of(&reply);
    assert!(token.starts_with("site_"));
    let site = reply.data()["siteId"].as_str().expect("site id").to_owned();

    assert_eq!(
        count(
            &app,
            "activations WHERE domain = 'shop.example.com' AND platform = 'wordpress'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            &format!("licenses WHERE id = '{}' AND activation_count = 1", l.id())
        )
        .await,
        1
    );
    assert_eq!(
        count(&app, &format!("sites WHERE id = '{site}' AND token_hash = sha256(convert_to('{token}', 'UTF8')) AND wp_version = '6.5.2'")).await,
        1,
        "the token is stored hashed"
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "outbox_events WHERE event_type = 'site.registered' AND data->>'id' = '{site}'"
            )
        )
        .await,
        1
    );

    let read = app.get(&format!("/sites/{site}"), &l.token).await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    assert_eq!(read.data()["domain"], "shop.example.com");
    assert_eq!(read.data()["siteUrl"], "https://Shop.Example.com/blog");
    assert!(read.data().get("siteToken").is_none());
}

#[tokio::test]
async fn registering_again_keeps_the_site_and_retires_the_old_token() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({"maxActivations": 1})).await;
    let first = register(&app, l.key(), "https://shop.example.com").await;
    let again = register(&app, l.key(), "https://shop.example.com/").await;
    assert_eq!(again.status, 200, "the same site: {:?}", again.body);
    assert_eq!(again.data()["siteId"], first.data()["siteId"]);
    assert_ne!(token_of(&again), token_of(&first));

    let old = app
        .runtime(
            "/wordpress/heartbeat",
            json!({"siteToken": token_of(&first)}),
        )
        .await;
    assert_eq!((old.status, old.code()), (401, "INVALID_SITE_TOKEN"));
    let new = app
        .runtime(
            "/wordpress/heartbeat",
            json!({"siteToken": token_of(&again)}),
        )
        .await;
    assert_eq!(new.status, 200, "{:?}", new.body);
    assert_eq!(count(&app, "activations").await, 1, "the same seat");
    assert_eq!(count(&app, "sites").await, 1);
    assert_eq!(
        count(&app, "outbox_events WHERE event_type = 'site.registered'").await,
        1
    );
    let forged = app
        .runtime("/wordpress/heartbeat", json!({"siteToken": "site_made-up"}))
        .await;
    assert_eq!((forged.status, forged.code()), (401, "INVALID_SITE_TOKEN"));
}

#[tokio::test]
async fn a_site_obeys_the_seat_limit_and_the_domain_allow_list() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({"maxActivations": 1})).await;
    assert_eq!(
        register(&app, l.key(), "https://one.example.com")
            .await
            .status,
        201
    );
    let second = register(&app, l.key(), "https://two.example.com").await;
    assert_eq!(
        (second.status, second.code()),
        (409, "TOO_MANY_ACTIVATIONS")
    );

    let domain = app
        .post(
            &format!("/products/{}/domains", l.product),
            &l.token,
            json!({"domain": "*.example.com"}),
        )
        .await;
    assert_eq!(domain.status, 201);
    let other = app
        .license(&l.token, &l.product, json!({"maxActivations": 5}))
        .await;
    let outside = register(
        &app,
        other["key"].as_str().expect("key"),
        "https://evil.test",
    )
    .await;
    assert_eq!(
        (outside.status, outside.code()),
        (403, "DOMAIN_NOT_ALLOWED")
    );
    let unknown = register(
        &app,
        "LIC-AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
        "https://a.example.com",
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(count(&app, "sites").await, 1);
    let bad = app
        .runtime(
            "/wordpress/register",
            json!({"licenseKey": l.key(), "siteUrl": "", "adminEmail": "nope"}),
        )
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
}

#[tokio::test]
async fn a_heartbeat_records_the_report_and_answers_the_licenses_verdict() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    let token = token_of(&register(&app, l.key(), "https://shop.example.com").await);
    app.db
        .execute("UPDATE activations SET last_heartbeat_at = now() - interval '1 hour'")
        .await;
    app.db
        .execute("UPDATE sites SET last_seen_at = now() - interval '1 hour'")
        .await;

    let beat = app
        .runtime(
            "/wordpress/heartbeat",
            json!({"siteToken": token, "wpVersion": "6.6", "healthData": {"memory": "256M"}}),
        )
        .await;
    assert_eq!(beat.status, 200, "{:?}", beat.body);
    assert_eq!(
        beat.data(),
        &json!({"status": "VALID", "pendingActions": 0})
    );
    assert_eq!(
        count(
            &app,
            "activations WHERE last_heartbeat_at > now() - interval '1 minute'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&app, "sites WHERE wp_version = '6.6' AND php_version = '8.2.12' AND health_data->>'memory' = '256M' AND last_seen_at > now() - interval '1 minute'").await,
        1
    );

    let suspended = app
        .patch(
            &format!("/licenses/{}/status", l.id()),
            &l.token,
            json!({"status": "SUSPENDED"}),
        )
        .await;
    assert_eq!(suspended.status, 200);
    let beat = app
        .runtime("/wordpress/heartbeat", json!({"siteToken": token}))
        .await;
    assert_eq!(beat.status, 200);
    assert_eq!(beat.data()["status"], "SUSPENDED");

    let big = json!({"siteToken": token, "healthData": {"blob": "x".repeat(17 * 1024)}});
    let refused = app.runtime("/wordpress/heartbeat", big).await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.body["details"][0]["field"], "healthData");
}

#[tokio::test]
async fn actions_are_handed_out_once_and_an_acknowledged_deactivation_frees_the_seat() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({"maxActivations": 1})).await;
    let registered = register(&app, l.key(), "https://shop.example.com").await;
    let (site, token) = (
        registered.data()["siteId"].as_str().expect("id").to_owned(),
        token_of(&registered),
    );
    for body in [
        json!({"type": "message", "payload": {"text": "renew soon"}}),
        json!({"type": "deactivate"}),
    ] {
        let queued = app
            .post(&format!("/sites/{site}/actions"), &l.token, body)
            .await;
        assert_eq!(queued.status, 201, "{:?}", queued.body);
        assert_eq!(queued.data()["state"], "pending");
    }
    let bad = app
        .post(
            &format!("/sites/{site}/actions"),
            &l.token,
            json!({"type": "reboot"}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["details"][0]["field"].clone()),
        (422, json!("type"))
    );
    let beat = app
        .runtime("/wordpress/heartbeat", json!({"siteToken": token}))
        .await;
    assert_eq!(beat.data()["pendingActions"], 2);

    let handed = app
        .runtime("/wordpress/pending-actions", json!({"siteToken": token}))
        .await;
    assert_eq!(handed.status, 200, "{:?}", handed.body);
    let actions = handed.data()["actions"]
        .as_array()
        .expect("actions")
        .clone();
    let types: Vec<_> = actions.iter().map(|a| a["type"].clone()).collect();
    assert_eq!(types, [json!("message"), json!("deactivate")]);
    assert!(actions.iter().all(|a| a["state"] == "delivered"));
    assert_eq!(actions[0]["payload"]["text"], "renew soon");
    let again = app
        .runtime("/wordpress/pending-actions", json!({"siteToken": token}))
        .await;
    assert_eq!(
        again.data()["actions"],
        json!([]),
        "each action is handed out once"
    );
    assert_eq!(
        count(&app, "activations").await,
        1,
        "nothing is freed before the acknowledgement"
    );

    let ids: Vec<_> = actions.iter().map(|a| a["id"].clone()).collect();
    let acked = app
        .runtime(
            "/wordpress/pending-actions",
            json!({"siteToken": token, "ack": ids}),
        )
        .await;
    assert_eq!(acked.status, 200);
    assert_eq!(
        count(
            &app,
            "site_actions WHERE state = 'done' AND done_at IS NOT NULL"
        )
        .await,
        2
    );
    assert_eq!(
        count(&app, "activations").await,
        0,
        "the deactivation freed the seat"
    );
    assert_eq!(
        count(
            &app,
            "outbox_events WHERE event_type = 'activation.deleted'"
        )
        .await,
        1
    );
    let beat = app
        .runtime("/wordpress/heartbeat", json!({"siteToken": token}))
        .await;
    assert_eq!(beat.data()["status"], "NOT_ACTIVATED");
    let reused = register(&app, l.key(), "https://two.example.com").await;
    assert_eq!(
        reused.status, 201,
        "the freed seat takes another site: {:?}",
        reused.body
    );
}

#[tokio::test]
async fn the_vendor_lists_filters_and_deletes_sites() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({"maxActivations": 5})).await;
    let other_product = app.product(&l.token, "other").await;
    let other = app.license(&l.token, &other_product, json!({})).await;
    let fresh = register(&app, l.key(), "https://fresh.example.com")
        .await
        .data()["siteId"]
        .clone();
    let quiet = register(&app, l.key(), "https://quiet.example.com")
        .await
        .data()["siteId"]
        .clone();
    register(
        &app,
        other["key"].as_str().expect("key"),
        "https://elsewhere.example.com",
    )
    .await;
    app.db
        .execute(&format!(
            "UPDATE sites SET last_seen_at = now() - interval '3 days' WHERE id = '{}'",
            quiet.as_str().expect("id")
        ))
        .await;

    let ids = |reply: &Reply| {
        reply
            .data()
            .as_array()
            .expect("list")
            .iter()
            .map(|s| s["id"].clone())
            .collect::<Vec<_>>()
    };
    let all = app.get("/sites", &l.token).await;
    assert_eq!(all.body["meta"]["total"], 3);
    let stale = app.get("/sites?stale=true", &l.token).await;
    assert_eq!(ids(&stale), std::slice::from_ref(&quiet));
    assert_eq!(stale.data()[0]["stale"], true);
    let by_license = app
        .get(&format!("/sites?licenseId={}", l.id()), &l.token)
        .await;
    assert_eq!(by_license.body["meta"]["total"], 2);
    let by_product = app
        .get(&format!("/sites?productId={other_product}"), &l.token)
        .await;
    assert_eq!(by_product.body["meta"]["total"], 1);
    assert_eq!(app.get("/sites?productId=nope", &l.token).await.status, 400);

    let site = fresh.as_str().expect("id");
    assert_eq!(
        app.delete(&format!("/sites/{site}"), &l.token).await.status,
        204
    );
    let gone = app.get(&format!("/sites/{site}"), &l.token).await;
    assert_eq!((gone.status, gone.code()), (404, "SITE_NOT_FOUND"));
    assert_eq!(
        count(&app, "activations WHERE domain = 'fresh.example.com'").await,
        0,
        "its seat is free"
    );
}

#[tokio::test]
async fn sites_are_invisible_to_other_accounts_and_need_the_sites_scopes() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    let site = register(&app, l.key(), "https://shop.example.com")
        .await
        .data()["siteId"]
        .as_str()
        .expect("id")
        .to_owned();
    let stranger = app.register("stranger@example.com").await;
    for (method, path, body) in [
        ("GET", format!("/sites/{site}"), None),
        ("DELETE", format!("/sites/{site}"), None),
        (
            "POST",
            format!("/sites/{site}/actions"),
            Some(json!({"type": "message"})),
        ),
    ] {
        let reply = app.request(method, &path, Some(&stranger), body).await;
        assert_eq!(
            (reply.status, reply.code()),
            (404, "SITE_NOT_FOUND"),
            "{method} {path}"
        );
    }
    assert_eq!(app.get("/sites", &stranger).await.body["meta"]["total"], 0);

    let reader = app.api_key(&l.token, &["sites:read"], None).await;
    assert_eq!(
        app.get(&format!("/sites/{site}"), &reader).await.status,
        200
    );
    let refused = app
        .post(
            &format!("/sites/{site}/actions"),
            &reader,
            json!({"type": "message"}),
        )
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, "INSUFFICIENT_SCOPE")
    );
    let writer = app.api_key(&l.token, &["sites:write"], None).await;
    assert_eq!(
        app.get("/sites", &writer).await.status,
        403,
        "write does not imply read"
    );
    let other_product = app.product(&l.token, "other").await;
    let scoped = app
        .api_key(
            &l.token,
            &["sites:read", "sites:write"],
            Some(&other_product),
        )
        .await;
    assert_eq!(
        app.get(&format!("/sites/{site}"), &scoped).await.status,
        404
    );
    assert_eq!(count(&app, "sites").await, 1);
    assert_eq!(count(&app, "site_actions").await, 0);
}
