//! Runtime rate limits over real HTTP: per license key and per client IP (both drawn
//! together), `X-Forwarded-For` believed only from trusted proxies, signed 429s.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use licentia_domain::jwks::Jwks;
use licentia_test_support::{Reply, TestApp, spawn_app_with};
use serde_json::{Value, json};

use crate::bursts::{RATE_HEADERS, assert_passed, burst, limits, number};
use crate::fixtures::{ask, licensed};

fn validate(app: &TestApp, body: &Value) -> reqwest::RequestBuilder {
    app.client.post(app.url("/licenses/validate")).json(body)
}

fn validate_from(app: &TestApp, body: &Value, forwarded_for: &str) -> reqwest::RequestBuilder {
    validate(app, body).header("x-forwarded-for", forwarded_for)
}

/// A second license of the same vendor.
async fn another_license(app: &TestApp, token: &str, product: &str) -> String {
    app.license(token, product, json!({})).await["key"]
        .as_str()
        .expect("key")
        .to_owned()
}

async fn signature_verifies(app: &TestApp, reply: &Reply) -> bool {
    let jwks = app
        .request("GET", "/.well-known/jwks.json", None, None)
        .await;
    let keys = Jwks::parse_public_keys(&String::from_utf8(jwks.raw).expect("utf-8"))
        .expect("a valid JWKS");
    let header = reply.header("licentia-signature").expect("signed");
    let field = |name: &str| {
        header
            .split(", ")
            .find_map(|part| part.strip_prefix(&format!("{name}=\"")))
            .and_then(|v| v.strip_suffix('"'))
            .expect("field present")
            .to_owned()
    };
    let key = keys
        .iter()
        .find(|k| k.kid() == field("keyid"))
        .expect("a published key");
    key.verify(
        &reply.raw,
        &STANDARD.decode(field("signature")).expect("base64"),
    )
}

#[tokio::test]
async fn each_license_key_has_its_own_budget_and_its_429s_are_signed() {
    let app = spawn_app_with(|s| s.rate_limits.runtime_key = limits("3,1000,10000")).await;
    let l = licensed(&app, json!({})).await;
    let other = another_license(&app, &l.token, &l.product).await;
    // Typed differently, it is the same key (and the same budget).
    let lower = l.key().to_lowercase();
    let first = burst(10, |i| {
        let key = if i % 2 == 0 { l.key() } else { lower.as_str() };
        validate(&app, &ask(key, json!({"nonce": format!("n{i}")})))
    })
    .await;
    assert_passed(first.with_status(200).len(), 3, first.earned(3));
    let refused = first.with_status(429);
    assert_eq!(refused.len(), 10 - first.with_status(200).len());
    for reply in &refused {
        assert_eq!(reply.code(), "RATE_LIMITED");
        assert!(number(reply, "retry-after") >= 1);
        assert!(signature_verifies(&app, reply).await, "a signed 429");
    }
    for reply in &first.replies {
        for name in RATE_HEADERS {
            assert!(reply.header(name).is_some(), "{name} missing");
        }
        // The key's budget is the tighter one, so it is the one reported.
        assert_eq!(number(reply, "x-ratelimit-limit-second"), 3);
    }

    let second = burst(10, |_| validate(&app, &ask(&other, json!({})))).await;
    assert_passed(second.with_status(200).len(), 3, second.earned(3));
}

#[tokio::test]
async fn each_client_ip_has_one_budget_across_keys_and_endpoints() {
    let app = spawn_app_with(|s| s.rate_limits.runtime_ip = limits("4,1000,10000")).await;
    let l = licensed(&app, json!({})).await;
    let other = another_license(&app, &l.token, &l.product).await;
    let all = burst(12, |i| match i % 4 {
        0 => validate(&app, &ask(l.key(), json!({}))),
        1 => validate(&app, &ask(&other, json!({}))),
        2 => app
            .client
            .post(app.url("/licenses/injectables"))
            .json(&ask(l.key(), json!({}))),
        _ => app
            .client
            .post(app.url("/licenses/heartbeat"))
            .json(&ask(&other, json!({"fingerprint": "m1"}))),
    })
    .await;
    let limited = all.with_status(429).len();
    assert_passed(12 - limited, 4, all.earned(4));
    assert!(
        all.replies
            .iter()
            .all(|r| number(r, "x-ratelimit-limit-second") == 4)
    );
}

