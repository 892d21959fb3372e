//! Register, login, me, logout; closed registration.

use licentia_test_support::{spawn_app, spawn_app_with};
use serde_json::json;

#[tokio::test]
async fn registering_creates_an_account_with_an_argon2id_hash_and_a_session() {
    let app = spawn_app().await;
    let reply = app
        .request(
            "POST",
            "/auth/register",
            None,
            Some(json!({"email": "Ada@Example.com", "password": "correct-horse-battery", "name": "Ada"})),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.data()["email"], "ada@example.com");
    let token = reply.data()["token"].as_str().expect("token");
    assert!(token.starts_with("sess_"));
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM users WHERE password_hash LIKE '$argon2id$%'")
            .await,
        1
    );
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM sessions WHERE token_hash = sha256('{token}'::bytea)"
            ))
            .await,
        1,
        "only the token's SHA-256 is stored"
    );
}

#[tokio::test]
async fn a_taken_email_is_a_conflict() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let reply = app
        .request(
            "POST",
            "/auth/register",
            None,
            Some(json!({"email": "ADA@example.com", "password": "another-password", "name": "Ada 2"})),
        )
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.code(), "EMAIL_TAKEN");
}

#[tokio::test]
async fn login_returns_a_working_session_token() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let reply = app
        .request(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": "ada@example.com", "password": "correct-horse-battery"})),
        )
        .await;
    assert_eq!(reply.status, 200);
    let token = reply.data()["token"].as_str().expect("token").to_owned();
    let me = app.get("/auth/me", &token).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.data()["email"], "ada@example.com");
    assert_eq!(me.data()["tier"], "start");
    assert_eq!(me.data()["role"], "user");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_answer_identically() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let wrong = app
        .request(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": "ada@example.com", "password": "wrong-password!"})),
        )
        .await;
    let unknown = app
        .request(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": "nobody@example.com", "password": "wrong-password!"})),
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.code(), "INVALID_CREDENTIALS");
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.body, unknown.body);
}

#[tokio::test]
async fn logout_invalidates_the_session_at_once() {
    let app = spawn_app().await;
    let token = app.register("ada@example.com").await;
    let reply = app
        .request("POST", "/auth/logout", Some(&token), None)
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.data()["message"].is_string());
    let after = app.get("/auth/me", &token).await;
    assert_eq!(after.status, 401);
    assert_eq!(after.code(), "INVALID_SESSION");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM sessions")
            .await,
        0
    );
}

#[tokio::test]
async fn me_works_with_an_api_key_too() {
    let app = spawn_app().await;
    let token = app.register("ada@example.com").await;
    let key = app.api_key(&token, &["licenses:read"], None).await;
    let me = app.get("/auth/me", &key).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.data()["email"], "ada@example.com");
}

#[tokio::test]
async fn missing_and_garbage_credentials_are_401() {
    let app = spawn_app().await;
    let none = app.request("GET", "/auth/me", None, None).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.code(), "MISSING_CREDENTIALS");
    let made_up_session = app.get("/auth/me", "sess_made-up").await;
    assert_eq!(made_up_session.code(), "INVALID_SESSION");
}

#[tokio::test]
async fn closed_registration_is_refused() {
    let app = spawn_app_with(|s| s.open_registration = false).await;
    let reply = app
        .request(
            "POST",
            "/auth/register",
            None,
            Some(json!({"email": "ada@example.com", "password": "correct-horse-battery", "name": "Ada"})),
        )
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.code(), "REGISTRATION_CLOSED");
    assert_eq!(
        app.db.scalar("SELECT count(*) AS value FROM users").await,
        0
    );
}
