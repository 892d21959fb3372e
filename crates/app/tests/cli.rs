//! The `licentia` binary: operator commands against a real database, `migrate`, and a
//! bad configuration refused at start.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use licentia_test_support::{TestDatabase, spawn_app_with};
use secrecy::ExposeSecret;
use serde_json::json;

/// Base64 of 32 bytes.
const TEST_MASTER_KEY: &str = "bGljZW50aWEtY2xpLXRlc3RzLW1hc3Rlci1rZXktMzI=";

/// Runs `licentia <args>` with only `env` set (plus `DATABASE_URL` when a database is
/// given), feeding `stdin` when given (otherwise stdin is `/dev/null`).
async fn licentia(
    db: Option<&TestDatabase>,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_licentia"));
    command
        .args(args)
        .env_clear()
        // A master key of its own, and a working directory outside the source tree, so
        // nothing (such as a development `.data/master.key`) is written into the checkout.
        .env("LICENTIA_MASTER_KEY", TEST_MASTER_KEY)
        .current_dir(std::env::temp_dir())
        .env("LICENTIA_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    if let Some(db) = db {
        command.env("DATABASE_URL", db.url().expose_secret());
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let input = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("start licentia");
        if let Some(input) = input {
            let mut pipe = child.stdin.take().expect("stdin pipe");
            pipe.write_all(input.as_bytes()).expect("write stdin");
        }
        child.wait_with_output().expect("licentia finished")
    })
    .await
    .expect("process task")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        stdout(output),
        stderr(output)
    );
}

/// Creates `ops@example.com` (admin, pro) with a piped password.
async fn create_ops(db: &TestDatabase) {
    let output = licentia(
        Some(db),
        &[
            "admin",
            "create-user",
            "--email",
            "ops@example.com",
            "--name",
            "Ops",
            "--role",
            "admin",
            "--tier",
            "pro",
        ],
        &[],
        Some("a-long-operator-password\n"),
    )
    .await;
    assert_success(&output);
    assert!(
        stdout(&output).contains("ops@example.com"),
        "{}",
        stdout(&output)
    );
    assert!(
        !stdout(&output).contains("password:"),
        "a piped password is not echoed"
    );
}

/// The `sk_live_…` secret printed by `create-api-key`.
fn printed_secret(output: &Output) -> String {
    let out = stdout(output);
    out.split_whitespace()
        .find(|word| word.starts_with("sk_live_"))
        .unwrap_or_else(|| panic!("no secret printed: {out}"))
        .to_owned()
}

#[tokio::test]
async fn create_user_with_a_piped_password_creates_an_admin_on_the_pro_tier() {
    let db = TestDatabase::new().await;
    create_ops(&db).await;
    assert_eq!(
        db.scalar(
            "SELECT count(*) AS value FROM users WHERE email = 'ops@example.com' AND name = 'Ops' \
             AND role = 'admin' AND tier = 'pro' AND password_hash LIKE '$argon2id$%'"
        )
        .await,
        1
    );

    // The piped password is the one stored: it logs in against a server on this database.
    let app = spawn_app_with(|s| s.database_url = db.url()).await;
    let login = app
        .request(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": "ops@example.com", "password": "a-long-operator-password"})),
        )
        .await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    let token = login.data()["token"].as_str().expect("token").to_owned();
    let me = app.get("/auth/me", &token).await;
    assert_eq!(me.data()["role"], "admin");
    assert_eq!(me.data()["tier"], "pro");
}

#[tokio::test]
async fn create_user_without_stdin_prints_a_generated_password_that_works() {
    let db = TestDatabase::new().await;
    let output = licentia(
        Some(&db),
        &[
            "admin",
            "create-user",
            "--email",
            "dev@example.com",
            "--name",
            "Dev",
        ],
        &[],
        None,
    )
    .await;
    assert_success(&output);
    let out = stdout(&output);
    let password = out
        .lines()
        .find_map(|line| line.strip_prefix("password: "))
        .unwrap_or_else(|| panic!("no generated password printed: {out}"))
        .trim()
        .to_owned();
    assert!(password.len() >= 20, "{password}");
    assert_eq!(
        db.scalar(
            "SELECT count(*) AS value FROM users WHERE email = 'dev@example.com' AND role = 'user' AND tier = 'start'"
        )
        .await,
        1,
        "role and tier default to user and start"
    );

    let app = spawn_app_with(|s| s.database_url = db.url()).await;
    let login = app
        .request(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": "dev@example.com", "password": password})),
        )
        .await;
    assert_eq!(
        login.status, 200,
        "the printed password logs in: {:?}",
        login.body
    );
}

