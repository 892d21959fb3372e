//! A graceful stop: buffered counters (validations, API key use) are written before
//! the process ends.

use std::time::Duration;

use licentia_test_support::read;
use serde_json::json;

use crate::fixtures::{ask, licensed};

#[tokio::test]
async fn a_graceful_stop_writes_every_buffered_validation_and_key_use() {
    let app = licentia_test_support::spawn_app().await;
    let l = licensed(&app, json!({})).await;
    let created = app
        .post(
            "/api-keys",
            &l.token,
            json!({"name": "shop", "scopes": ["licenses:read"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let (key_id, secret) = (
        created.data()["id"].as_str().expect("id").to_owned(),
        created.data()["secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    );
    // This instance writes its counters only when told to stop.
    let instance = app
        .spawn_stoppable_instance_with(|s| {
            s.usage_flush_interval = Duration::from_secs(3600);
            s.last_used_flush_interval = Duration::from_secs(3600);
        })
        .await;
    let base = instance.base();
    // No idle keep-alive connections: a graceful stop would wait for them to time out.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let validations = 7;
    for _ in 0..validations {
        let answer = client
            .post(format!("{base}/v1/licenses/validate"))
            .json(&ask(l.key(), json!({})))
            .send()
            .await
            .expect("sent");
        let answer = read(answer).await;
        assert_eq!(answer.data()["code"], "VALID", "{:?}", answer.body);
    }
    let listed = client
        .get(format!("{base}/v1/licenses"))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("sent");
    assert_eq!(listed.status(), 200);

    let counted = format!(
        "SELECT coalesce(sum(count), 0)::bigint AS value FROM license_validation_days \
         WHERE license_id = '{}'",
        l.id()
    );
    let stamped = format!(
        "SELECT count(*) AS value FROM license_last_validations WHERE license_id = '{}'",
        l.id()
    );
    let key_used = format!(
        "SELECT count(*) AS value FROM api_keys WHERE id = '{key_id}' AND last_used_at IS NOT NULL"
    );
    assert_eq!(app.db.scalar(&counted).await, 0, "nothing written yet");
    assert_eq!(app.db.scalar(&key_used).await, 0, "nothing written yet");

    instance.stop().await;
    assert_eq!(app.db.scalar(&counted).await, validations);
    assert_eq!(app.db.scalar(&stamped).await, 1);
    assert_eq!(app.db.scalar(&key_used).await, 1);
}
