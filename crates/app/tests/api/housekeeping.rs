//! Retention: the housekeeping worker deletes expired sessions, idempotency keys past
//! their window and old finished outbox events, and keeps everything still in use.

use std::time::{Duration, Instant};

use licentia_test_support::{TestApp, spawn_app_with};
use serde_json::json;

/// Creates a webhook on customer events and `count` customers (one delivery each).
async fn customers_with_deliveries(app: &TestApp, token: &str, count: usize) {
    let hook = app
        .post(
            "/webhooks",
            token,
            json!({"url": "http://127.0.0.1:9/hook", "events": ["customer.created"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{:?}", hook.body);
    for n in 0..count {
        let customer = app
            .post(
                "/customers",
                token,
                json!({"email": format!("c{n}@example.com"), "name": "C"}),
            )
            .await;
        assert_eq!(customer.status, 201, "{:?}", customer.body);
    }
}

/// Polls `sql` (a count) until it equals `expected`, for at most five seconds.
async fn eventually(app: &TestApp, sql: &str, expected: i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let value = app.db.scalar(sql).await;
        if value == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{sql}: still {value}, expected {expected}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_worker_deletes_what_expired_and_keeps_what_is_live() {
    let app = spawn_app_with(|s| {
        s.webhooks.dispatcher = false;
        s.housekeeping_interval = Duration::from_millis(200);
    })
    .await;
    let token = app.register("vendor@example.com").await;
    let second = app
        .request(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": "vendor@example.com", "password": "correct-horse-battery"})),
        )
        .await;
    assert_eq!(second.status, 200, "{:?}", second.body);
    customers_with_deliveries(&app, &token, 3).await;

    // One session expired, one idempotency key past its 24 h window, every event 40
    // days old: two finished deliveries, one still pending.
    app.db
        .execute(
            "UPDATE sessions SET expires_at = now() - interval '1 minute' \
             WHERE id = (SELECT id FROM sessions ORDER BY created_at DESC, id LIMIT 1)",
        )
        .await;
    app.db
        .execute(
            "INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES \
             ('s', 'old', '\\x00', now() - interval '25 hours'), \
             ('s', 'fresh', '\\x00', now() - interval '23 hours')",
        )
        .await;
    app.db
        .execute("UPDATE outbox_events SET created_at = now() - interval '40 days'")
        .await;
    app.db
        .execute(
            "UPDATE webhook_deliveries SET state = 'succeeded', next_attempt_at = NULL \
             WHERE id IN (SELECT id FROM webhook_deliveries ORDER BY id LIMIT 2)",
        )
        .await;

    eventually(&app, "SELECT count(*) AS value FROM sessions", 1).await;
    eventually(&app, "SELECT count(*) AS value FROM idempotency_keys", 1).await;
    eventually(
        &app,
        "SELECT count(*) AS value FROM outbox_events o \
         WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = o.id)",
        0,
    )
    .await;
    eventually(&app, "SELECT count(*) AS value FROM outbox_events", 1).await;

    let pending: i64 = app
        .db
        .scalar("SELECT count(*) AS value FROM webhook_deliveries WHERE state = 'pending'")
        .await;
    let fresh: i64 = app
        .db
        .scalar("SELECT count(*) AS value FROM idempotency_keys WHERE key = 'fresh'")
        .await;
    assert_eq!((pending, fresh), (1, 1), "live rows are kept");
    // The registration's session survives; the login's (expired) one is gone.
    assert_eq!(app.get("/auth/me", &token).await.status, 200);
    let expired = second.data()["token"].as_str().expect("token");
    assert_eq!(app.get("/auth/me", expired).await.status, 401);
}