#[tokio::test]
async fn create_api_key_prints_a_secret_that_is_stored_hashed_and_works() {
    let db = TestDatabase::new().await;
    create_ops(&db).await;
    let output = licentia(
        Some(&db),
        &[
            "admin",
            "create-api-key",
            "--user",
            "ops@example.com",
            "--scopes",
            "licenses:read",
            "--expires-in",
            "30d",
        ],
        &[],
        None,
    )
    .await;
    assert_success(&output);
    let secret = printed_secret(&output);
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) AS value FROM api_keys k JOIN users u ON u.id = k.user_id \
             WHERE u.email = 'ops@example.com' AND k.secret_hash = sha256('{secret}'::bytea) \
               AND k.scopes = ARRAY['licenses:read'] AND k.product_id IS NULL AND k.revoked_at IS NULL \
               AND k.expires_at BETWEEN now() + interval '29 days 23 hours' AND now() + interval '30 days'"
        ))
        .await,
        1,
        "one key of ops, stored as the SHA-256 of the printed secret, expiring in 30 days"
    );

    let app = spawn_app_with(|s| s.database_url = db.url()).await;
    let licenses = app.get("/licenses", &secret).await;
    assert_eq!(licenses.status, 200, "{:?}", licenses.body);
    let products = app.get("/products", &secret).await;
    assert_eq!(products.status, 403, "only the scopes asked for");
    assert_eq!(products.code(), "INSUFFICIENT_SCOPE");
}

#[tokio::test]
async fn revoke_api_key_sets_revoked_at() {
    let db = TestDatabase::new().await;
    create_ops(&db).await;
    let created = licentia(
        Some(&db),
        &["admin", "create-api-key", "--user", "ops@example.com"],
        &[],
        None,
    )
    .await;
    assert_success(&created);
    let secret = printed_secret(&created);
    let id = stdout(&created)
        .split_whitespace()
        .find(|word| uuid::Uuid::parse_str(word).is_ok())
        .expect("the key id is printed")
        .to_owned();
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) AS value FROM api_keys WHERE id = '{id}' AND scopes = ARRAY['*'] \
             AND expires_at IS NULL AND secret_hash = sha256('{secret}'::bytea)"
        ))
        .await,
        1,
        "without options: every scope, no expiry"
    );

    let revoked = licentia(Some(&db), &["admin", "revoke-api-key", &id], &[], None).await;
    assert_success(&revoked);
    assert!(stdout(&revoked).contains(&id), "{}", stdout(&revoked));
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) AS value FROM api_keys WHERE id = '{id}' AND revoked_at IS NOT NULL"
        ))
        .await,
        1
    );
    let app = spawn_app_with(|s| s.database_url = db.url()).await;
    let reply = app.get("/auth/me", &secret).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.code(), "API_KEY_REVOKED");
}

#[tokio::test]
async fn set_tier_changes_the_tier() {
    let db = TestDatabase::new().await;
    create_ops(&db).await;
    let output = licentia(
        Some(&db),
        &[
            "admin",
            "set-tier",
            "--user",
            "ops@example.com",
            "--tier",
            "enterprise",
        ],
        &[],
        None,
    )
    .await;
    assert_success(&output);
    assert!(
        stdout(&output).contains("enterprise"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        db.scalar(
            "SELECT count(*) AS value FROM users WHERE email = 'ops@example.com' \
             AND tier = 'enterprise' AND role = 'admin'"
        )
        .await,
        1,
        "the tier changed, the role did not"
    );
}

#[tokio::test]
async fn bad_operator_input_exits_non_zero_with_a_clear_error() {
    let db = TestDatabase::new().await;
    create_ops(&db).await;
    let cases: [(&[&str], &str); 7] = [
        (
            &[
                "admin",
                "set-tier",
                "--user",
                "ops@example.com",
                "--tier",
                "platinum",
            ],
            "--tier",
        ),
        (
            &[
                "admin",
                "set-tier",
                "--user",
                "nobody@example.com",
                "--tier",
                "pro",
            ],
            "no user",
        ),
        (
            &["admin", "create-api-key", "--user", "nobody@example.com"],
            "no user",
        ),
        (
            &[
                "admin",
                "create-api-key",
                "--user",
                "ops@example.com",
                "--scopes",
                "licenses:delete",
            ],
            "--scopes",
        ),
        (
            &[
                "admin",
                "create-api-key",
                "--user",
                "ops@example.com",
                "--expires-in",
                "soon",
            ],
            "--expires-in",
        ),
        (
            &[
                "admin",
                "create-user",
                "--email",
                "x@example.com",
                "--name",
                "X",
                "--tier",
                "gold",
            ],
            "--tier",
        ),
        (&["admin", "revoke-api-key", "not-a-uuid"], "UUID"),
    ];
    for (args, expected) in cases {
        let output = licentia(Some(&db), args, &[], None).await;
        let err = stderr(&output);
        assert!(
            !output.status.success(),
            "{args:?} succeeded: {}",
            stdout(&output)
        );
        assert_eq!(output.status.code(), Some(1), "{args:?}: {err}");
        let line = err
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("{args:?}: no `error:` line in {err:?}"));
        assert!(
            line.contains(expected),
            "{args:?}: {line:?} does not mention {expected:?}"
        );
    }
    let unknown_key = uuid::Uuid::new_v4().to_string();
    let output = licentia(
        Some(&db),
        &["admin", "revoke-api-key", &unknown_key],
        &[],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no API key"),
        "{}",
        stderr(&output)
    );

    let duplicate = licentia(
        Some(&db),
        &[
            "admin",
            "create-user",
            "--email",
            "ops@example.com",
            "--name",
            "Ops again",
        ],
        &[],
        Some("a-long-operator-password\n"),
    )
    .await;
    assert_eq!(duplicate.status.code(), Some(1), "{}", stderr(&duplicate));
    assert!(
        stderr(&duplicate).contains("error: "),
        "{}",
        stderr(&duplicate)
    );

    assert_eq!(
        db.scalar(
            "SELECT count(*) AS value FROM users WHERE tier = 'pro' AND email = 'ops@example.com'"
        )
        .await,
        1,
        "nothing changed"
    );
    assert_eq!(db.scalar("SELECT count(*) AS value FROM users").await, 1);
    assert_eq!(db.scalar("SELECT count(*) AS value FROM api_keys").await, 0);
}

