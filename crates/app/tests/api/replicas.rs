//! Three app instances on one database behind a round-robin proxy behave as one
//! server: a suspension reaches every instance's cache within a second, each webhook
//! event is delivered once, a rate limit is one budget, and an activation limit holds.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use licentia::config::RateLimitMode;
use licentia_test_support::{Reply, RoundRobin, TestApp, WebhookReceiver, read, spawn_app_with};
use serde_json::{Value, json};

use crate::bursts::{assert_passed, burst, limits};
use crate::fixtures::ask;

/// One request through `base` (the proxy or an instance), on a fresh connection.
async fn send(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = RoundRobin::client().request(method, format!("{base}/v1{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    read(request.send().await.expect("sent")).await
}

async fn replicas() -> (TestApp, Vec<String>, RoundRobin) {
    let app = spawn_app_with(|s| {
        s.rate_limits.mode = RateLimitMode::Postgres;
        s.rate_limits.start = limits("5,1000,10000");
        s.rate_limits.runtime_key = limits("1000,100000,1000000");
    })
    .await;
    let mut instances = vec![app.address.clone()];
    instances.push(app.spawn_instance().await);
    instances.push(app.spawn_instance().await);
    let proxy = RoundRobin::start(&instances).await;
    (app, instances, proxy)
}

/// A vendor on the enterprise tier (so the setup itself is not rate limited).
async fn vendor(app: &TestApp, email: &str) -> String {
    let token = app.register(email).await;
    app.db
        .execute(&format!(
            "UPDATE users SET tier = 'enterprise' WHERE email = '{email}'"
        ))
        .await;
    token
}

#[tokio::test]
async fn three_replicas_behind_a_round_robin_proxy_behave_as_one_server() {
    let (app, instances, proxy) = replicas().await;
    let p = proxy.address.as_str();
    let token = vendor(&app, "vendor@example.com").await;
    let product = app.product(&token, "app").await;

    // A suspension reaches every instance's cache within a second.
    let license = app
        .license(&token, &product, json!({"maxActivations": 3}))
        .await;
    let key = license["key"].as_str().expect("key").to_owned();
    for instance in &instances {
        let valid = send(
            instance,
            "POST",
            "/licenses/validate",
            None,
            Some(ask(&key, json!({}))),
        )
        .await;
        assert_eq!(valid.data()["code"], "VALID", "cached on {instance}");
    }
    let id = license["id"].as_str().expect("id");
    let suspended = send(
        p,
        "PATCH",
        &format!("/licenses/{id}/status"),
        Some(&token),
        Some(json!({"status": "SUSPENDED"})),
    )
    .await;
    assert_eq!(suspended.status, 200, "{:?}", suspended.body);
    let started = Instant::now();
    for instance in &instances {
        loop {
            let seen = send(
                instance,
                "POST",
                "/licenses/validate",
                None,
                Some(ask(&key, json!({}))),
            )
            .await;
            if seen.data()["code"] == "SUSPENDED" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{instance} still answers {:?}",
                seen.data()["code"]
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // An activation limit holds across instances.
    let seats = app
        .license(&token, &product, json!({"maxActivations": 3}))
        .await;
    let seats_key = seats["key"].as_str().expect("key").to_owned();
    let attempts = join_all((0..24).map(|n| {
        let body = ask(&seats_key, json!({"fingerprint": format!("machine-{n}")}));
        async move { send(p, "POST", "/licenses/activate", None, Some(body)).await }
    }))
    .await;
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    for reply in &attempts {
        *statuses.entry(reply.status).or_default() += 1;
    }
    assert_eq!(statuses.get(&201), Some(&3), "{statuses:?}");
    assert_eq!(statuses.get(&409), Some(&21), "{statuses:?}");
    let stored: i64 = app
        .db
        .scalar(&format!(
            "SELECT count(*) AS value FROM activations WHERE license_id = '{}'",
            seats["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(stored, 3);

    // Each webhook event is delivered once, whichever instance dispatches it.
    let receiver = WebhookReceiver::start().await;
    let hook = send(
        p,
        "POST",
        "/webhooks",
        Some(&token),
        Some(json!({"url": receiver.url, "events": ["customer.created"]})),
    )
    .await;
    assert_eq!(hook.status, 201, "{:?}", hook.body);
    let created = join_all((0..30).map(|n| {
        let (token, body) = (
            &token,
            json!({"email": format!("c{n}@example.com"), "name": "C"}),
        );
        async move { send(p, "POST", "/customers", Some(token), Some(body)).await }
    }))
    .await;
    assert!(created.iter().all(|r| r.status == 201));
    receiver.wait_until("30 events", |r| r.len() >= 30).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut per_event: HashMap<String, usize> = HashMap::new();
    for message in receiver.received() {
        *per_event.entry(message.id).or_default() += 1;
    }
    assert_eq!(per_event.len(), 30);
    assert!(
        per_event.values().all(|&n| n == 1),
        "sent twice: {per_event:?}"
    );

    // A rate limit is one budget, whichever instance answers.
    let limited = app.register("limited@example.com").await;
    let spread = burst(15, |_| {
        RoundRobin::client()
            .get(format!("{p}/v1/auth/me"))
            .bearer_auth(&limited)
    })
    .await;
    assert_passed(spread.with_status(200).len(), 5, spread.earned(5));
    assert!(spread.with_status(429).len() >= 15 - 5 - spread.earned(5));
    assert!(proxy.connections() > 60, "the proxy spread the requests");
}
