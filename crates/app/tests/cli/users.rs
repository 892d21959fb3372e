//! `admin list-users`, `set-role`, `disable-user`/`enable-user` and `list-api-keys`
//! through the real binary.

use super::*;

/// Runs `licentia admin <args>` against `db` and expects success.
async fn admin(db: &TestDatabase, args: &[&str]) -> String {
    let mut full = vec!["admin"];
    full.extend_from_slice(args);
    let output = licentia(Some(db), &full, &[], None).await;
    assert_success(&output);
    stdout(&output)
}

/// Runs `licentia admin <args>` against `db` and expects a failure; returns stderr.
async fn admin_fails(db: &TestDatabase, args: &[&str]) -> String {
    let mut full = vec!["admin"];
    full.extend_from_slice(args);
    let output = licentia(Some(db), &full, &[], None).await;
    assert!(
        !output.status.success(),
        "{args:?} should fail\nstdout: {}",
        stdout(&output)
    );
    stderr(&output)
}

#[tokio::test]
async fn list_users_prints_a_table_of_every_user() {
    let db = TestDatabase::new().await;
    create_ops(&db).await;
    admin(
        &db,
        &[
            "create-user",
            "--email",
            "vendor@example.com",
            "--name",
            "Vendor Ltd",
        ],
    )
    .await;
    admin(&db, &["disable-user", "--user", "vendor@example.com"]).await;

    let out = admin(&db, &["list-users"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("EMAIL") && lines[0].contains("DISABLED"),
        "{out}"
    );
    let vendor = lines
        .iter()
        .find(|l| l.starts_with("vendor@example.com"))
        .unwrap_or_else(|| panic!("vendor listed: {out}"));
    let cells: Vec<&str> = vendor.split_whitespace().collect();
    assert_eq!(
        cells[1..6],
        ["Vendor", "Ltd", "user", "start", "yes"],
        "{out}"
    );
    let ops = lines
        .iter()
        .find(|l| l.starts_with("ops@example.com"))
        .unwrap_or_else(|| panic!("ops listed: {out}"));
    let cells: Vec<&str> = ops.split_whitespace().collect();
    assert_eq!(cells[1..5], ["Ops", "admin", "pro", "no"], "{out}");
    assert!(out.contains("2 user(s)"), "{out}");
    assert!(!out.contains("argon2"), "no password hashes");
}

#[tokio::test]
async fn set_role_changes_the_role_and_refuses_bad_input() {
    let db = TestDatabase::new().await;
    create_ops(&db).await;
    let out = admin(
        &db,
        &["set-role", "--user", "ops@example.com", "--role", "user"],
    )
    .await;
    assert!(out.contains("user role"), "{out}");
    assert_eq!(
        db.scalar(
            "SELECT count(*) AS value FROM users WHERE email = 'ops@example.com' \
             AND role = 'user' AND tier = 'pro'"
        )
        .await,
        1,
        "the role changed, the tier did not"
    );

    let err = admin_fails(
        &db,
        &["set-role", "--user", "ops@example.com", "--role", "root"],
    )
    .await;
    assert!(err.contains("--role must be one of user, admin"), "{err}");
    let err = admin_fails(
        &db,
        &[
            "set-role",
            "--user",
            "nobody@example.com",
            "--role",
            "admin",
        ],
    )
    .await;
    assert!(
        err.contains("no user with the email nobody@example.com"),
        "{err}"
    );
    let err = admin_fails(&db, &["disable-user", "--user", "nobody@example.com"]).await;
    assert!(err.contains("no user with the email"), "{err}");
    let err = admin_fails(&db, &["list-api-keys", "--user", "not-an-email"]).await;
    assert!(err.contains("--user"), "{err}");
    assert_eq!(
        db.scalar("SELECT count(*) AS value FROM users WHERE role = 'user'")
            .await,
        1,
        "nothing changed by the refused commands"
    );
}

#[tokio::test]
async fn disable_user_refuses_their_keys_and_sessions_at_once_and_enable_user_restores_them() {
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
    let app = spawn_app_with(|s| s.database_url = db.url()).await;
    assert_eq!(app.get("/auth/me", &secret).await.status, 200);
    let login = app
        .request(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": "ops@example.com", "password": "a-long-operator-password"})),
        )
        .await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    let session = login.data()["token"].as_str().expect("token").to_owned();
    assert_eq!(app.get("/auth/me", &session).await.status, 200);

    let out = admin(&db, &["disable-user", "--user", "ops@example.com"]).await;
    assert!(out.contains("disabled ops@example.com"), "{out}");
    assert_eq!(
        db.scalar(
            "SELECT count(*) AS value FROM users WHERE email = 'ops@example.com' \
             AND disabled_at IS NOT NULL"
        )
        .await,
        1
    );
    let disabled_at = "SELECT (extract(epoch FROM disabled_at) * 1000000)::bigint AS value \
                       FROM users WHERE email = 'ops@example.com'";
    let first = db.scalar(disabled_at).await;
    let again = admin(&db, &["disable-user", "--user", "ops@example.com"]).await;
    assert!(
        again.contains("ops@example.com is already disabled"),
        "{again}"
    );
    assert_eq!(db.scalar(disabled_at).await, first, "disabled_at kept");
    let reply = app.get("/auth/me", &secret).await;
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    assert_eq!(reply.code(), "ACCOUNT_DISABLED");
    let reply = app.get("/auth/me", &session).await;
    assert_eq!(reply.status, 401, "the session too: {:?}", reply.body);
    assert_eq!(reply.code(), "ACCOUNT_DISABLED");

    let out = admin(&db, &["enable-user", "--user", "ops@example.com"]).await;
    assert!(out.contains("enabled ops@example.com"), "{out}");
    assert_eq!(
        db.scalar("SELECT count(*) AS value FROM users WHERE disabled_at IS NULL")
            .await,
        1
    );
    assert_eq!(app.get("/auth/me", &secret).await.status, 200);
    assert_eq!(app.get("/auth/me", &session).await.status, 200);
}

#[tokio::test]
async fn list_api_keys_shows_every_key_of_the_user_but_never_a_secret() {
    let db = TestDatabase::new().await;
    create_ops(&db).await;
    let first = licentia(
        Some(&db),
        &[
            "admin",
            "create-api-key",
            "--user",
            "ops@example.com",
            "--scopes",
            "licenses:read,products:read",
            "--name",
            "ci",
            "--expires-in",
            "30d",
        ],
        &[],
        None,
    )
    .await;
    assert_success(&first);
    let first_secret = printed_secret(&first);
    let second = licentia(
        Some(&db),
        &[
            "admin",
            "create-api-key",
            "--user",
            "ops@example.com",
            "--name",
            "old",
        ],
        &[],
        None,
    )
    .await;
    assert_success(&second);
    let second_secret = printed_secret(&second);
    let second_id = stdout(&second)
        .split_whitespace()
        .find(|word| uuid::Uuid::parse_str(word).is_ok())
        .expect("the key id is printed")
        .to_owned();
    admin(&db, &["revoke-api-key", &second_id]).await;

    let out = admin(&db, &["list-api-keys", "--user", "ops@example.com"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("LAST USED"),
        "{out}"
    );
    assert!(out.contains("2 API key(s) for ops@example.com"), "{out}");
    for secret in [&first_secret, &second_secret] {
        assert!(!out.contains(secret.as_str()), "no secret printed: {out}");
        let masked = format!("{}…{}", &secret[..12], &secret[secret.len() - 4..]);
        assert!(out.contains(&masked), "{masked} in {out}");
    }
    let ci = lines
        .iter()
        .find(|l| {
            l.contains("products:read,licenses:read") || l.contains("licenses:read,products:read")
        })
        .unwrap_or_else(|| panic!("the scoped key is listed: {out}"));
    assert!(ci.contains(" ci "), "{ci}");
    let revoked = lines
        .iter()
        .find(|l| l.starts_with(&second_id))
        .unwrap_or_else(|| panic!("the revoked key is listed: {out}"));
    let cells: Vec<&str> = revoked.split_whitespace().collect();
    assert_eq!(cells[1..5], ["old", cells[2], "*", "-"], "{revoked}");
    assert_eq!(cells[5], "-", "no expiry: {revoked}");
    assert_ne!(cells[6], "-", "revoked: {revoked}");
    assert_eq!(cells[7], "-", "never used: {revoked}");

    create_user_named(&db, "other@example.com").await;
    let out = admin(&db, &["list-api-keys", "--user", "other@example.com"]).await;
    assert_eq!(
        out.lines().count(),
        2,
        "only the header and the count: {out}"
    );
    assert!(out.contains("0 API key(s)"), "{out}");
}

async fn create_user_named(db: &TestDatabase, email: &str) {
    admin(db, &["create-user", "--email", email, "--name", "Other"]).await;
}