#[tokio::test]
async fn a_short_piped_password_is_refused() {
    let db = TestDatabase::new().await;
    let output = licentia(
        Some(&db),
        &[
            "admin",
            "create-user",
            "--email",
            "ops@example.com",
            "--name",
            "Ops",
        ],
        &[],
        Some("short\n"),
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stderr(&output).contains("password"), "{}", stderr(&output));
    assert_eq!(db.scalar("SELECT count(*) AS value FROM users").await, 0);
}

#[tokio::test]
async fn migrate_applies_the_migrations_and_exits_0() {
    let db = TestDatabase::new().await;
    db.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        .await;
    let first = licentia(Some(&db), &["migrate"], &[], None).await;
    assert_success(&first);
    assert_eq!(
        db.scalar(
            "SELECT count(*) AS value FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name IN ('users', 'api_keys', 'licenses')"
        )
        .await,
        3,
        "the schema is back"
    );
    let again = licentia(Some(&db), &["migrate"], &[], None).await;
    assert_success(&again);
    assert!(
        stdout(&again).contains("none pending"),
        "{}",
        stdout(&again)
    );
}

#[tokio::test]
async fn a_bad_bind_address_stops_serve_with_exit_code_2() {
    let db = TestDatabase::new().await;
    let output = licentia(Some(&db), &["serve"], &[("LICENTIA_BIND", "nowhere")], None).await;
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let err = stderr(&output);
    assert_eq!(err.trim().lines().count(), 1, "one clear line: {err:?}");
    assert!(err.contains("LICENTIA_BIND"), "{err}");
}

#[tokio::test]
async fn licenses_expire_now_runs_the_sweep() {
    let app =
        spawn_app_with(|s| s.expiry_sweep_interval = std::time::Duration::from_secs(3600)).await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let soon = (time::OffsetDateTime::now_utc() + time::Duration::seconds(1))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats");
    app.license(&token, &product, json!({"expiresAt": soon}))
        .await;
    app.license(&token, &product, json!({})).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let output = licentia(
        Some(&app.db),
        &["admin", "licenses", "expire-now"],
        &[],
        None,
    )
    .await;
    assert_success(&output);
    assert!(
        stdout(&output).contains("1 license(s) marked EXPIRED"),
        "{}",
        stdout(&output)
    );
    let expired: i64 = app
        .db
        .scalar("SELECT count(*) AS value FROM licenses WHERE status = 'EXPIRED'")
        .await;
    let events: i64 = app
        .db
        .scalar("SELECT count(*) AS value FROM outbox_events WHERE event_type = 'license.expired'")
        .await;
    assert_eq!((expired, events), (1, 1));
}

