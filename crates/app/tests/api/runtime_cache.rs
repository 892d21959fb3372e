//! The validation cache across instances and through a database outage.

use std::time::{Duration, Instant};

use licentia_test_support::{read, spawn_app_with};
use serde_json::{Value, json};

use crate::fixtures::{ask, licensed};

async fn validate_at(client: &reqwest::Client, base: &str, body: &Value) -> Value {
    let response = client
        .post(format!("{base}/v1/licenses/validate"))
        .json(body)
        .send()
        .await
        .expect("sent");
    read(response).await.body
}

#[tokio::test]
async fn a_suspension_on_one_instance_reaches_another_within_a_second() {
    let app = spawn_app_with(|_| {}).await;
    let l = licensed(&app, json!({})).await;
    let second = app.spawn_instance().await;
    let body = ask(l.key(), json!({}));
    assert_eq!(
        validate_at(&app.client, &second, &body).await["data"]["code"],
        "VALID",
        "cached on the second"
    );

    let suspend = app
        .patch(
            &format!("/licenses/{}/status", l.id()),
            &l.token,
            json!({"status": "SUSPENDED"}),
        )
        .await;
    assert_eq!(suspend.status, 200);
    let started = Instant::now();
    loop {
        let code = validate_at(&app.client, &second, &body).await["data"]["code"].clone();
        if code == "SUSPENDED" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "still {code} after a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn cached_keys_keep_validating_while_the_database_is_down_and_it_recovers() {
    // Every answer tries the database first (nothing is "fresh"), to exercise the
    // stale-while-down path rather than ordinary caching.
    let app = spawn_app_with(|s| s.cache_fresh_for = Duration::ZERO).await;
    let l = licensed(&app, json!({})).await;
    let body = ask(l.key(), json!({}));
    assert_eq!(
        app.runtime("/licenses/validate", body.clone()).await.data()["code"],
        "VALID"
    );

    let name = app.db.name().to_owned();
    let admin = |sql: String| {
        let url = app.db.url();
        async move {
            use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
            use secrecy::ExposeSecret;
            let server = url
                .expose_secret()
                .rsplit_once('/')
                .map(|(s, _)| format!("{s}/postgres"))
                .expect("url");
            let mut conn = AsyncPgConnection::establish(&server)
                .await
                .expect("admin connection");
            conn.batch_execute(&sql).await.expect("admin sql");
        }
    };
    admin(format!(
        "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid();"
    ))
    .await;

    let during = app.runtime("/licenses/validate", body.clone()).await;
    assert_eq!(during.status, 200, "{:?}", during.body);
    assert_eq!(during.data()["code"], "VALID", "answered from cache");
    let unknown = app
        .runtime("/licenses/validate", ask("never-seen-key-0001", json!({})))
        .await;
    assert_eq!(unknown.status, 503);
    assert_eq!(unknown.code(), "SERVICE_UNAVAILABLE");
    assert!(unknown.header("licentia-signature").is_some());

    admin(format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true")).await;
    let started = Instant::now();
    loop {
        let ready = app.request("GET", "/health/ready", None, None).await;
        if ready.status == 200 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no recovery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = app
        .runtime("/licenses/validate", ask("never-seen-key-0001", json!({})))
        .await;
    assert_eq!(after.status, 200);
    assert_eq!(after.data()["code"], "NOT_FOUND");
}

#[tokio::test]
async fn the_expiry_sweep_persists_expired_and_announces_it() {
    let app = spawn_app_with(|s| s.expiry_sweep_interval = Duration::from_millis(100)).await;
    let l = licensed(&app, json!({})).await;
    app.db
        .execute("UPDATE licenses SET expires_at = now() - interval '1 minute'")
        .await;
    let mut stored = 0;
    for _ in 0..50 {
        stored = app
            .db
            .scalar("SELECT count(*) AS value FROM licenses WHERE status = 'EXPIRED'")
            .await;
        if stored == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored, 1);
    assert_eq!(
        app.db
            .scalar(
                "SELECT count(*) AS value FROM outbox_events WHERE event_type = 'license.expired'"
            )
            .await,
        1
    );
    let reply = app
        .runtime("/licenses/validate", ask(l.key(), json!({})))
        .await;
    assert_eq!(reply.data()["code"], "EXPIRED");
}
