//! `spawn_app()`: the real server on port 0 against a database of its own.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use licentia::config::{RateLimitMode, Settings};
use licentia::startup::Application;
use licentia_domain::rate_limit::Limits;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::database::TestDatabase;

/// A running server and the means to talk to it.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    /// The settings the server runs with (reused by [`TestApp::spawn_instance`]).
    pub settings: Settings,
}

/// Starts a server with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server after `configure` adjusts its settings.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        licentia::telemetry::init_subscriber(licentia::telemetry::get_subscriber(
            "debug",
            licentia::config::LogFormat::Text,
            std::io::stdout,
        ));
    }
    let db = TestDatabase::new().await;
    let mut settings =
        Settings::from_sources(&HashMap::new(), &HashMap::new()).expect("default settings");
    settings.database_url = db.url();
    settings.bind = "127.0.0.1:0".parse().expect("address");
    settings.auto_migrate = false;
    settings.db_pool_size = 4;
    settings.last_used_flush_interval = Duration::from_millis(100);
    settings.usage_flush_interval = Duration::from_millis(100);
    settings.master_key =
        Some(licentia::runtime::master_key::MasterKey::generate_base64().expect("random"));
    // The in-process limiter stays on (so every test crosses it and its headers), with
    // limits no ordinary test reaches; rate-limit tests set their own.
    let lavish = Limits::new(1_000_000, 1_000_000, 1_000_000).expect("limits");
    let limits = &mut settings.rate_limits;
    limits.mode = RateLimitMode::Memory;
    (limits.start, limits.pro, limits.enterprise) = (lavish, lavish, lavish);
    (limits.runtime_ip, limits.runtime_key, limits.auth_ip) = (lavish, lavish, lavish);
    settings.webhooks.allow_http = true;
    settings.webhooks.allow_private = true;
    settings.webhooks.poll_interval = Duration::from_millis(50);
    settings.webhooks.retry.first_delay = time::Duration::milliseconds(300);
    configure(&mut settings);
    let port = start(settings.clone()).await;
    TestApp {
        settings,
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        db,
    }
}

async fn start(settings: Settings) -> u16 {
    start_stoppable(settings).await.port
}

async fn start_stoppable(settings: Settings) -> StoppableInstance {
    let app = Application::build(settings)
        .await
        .expect("the server starts");
    StoppableInstance {
        port: app.port(),
        handle: app.handle(),
        running: tokio::spawn(app.run_until_stopped()),
    }
}

/// A server started by [`TestApp::spawn_stoppable_instance_with`], to be stopped the
/// way SIGTERM stops one.
#[derive(Debug)]
pub struct StoppableInstance {
    pub port: u16,
    handle: ServerHandle,
    running: JoinHandle<std::io::Result<()>>,
}

impl StoppableInstance {
    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the server gracefully and waits until it has finished stopping.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        self.running
            .await
            .expect("the server task ends")
            .expect("the server stops cleanly");
    }
}

/// A response read whole: status, headers and JSON body (or `Value::Null`).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    /// The body exactly as received (signatures cover these bytes).
    pub raw: Vec<u8>,
}

impl Reply {
    /// The header's value as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `body.data`.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// `body.code` of an error envelope.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

impl TestApp {
    /// Starts another server on the same database and master key (a second replica);
    /// returns its base address, `http://127.0.0.1:<port>`.
    pub async fn spawn_instance(&self) -> String {
        self.spawn_instance_with(|_| {}).await
    }

    /// Like [`TestApp::spawn_instance`], after `configure` adjusts a copy of the settings.
    pub async fn spawn_instance_with(&self, configure: impl FnOnce(&mut Settings)) -> String {
        let mut settings = self.settings.clone();
        configure(&mut settings);
        let port = start(settings).await;
        format!("http://127.0.0.1:{port}")
    }

    /// Like [`TestApp::spawn_instance_with`], for a server the test stops itself.
    pub async fn spawn_stoppable_instance_with(
        &self,
        configure: impl FnOnce(&mut Settings),
    ) -> StoppableInstance {
        let mut settings = self.settings.clone();
        configure(&mut settings);
        start_stoppable(settings).await
    }

    /// POSTs to a runtime endpoint (no credential; the license key is in the body).
    pub async fn runtime(&self, path: &str, body: Value) -> Reply {
        self.request("POST", path, None, Some(body)).await
    }

    /// `http://127.0.0.1:<port>/v1<path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/v1{path}", self.address)
    }

    /// Sends a request with an optional bearer credential and JSON body.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        credential: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.client.request(method, self.url(path));
        if let Some(secret) = credential {
            request = request.bearer_auth(secret);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.expect("request sent")).await
    }

    /// GET with a credential.
    pub async fn get(&self, path: &str, credential: &str) -> Reply {
        self.request("GET", path, Some(credential), None).await
    }

    /// POST JSON with a credential.
    pub async fn post(&self, path: &str, credential: &str, body: Value) -> Reply {
        self.request("POST", path, Some(credential), Some(body))
            .await
    }

    /// PATCH JSON with a credential.
    pub async fn patch(&self, path: &str, credential: &str, body: Value) -> Reply {
        self.request("PATCH", path, Some(credential), Some(body))
            .await
    }

    /// PUT JSON with a credential.
    pub async fn put(&self, path: &str, credential: &str, body: Value) -> Reply {
        self.request("PUT", path, Some(credential), Some(body))
            .await
    }

    /// DELETE with a credential.
    pub async fn delete(&self, path: &str, credential: &str) -> Reply {
        self.request("DELETE", path, Some(credential), None).await
    }

    /// Registers a user and returns its session token.
    pub async fn register(&self, email: &str) -> String {
        let reply = self
            .request(
                "POST",
                "/auth/register",
                None,
                Some(json!({"email": email, "password": "correct-horse-battery", "name": "Test User"})),
            )
            .await;
        assert_eq!(reply.status, 201, "register {email}: {:?}", reply.body);
        reply.data()["token"].as_str().expect("token").to_owned()
    }

    /// Creates an API key with `scopes` (optionally product-scoped) and returns its secret.
    pub async fn api_key(&self, session: &str, scopes: &[&str], product: Option<&str>) -> String {
        let mut body = json!({"name": "test key", "scopes": scopes});
        if let Some(product) = product {
            body["productId"] = json!(product);
        }
        let reply = self.post("/api-keys", session, body).await;
        assert_eq!(reply.status, 201, "create key: {:?}", reply.body);
        reply.data()["secret"].as_str().expect("secret").to_owned()
    }

    /// Creates a product and returns its id.
    pub async fn product(&self, credential: &str, slug: &str) -> String {
        let reply = self
            .post(
                "/products",
                credential,
                json!({
                    "name": format!("Product {slug}"),
                    "slug": slug,
                    "plans": [{"name": "Pro", "maxActivations": 3, "durationDays": 365, "features": ["sync", "export"]}]
                }),
            )
            .await;
        assert_eq!(reply.status, 201, "create product: {:?}", reply.body);
        reply.data()["id"].as_str().expect("id").to_owned()
    }

    /// Creates a license under `product` and returns its JSON.
    pub async fn license(&self, credential: &str, product: &str, extra: Value) -> Value {
        let mut body = json!({"productId": product});
        if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            target.extend(extra.clone());
        }
        let reply = self.post("/licenses", credential, body).await;
        assert_eq!(reply.status, 201, "create license: {:?}", reply.body);
        reply.data().clone()
    }
}

/// Reads a response whole.
pub async fn read(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        raw: bytes.to_vec(),
    }
}
