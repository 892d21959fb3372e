//! Management API rate limits over real HTTP: per credential by the owner's tier, three
//! windows all or nothing, headers on every limited answer, failed authentication
//! and health checks never counted, tier changes at once, sign-in per client IP.

use std::process::{Command, Stdio};
use std::time::Duration;

use licentia_test_support::{TestApp, spawn_app_with};
use secrecy::ExposeSecret;
use serde_json::json;

use crate::bursts::{RATE_HEADERS, assert_passed, burst, limits, number, unix_now, unlimited};

/// A vendor (on the start tier) and an API key of theirs.
async fn vendor(app: &TestApp) -> (String, String) {
    let session = app.register("vendor@example.com").await;
    let key = app.api_key(&session, &["products:read"], None).await;
    (session, key)
}

fn list_products(app: &TestApp, secret: &str) -> reqwest::RequestBuilder {
    app.client.get(app.url("/products")).bearer_auth(secret)
}

#[tokio::test]
async fn a_burst_of_40_on_a_10_per_second_key_lets_10_through_and_refuses_30_with_headers() {
    let app = spawn_app_with(|s| s.rate_limits.start = limits("10,100,1000")).await;
    let (_, key) = vendor(&app).await;
    let before = unix_now();
    let burst = burst(40, |_| list_products(&app, &key)).await;
    let after = unix_now();

    let passed = burst.with_status(200);
    let refused = burst.with_status(429);
    let tolerance = burst.earned(10);
    assert!(
        (10..=10 + tolerance).contains(&passed.len()),
        "{} passed in {:?} (tolerance {tolerance})",
        passed.len(),
        burst.took
    );
    assert_eq!(passed.len() + refused.len(), 40, "only 200s and 429s");

    for reply in burst.replies.iter() {
        for name in RATE_HEADERS {
            assert!(
                reply.header(name).is_some(),
                "{name} missing on a {}",
                reply.status
            );
        }
        assert_eq!(number(reply, "x-ratelimit-limit-second"), 10);
        assert_eq!(number(reply, "x-ratelimit-limit-minute"), 100);
        assert_eq!(number(reply, "x-ratelimit-limit-hourly"), 1000);
        for window in ["second", "minute", "hourly"] {
            let reset = number(reply, &format!("x-ratelimit-reset-{window}"));
            assert!(
                (before..=after + 40).contains(&reset),
                "reset-{window} {reset} is not a near Unix time"
            );
        }
    }
    let mut remaining: Vec<u64> = passed
        .iter()
        .map(|r| number(r, "x-ratelimit-remaining-second"))
        .collect();
    remaining.sort_unstable();
    remaining.dedup();
    assert!(
        remaining.len() + tolerance >= 10,
        "each admitted request counted: {remaining:?}"
    );
    assert!(
        remaining[0] as usize <= tolerance,
        "the tenth leaves none: {remaining:?}"
    );

    for reply in &refused {
        assert_eq!(reply.code(), "RATE_LIMITED");
        assert_eq!(reply.body["error"], "Too Many Requests");
        assert_eq!(number(reply, "retry-after"), 1, "0.1 s rounds up to 1 s");
        assert_eq!(number(reply, "x-ratelimit-remaining-second"), 0);
        let minute = number(reply, "x-ratelimit-remaining-minute") as usize;
        assert!(
            (100 - passed.len()..=90 + tolerance).contains(&minute),
            "refusals are not counted in the minute window: {minute}"
        );
        assert!(number(reply, "x-ratelimit-reset-second") <= after + 2);
    }
    assert!(passed.iter().all(|r| r.header("retry-after").is_none()));
}

#[tokio::test]
async fn the_minute_window_bites_when_it_is_the_smallest() {
    let app = spawn_app_with(|s| s.rate_limits.start = limits("1000,5,1000")).await;
    let (_, key) = vendor(&app).await;
    let before = unix_now();
    let burst = burst(8, |_| list_products(&app, &key)).await;
    assert_eq!(burst.with_status(200).len(), 5);
    let refused = burst.with_status(429);
    assert_eq!(refused.len(), 3);
    for reply in refused {
        assert_eq!(number(reply, "x-ratelimit-remaining-minute"), 0);
        assert_eq!(number(reply, "x-ratelimit-limit-minute"), 5);
        assert!(number(reply, "x-ratelimit-remaining-second") >= 990);
        // One request is earned back every 12 s; all five after 60 s.
        assert!((11..=12).contains(&number(reply, "retry-after")));
        let reset = number(reply, "x-ratelimit-reset-minute");
        assert!((before + 59..=unix_now() + 61).contains(&reset), "{reset}");
    }
}

