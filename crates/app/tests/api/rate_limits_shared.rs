//! The two limiters: one contract run against both (with a fake clock), the
//! PostgreSQL one exact under concurrency and shared by app instances, the
//! in-process one per instance, and what happens while the database is down.

use std::sync::Arc;

use futures_util::future::join_all;
use licentia::config::RateLimitMode;
use licentia::rate_limits::MemoryLimiter;
use licentia_adapters_postgres::{PoolSettings, PostgresStore, connect};
use licentia_domain::rate_limit::{Limits, RateDecision, Window};
use licentia_ports::{Budget, RateLimiter};
use licentia_test_support::{TestApp, TestDatabase, spawn_app_with};
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::bursts::{burst, limits, number};
use crate::fixtures::{ask, licensed};

const T0: OffsetDateTime = datetime!(2026-11-22 10:00:00 UTC);

async fn postgres_limiter(db: &TestDatabase) -> Arc<PostgresStore> {
    let pool = connect(
        &db.url(),
        &PoolSettings {
            max_size: 8,
            ..PoolSettings::default()
        },
    )
    .expect("pool");
    Arc::new(PostgresStore::new(pool))
}

fn budget(key: &str, limits: Limits) -> Budget<'_> {
    Budget { key, limits }
}

/// One script of checks at fake instants; returns every decision.
async fn contract_script(limiter: &dyn RateLimiter) -> Vec<RateDecision> {
    let ten = limits("10,100,1000");
    let one = limits("1,1000,1000");
    let mut decisions = Vec::new();
    let mut take = async |budgets: &[Budget<'_>], at: OffsetDateTime| {
        let decision = limiter.take(budgets, at).await.expect("take");
        decisions.push(decision);
        decision
    };
    // A burst of 12 at one instant on 10/s: exactly 10.
    let mut admitted = 0;
    for _ in 0..12 {
        admitted += usize::from(take(&[budget("cred:a", ten)], T0).await.allowed);
    }
    assert_eq!(admitted, 10);
    // One more 100 ms later, not two.
    let later = T0 + Duration::milliseconds(100);
    assert!(take(&[budget("cred:a", ten)], later).await.allowed);
    assert!(!take(&[budget("cred:a", ten)], later).await.allowed);
    // A pair is all or nothing: the key refuses, so the IP is not drawn on.
    assert!(
        take(&[budget("ip:x", ten), budget("lic:k", one)], T0)
            .await
            .allowed
    );
    let refused = take(&[budget("lic:k", one), budget("ip:x", ten)], T0).await;
    assert!(!refused.allowed);
    assert_eq!(
        refused.window(Window::Second).limit,
        1,
        "the tighter budget is reported"
    );
    let ip_alone = take(&[budget("ip:x", ten)], T0).await;
    assert_eq!(ip_alone.window(Window::Second).remaining, 8, "2 of 10 used");
    // A raised limit applies at once, keeping what was used (10/s → 50/s).
    let fifty = limits("50,1000,20000");
    let raised = take(&[budget("cred:a", fifty)], later).await;
    assert!(raised.allowed);
    assert_eq!(raised.window(Window::Second).limit, 50);
    // An hour later everything is back.
    let hour = T0 + Duration::hours(1);
    assert_eq!(
        take(&[budget("cred:a", ten)], hour)
            .await
            .window(Window::Hour)
            .remaining,
        999
    );
    decisions
}

#[tokio::test]
async fn both_limiters_keep_the_same_contract_and_agree_decision_by_decision() {
    let memory = MemoryLimiter::new(10_000);
    let db = TestDatabase::new().await;
    let postgres = postgres_limiter(&db).await;
    let in_memory = contract_script(&memory).await;
    let shared = contract_script(postgres.as_ref()).await;
    assert_eq!(in_memory, shared);
}

#[tokio::test]
async fn the_postgres_limiter_is_exact_under_concurrency_and_never_deadlocks() {
    let db = TestDatabase::new().await;
    let limiter = postgres_limiter(&db).await;
    let ten = limits("10,1000,1000");
    let decisions = join_all((0..64).map(|_| {
        let limiter = limiter.clone();
        async move { limiter.take(&[budget("cred:hot", ten)], T0).await }
    }))
    .await;
    let admitted = decisions
        .iter()
        .filter(|d| d.as_ref().expect("take").allowed)
        .count();
    assert_eq!(admitted, 10);

    // Pairs named in either order from many tasks: row locks are taken in key order.
    let ip = limits("30,1000,1000");
    let pairs = join_all((0..64).map(|i| {
        let limiter = limiter.clone();
        async move {
            let (a, b) = (
                budget("ip:p", ip),
                budget("lic:p", limits("1000,1000,1000")),
            );
            let pair = if i % 2 == 0 { [a, b] } else { [b, a] };
            limiter.take(&pair, T0).await
        }
    }))
    .await;
    let admitted = pairs
        .iter()
        .filter(|d| d.as_ref().expect("no deadlock").allowed)
        .count();
    assert_eq!(admitted, 30);
}