#[tokio::test]
async fn a_refusal_by_the_ip_budget_does_not_use_up_the_key_budget() {
    let app = spawn_app_with(|s| {
        s.rate_limits.runtime_ip = limits("2,1000,10000");
        s.rate_limits.runtime_key = limits("1000,5,10000");
        s.rate_limits.trusted_proxies =
            licentia_domain::client_ip::TrustedProxies::parse("127.0.0.1").expect("valid");
    })
    .await;
    let l = licensed(&app, json!({})).await;
    let body = ask(l.key(), json!({}));
    let from_one = burst(10, |_| validate_from(&app, &body, "198.51.100.1")).await;
    let passed = from_one.with_status(200).len();
    assert_passed(passed, 2, from_one.earned(2));
    // Another client: the key's minute budget (5) lost only what passed.
    let from_two = burst(10, |_| validate_from(&app, &body, "198.51.100.2")).await;
    let second = from_two.with_status(200).len();
    let room = 5 - passed;
    assert!(
        (room.min(2)..=room.min(2 + from_two.earned(2))).contains(&second),
        "{second} passed with {room} left in the key's minute budget"
    );
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client_in_x_forwarded_for() {
    let app = spawn_app_with(|s| {
        s.rate_limits.runtime_ip = limits("2,1000,10000");
        s.rate_limits.trusted_proxies =
            licentia_domain::client_ip::TrustedProxies::parse("127.0.0.1/32, 10.0.0.0/8")
                .expect("valid");
    })
    .await;
    let l = licensed(&app, json!({})).await;
    let body = ask(l.key(), json!({}));
    let first = burst(5, |_| validate_from(&app, &body, "203.0.113.1")).await;
    // The client forged the left-most entry; our proxy 10.0.0.7 appended the real one.
    let second = burst(5, |_| {
        validate_from(&app, &body, "203.0.113.1, 203.0.113.2, 10.0.0.7")
    })
    .await;
    assert_passed(first.with_status(200).len(), 2, first.earned(2));
    assert_passed(second.with_status(200).len(), 2, second.earned(2));

    let activation = app
        .client
        .post(app.url("/licenses/activate"))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&ask(l.key(), json!({"fingerprint": "m1"})))
        .send()
        .await
        .expect("sent");
    assert_eq!(activation.status(), 201);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM activations WHERE ip_address = '203.0.113.9'")
            .await,
        1,
        "the activation records the forwarded client address"
    );
}

#[tokio::test]
async fn x_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = spawn_app_with(|s| s.rate_limits.runtime_ip = limits("2,1000,10000")).await;
    let l = licensed(&app, json!({})).await;
    let body = ask(l.key(), json!({}));
    let spoofed = burst(8, |i| {
        validate_from(&app, &body, &format!("203.0.113.{}", i + 1))
    })
    .await;
    assert_passed(spoofed.with_status(200).len(), 2, spoofed.earned(2));
}

#[tokio::test]
async fn malformed_bodies_draw_on_the_ip_budget_and_are_refused_before_parsing() {
    // Two a minute: one request is earned back only every 30 s.
    let app = spawn_app_with(|s| s.rate_limits.runtime_ip = limits("1000,2,10000")).await;
    let mut statuses = Vec::new();
    for body in [json!({}), json!({"licenseKey": 7}), json!({})] {
        let reply = app.runtime("/licenses/validate", body).await;
        assert!(reply.header("licentia-signature").is_some(), "signed");
        assert!(reply.header("x-ratelimit-remaining-second").is_some());
        statuses.push(reply.status);
    }
    assert_eq!(statuses, [422, 422, 429]);
}