/// A server without a dispatcher, a vendor (its session token returned) with a webhook
/// on `customer.created`, and three customers: three pending deliveries.
async fn three_pending_deliveries() -> (licentia_test_support::TestApp, String) {
    let app = spawn_app_with(|s| s.webhooks.dispatcher = false).await;
    let token = app.register("vendor@example.com").await;
    let hook = app
        .post(
            "/webhooks",
            &token,
            json!({"url": "http://127.0.0.1:9/hook", "events": ["customer.created"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{:?}", hook.body);
    for n in 0..3 {
        let customer = app
            .post(
                "/customers",
                &token,
                json!({"email": format!("c{n}@example.com"), "name": "C"}),
            )
            .await;
        assert_eq!(customer.status, 201);
    }
    (app, token)
}

#[tokio::test]
async fn outbox_status_counts_deliveries_and_retry_requeues_the_failed_ones() {
    let (app, _token) = three_pending_deliveries().await;
    app.db
        .execute(
            "UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = NULL \
             WHERE id IN (SELECT id FROM webhook_deliveries ORDER BY id LIMIT 2)",
        )
        .await;

    let status = licentia(Some(&app.db), &["admin", "outbox", "status"], &[], None).await;
    assert_success(&status);
    let text = stdout(&status);
    assert!(text.contains("pending    1 (1 due now)"), "{text}");
    assert!(text.contains("failed     2"), "{text}");

    let retry = licentia(Some(&app.db), &["admin", "outbox", "retry"], &[], None).await;
    assert_success(&retry);
    assert!(
        stdout(&retry).contains("2 failed delivery(ies) due again"),
        "{}",
        stdout(&retry)
    );
    let pending: i64 = app
        .db
        .scalar("SELECT count(*) AS value FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= now()")
        .await;
    assert_eq!(pending, 3);

    let bad = licentia(
        Some(&app.db),
        &["admin", "outbox", "retry", "--webhook", "nope"],
        &[],
        None,
    )
    .await;
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("--webhook must be a UUID"),
        "{}",
        stderr(&bad)
    );
}

#[tokio::test]
async fn outbox_prune_deletes_old_finished_events_and_keeps_pending_and_recent_ones() {
    let (app, token) = three_pending_deliveries().await;
    let old_events: i64 = app
        .db
        .scalar("SELECT count(*) AS value FROM outbox_events")
        .await;
    assert!(old_events >= 3, "three customer events at least");
    // Everything so far is 40 days old: one delivery succeeded (with its attempt log),
    // one failed, one is still pending. Then one recent event.
    app.db
        .execute("UPDATE outbox_events SET created_at = now() - interval '40 days'")
        .await;
    app.db
        .execute(
            "WITH ranked AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM webhook_deliveries) \
             UPDATE webhook_deliveries d SET \
               state = CASE ranked.n WHEN 1 THEN 'succeeded' ELSE 'failed' END, \
               next_attempt_at = NULL \
             FROM ranked WHERE d.id = ranked.id AND ranked.n <= 2",
        )
        .await;
    app.db
        .execute(
            "INSERT INTO webhook_attempts (delivery_id, number, status_code, latency_ms, attempted_at) \
             SELECT id, 1, 200, 5, now() FROM webhook_deliveries WHERE state = 'succeeded'",
        )
        .await;
    let recent = app
        .post(
            "/customers",
            &token,
            json!({"email": "recent@example.com", "name": "R"}),
        )
        .await;
    assert_eq!(recent.status, 201);

    // Kept: nothing is older than 50 days.
    let kept = licentia(
        Some(&app.db),
        &["admin", "outbox", "prune", "--older-than-days", "50"],
        &[],
        None,
    )
    .await;
    assert_success(&kept);
    assert!(
        stdout(&kept).starts_with("0 outbox event(s) pruned"),
        "{}",
        stdout(&kept)
    );

    let pruned = licentia(Some(&app.db), &["admin", "outbox", "prune"], &[], None).await;
    assert_success(&pruned);
    assert!(
        stdout(&pruned).starts_with(&format!("{} outbox event(s) pruned", old_events - 1)),
        "{}",
        stdout(&pruned)
    );
    assert!(
        stderr(&pruned).contains("older than 30 day(s)"),
        "{}",
        stderr(&pruned)
    );
    let remaining: i64 = app
        .db
        .scalar(
            "SELECT count(*) AS value FROM outbox_events o JOIN webhook_deliveries d \
             ON d.event_id = o.id WHERE d.state = 'pending'",
        )
        .await;
    let events: i64 = app
        .db
        .scalar("SELECT count(*) AS value FROM outbox_events")
        .await;
    let attempts: i64 = app
        .db
        .scalar("SELECT count(*) AS value FROM webhook_attempts")
        .await;
    assert_eq!(
        (remaining, events, attempts),
        (2, 2, 0),
        "the old pending delivery's event and the recent one stay; the attempt log went with its delivery"
    );
}

#[path = "cli/archive.rs"]
mod archive;
#[path = "cli/telemetry.rs"]
mod telemetry;
#[path = "cli/users.rs"]
mod users;

#[path = "cli/master_key.rs"]
mod master_key;