#[tokio::test]
async fn idle_budgets_are_purged_and_busy_ones_kept() {
    let db = TestDatabase::new().await;
    let limiter = postgres_limiter(&db).await;
    let l = limits("10,100,1000");
    limiter
        .take(&[budget("ip:old", l)], T0)
        .await
        .expect("take");
    limiter
        .take(&[budget("ip:new", l)], T0 + Duration::minutes(30))
        .await
        .expect("take");
    // One request is owed for 3.6 s in the hour window.
    let purged = limiter
        .purge_idle(T0 + Duration::minutes(30))
        .await
        .expect("purge");
    assert_eq!(purged, 1);
    assert_eq!(
        db.scalar("SELECT count(*) AS value FROM rate_limits WHERE key = 'ip:new'")
            .await,
        1
    );
}

fn list_products(app: &TestApp, base: &str, secret: &str) -> reqwest::RequestBuilder {
    app.client
        .get(format!("{base}/v1/products"))
        .bearer_auth(secret)
}

async fn two_instances(mode: RateLimitMode) -> (TestApp, String, String) {
    let app = spawn_app_with(|s| {
        s.rate_limits.mode = mode;
        s.rate_limits.start = limits("10,1000,1000");
    })
    .await;
    let second = app.spawn_instance().await;
    let session = app.register("vendor@example.com").await;
    let key = app.api_key(&session, &["products:read"], None).await;
    (app, second, key)
}

#[tokio::test]
async fn two_instances_sharing_the_postgres_limiter_enforce_one_budget() {
    let (app, second, key) = two_instances(RateLimitMode::Postgres).await;
    let both = burst(40, |i| {
        let base = if i % 2 == 0 {
            app.address.as_str()
        } else {
            second.as_str()
        };
        list_products(&app, base, &key)
    })
    .await;
    let passed = both.with_status(200).len();
    assert!(
        (10..=10 + both.earned(10)).contains(&passed),
        "{passed} passed in {:?}",
        both.took
    );
    assert_eq!(both.with_status(429).len(), 40 - passed);
    assert!(
        both.replies
            .iter()
            .all(|r| number(r, "x-ratelimit-limit-second") == 10)
    );
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM rate_limits WHERE key LIKE 'cred:key:%'")
            .await,
        1,
        "one budget row for the key"
    );
}

#[tokio::test]
async fn two_instances_with_the_in_process_limiter_each_keep_their_own_budget() {
    let (app, second, key) = two_instances(RateLimitMode::Memory).await;
    let both = burst(40, |i| {
        let base = if i % 2 == 0 {
            app.address.as_str()
        } else {
            second.as_str()
        };
        list_products(&app, base, &key)
    })
    .await;
    let passed = both.with_status(200).len();
    assert!(
        (20..=20 + 2 * both.earned(10)).contains(&passed),
        "the documented inaccuracy: up to N × the limit; {passed} passed"
    );
}

#[tokio::test]
async fn while_the_database_is_down_validation_goes_on_and_limits_hold_per_instance() {
    let app = spawn_app_with(|s| {
        s.rate_limits.mode = RateLimitMode::Postgres;
        s.rate_limits.runtime_key = limits("3,1000,10000");
    })
    .await;
    let l = licensed(&app, json!({})).await;
    let body = ask(l.key(), json!({}));
    assert_eq!(
        app.runtime("/licenses/validate", body.clone()).await.status,
        200,
        "cached"
    );

    let name = app.db.name().to_owned();
    let server = {
        use secrecy::ExposeSecret;
        app.db
            .url()
            .expose_secret()
            .rsplit_once('/')
            .map(|(s, _)| format!("{s}/postgres"))
            .expect("url")
    };
    let admin = |sql: String| {
        let server = server.clone();
        async move {
            use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
            let mut conn = AsyncPgConnection::establish(&server)
                .await
                .expect("admin connection");
            conn.batch_execute(&sql).await.is_ok()
        }
    };
    assert!(
        admin(format!(
            "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid();"
        ))
        .await
    );
    // Until every client backend of the database is gone, a request could still reach one.
    let started = std::time::Instant::now();
    while !admin(format!(
        "DO $$ BEGIN \
           PERFORM pg_terminate_backend(pid) FROM pg_stat_activity \
           WHERE datname = '{name}' AND backend_type = 'client backend'; \
           IF FOUND THEN RAISE EXCEPTION 'client backends remain'; END IF; \
         END $$"
    ))
    .await
    {
        assert!(started.elapsed().as_secs() < 10, "backends linger");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let during = burst(8, |_| {
        app.client.post(app.url("/licenses/validate")).json(&body)
    })
    .await;
    let passed = during.with_status(200);
    assert!(
        (3..=3 + during.earned(3)).contains(&passed.len()),
        "limited per instance meanwhile (in a budget of its own): {}",
        passed.len()
    );
    assert!(passed.iter().all(|r| r.data()["code"] == "VALID"));
    assert_eq!(during.with_status(429).len(), 8 - passed.len());
    assert!(
        during.took < std::time::Duration::from_secs(3),
        "not held up by the outage: {:?}",
        during.took
    );
    assert!(admin(format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true")).await);
}