#[tokio::test]
async fn the_hour_window_bites_when_it_is_the_smallest() {
    let app = spawn_app_with(|s| s.rate_limits.start = limits("1000,1000,7")).await;
    let (_, key) = vendor(&app).await;
    let burst = burst(10, |_| list_products(&app, &key)).await;
    assert_eq!(burst.with_status(200).len(), 7);
    for reply in burst.with_status(429) {
        assert_eq!(number(reply, "x-ratelimit-remaining-hourly"), 0);
        assert_eq!(number(reply, "x-ratelimit-limit-hourly"), 7);
        // 3600 s / 7 ≈ 514.3 s until one request is earned back.
        assert!((514..=515).contains(&number(reply, "retry-after")));
    }
}

#[tokio::test]
async fn a_request_refused_by_the_second_window_is_not_counted_by_the_minute_window() {
    let app = spawn_app_with(|s| s.rate_limits.start = limits("2,5,1000")).await;
    let (_, key) = vendor(&app).await;
    let started = std::time::Instant::now();
    let first = burst(10, |_| list_products(&app, &key)).await;
    assert_passed(first.with_status(200).len(), 2, first.earned(2));
    let used = first.with_status(200).len() as u64;

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let next = burst(1, |_| list_products(&app, &key)).await;
    let next = &next.replies[0];
    assert_eq!(next.status, 200, "8 refusals did not use up the minute's 5");
    // One request is earned back every 12 s in the minute window, every 3.6 s in the hour's.
    let earned = |interval: f64| (started.elapsed().as_secs_f64() / interval).floor() as u64;
    assert_eq!(
        number(next, "x-ratelimit-remaining-minute"),
        (5 - used - 1 + earned(12.0)).min(5),
        "only admitted requests are counted"
    );
    let hourly = number(next, "x-ratelimit-remaining-hourly");
    assert!((1000 - used - 1..=1000 - used - 1 + earned(3.6)).contains(&hourly));
}

#[tokio::test]
async fn failed_authentication_does_not_consume_a_keys_budget_and_is_not_limited() {
    let app = spawn_app_with(|s| s.rate_limits.start = limits("5,100,1000")).await;
    let (session, key) = vendor(&app).await;
    let revoked = app.api_key(&session, &["products:read"], None).await;
    let revoked_id = app.get("/api-keys", &session).await.data()[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        app.delete(&format!("/api-keys/{revoked_id}"), &session)
            .await
            .status,
        204
    );
    let mut tampered = key.clone();
    tampered.pop();
    tampered.push(if key.ends_with('A') { 'B' } else { 'A' });

    let bad = [
        revoked.as_str(),
        tampered.as_str(),
        "sk_live_short",
        "sess_not-a-session",
    ];
    let attack = burst(40, |i| list_products(&app, bad[i % bad.len()])).await;
    assert!(
        attack.replies.iter().all(|r| r.status == 401),
        "all refused as 401"
    );
    assert!(
        attack.replies.iter().all(unlimited),
        "a failed authentication is not a limited answer"
    );

    let own = burst(5, |_| list_products(&app, &key)).await;
    assert_eq!(
        own.with_status(200).len(),
        5,
        "the key's whole budget is left"
    );
    let least = own
        .replies
        .iter()
        .map(|r| number(r, "x-ratelimit-remaining-second"))
        .min();
    assert!(
        least <= Some(own.earned(5) as u64),
        "all five were counted: {least:?}"
    );
}

