//! `GET /v1/health` and `GET /v1/health/ready`.

use licentia_test_support::spawn_app;

#[tokio::test]
async fn health_answers_without_credentials() {
    let app = spawn_app().await;
    let reply = app.request("GET", "/health", None, None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "ok");
    assert_eq!(reply.body["service"], "licentia");
    assert_eq!(reply.body["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        reply.body["timestamp"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
}

#[tokio::test]
async fn ready_answers_200_while_the_database_answers() {
    let app = spawn_app().await;
    let reply = app.request("GET", "/health/ready", None, None).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn ready_answers_503_in_the_envelope_when_the_database_is_gone() {
    let app = licentia_test_support::spawn_app_with(|settings| {
        // A closed port: the pool cannot connect.
        settings.database_url =
            secrecy::SecretString::from("postgres://postgres@127.0.0.1:1/nowhere".to_owned());
    })
    .await;
    let reply = app.request("GET", "/health/ready", None, None).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.code(), "SERVICE_UNAVAILABLE");
    let live = app.request("GET", "/health", None, None).await;
    assert_eq!(live.status, 200, "liveness does not depend on the database");
}