#[tokio::test]
async fn health_endpoints_are_never_limited() {
    let app = spawn_app_with(|s| {
        let one = limits("1,1,1");
        let r = &mut s.rate_limits;
        (r.start, r.runtime_ip, r.runtime_key, r.auth_ip) = (one, one, one, one);
    })
    .await;
    let checks = burst(30, |i| {
        let path = if i % 2 == 0 {
            "/health"
        } else {
            "/health/ready"
        };
        app.client.get(app.url(path))
    })
    .await;
    assert!(checks.replies.iter().all(|r| r.status == 200));
    assert!(checks.replies.iter().all(unlimited));
    // The limits are real: two JWKS fetches from one IP, one allowed per hour.
    let first = app
        .request("GET", "/.well-known/jwks.json", None, None)
        .await;
    let second = app
        .request("GET", "/.well-known/jwks.json", None, None)
        .await;
    assert_eq!((first.status, second.status), (200, 429));
}

#[tokio::test]
async fn each_credential_has_its_own_budget_and_sessions_are_limited_too() {
    let app = spawn_app_with(|s| s.rate_limits.start = limits("3,100,1000")).await;
    let (session, key) = vendor(&app).await;
    let other = app.api_key(&session, &["products:read"], None).await;
    let first = burst(6, |_| list_products(&app, &key)).await;
    let second = burst(6, |_| list_products(&app, &other)).await;
    assert_passed(first.with_status(200).len(), 3, first.earned(3));
    assert_passed(second.with_status(200).len(), 3, second.earned(3));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let by_session = burst(6, |_| list_products(&app, &session)).await;
    assert_passed(by_session.with_status(200).len(), 3, by_session.earned(3));
    assert_eq!(
        by_session.with_status(429).len(),
        6 - by_session.with_status(200).len()
    );
}

/// `licentia admin set-tier` (what `cargo xtask admin set-tier` runs) on the app's database.
async fn set_tier(app: &TestApp, email: &str, tier: &str) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_licentia"));
    command
        .args(["admin", "set-tier", "--user", email, "--tier", tier])
        .env_clear()
        .env("DATABASE_URL", app.db.url().expose_secret())
        .env(
            "LICENTIA_MASTER_KEY",
            "bGljZW50aWEtY2xpLXRlc3RzLW1hc3Rlci1rZXktMzI=",
        )
        .env("LICENTIA_LOG", "warn")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("task")
        .expect("licentia runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn set_tier_changes_the_limits_of_the_next_request() {
    let app = spawn_app_with(|s| {
        s.rate_limits.start = limits("2,1000,1000");
        s.rate_limits.pro = limits("20,1000,1000");
    })
    .await;
    let (_, key) = vendor(&app).await;
    let on_start = burst(6, |_| list_products(&app, &key)).await;
    assert_passed(on_start.with_status(200).len(), 2, on_start.earned(2));
    assert!(
        on_start
            .replies
            .iter()
            .all(|r| number(r, "x-ratelimit-limit-second") == 2)
    );

    set_tier(&app, "vendor@example.com", "pro").await;
    let on_pro = burst(6, |_| list_products(&app, &key)).await;
    assert_eq!(
        on_pro.with_status(200).len(),
        6,
        "no pause needed: 20 per second now"
    );
    assert!(
        on_pro
            .replies
            .iter()
            .all(|r| number(r, "x-ratelimit-limit-second") == 20)
    );
    let me = app.get("/auth/me", &key).await;
    assert_eq!(me.data()["tier"], "pro");
}

#[tokio::test]
async fn sign_in_is_limited_per_client_ip_before_the_password_is_checked() {
    let app = spawn_app_with(|s| s.rate_limits.auth_ip = limits("3,1000,1000")).await;
    let body = json!({"email": "nobody@example.com", "password": "wrong-password-1"});
    let attempts = burst(8, |_| app.client.post(app.url("/auth/login")).json(&body)).await;
    let refused = attempts.with_status(429);
    assert_passed(attempts.with_status(401).len(), 3, attempts.earned(3));
    assert_eq!(refused.len() + attempts.with_status(401).len(), 8);
    assert!(refused.iter().all(|r| r.code() == "RATE_LIMITED"));
    assert!(
        attempts
            .replies
            .iter()
            .all(|r| number(r, "x-ratelimit-limit-second") == 3),
        "wrong passwords are limited answers too"
    );
}
