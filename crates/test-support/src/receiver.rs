//! `WebhookReceiver`: a real HTTP server standing in for a vendor's webhook endpoint.
//! It records every request and answers with scripted statuses (200 by default).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use licentia_domain::webhook::{WebhookSecret, verify_signature};
use serde_json::Value;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`.
    pub timestamp: i64,
    /// `webhook-signature`.
    pub signature: String,
    pub body: Vec<u8>,
    pub json: Value,
}

impl Received {
    /// The event type (`type` in the body).
    pub fn event_type(&self) -> &str {
        self.json["type"].as_str().unwrap_or_default()
    }

    /// Whether `secret` made one of the signatures over exactly this message.
    pub fn signed_by(&self, secret: &str) -> bool {
        let secret = WebhookSecret::parse(secret).expect("a whsec_ secret");
        verify_signature(
            &secret,
            &self.id,
            self.timestamp,
            &self.body,
            &self.signature,
        )
    }
}

#[derive(Debug, Default)]
struct Inner {
    received: Vec<Received>,
    script: VecDeque<u16>,
    default_status: Option<u16>,
}

/// A running receiver.
#[derive(Debug, Clone)]
pub struct WebhookReceiver {
    /// `http://127.0.0.1:<port>/hook`.
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    inner: web::Data<Arc<Mutex<Inner>>>,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let received = Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or_default(),
        signature: header("webhook-signature"),
        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
        body: body.to_vec(),
    };
    let mut inner = inner.lock().expect("receiver lock");
    inner.received.push(received);
    let status = inner
        .script
        .pop_front()
        .or(inner.default_status)
        .unwrap_or(200);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("a status"))
        .body("receiver-internal-detail")
}

impl WebhookReceiver {
    /// Starts a receiver on a free port.
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let data = web::Data::new(inner.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind the receiver");
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            inner,
        }
    }

    /// The next requests are answered with these statuses, in order.
    pub fn respond_with(&self, statuses: &[u16]) {
        self.inner
            .lock()
            .expect("receiver lock")
            .script
            .extend(statuses);
    }

    /// Requests beyond the script are answered with `status`.
    pub fn respond_always(&self, status: u16) {
        self.inner.lock().expect("receiver lock").default_status = Some(status);
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().expect("receiver lock").received.clone()
    }

    /// Waits (up to 15 s) until `done` holds for what was received, and returns it.
    ///
    /// # Panics
    /// When it never holds.
    pub async fn wait_until(
        &self,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        for _ in 0..300 {
            let received = self.received();
            if done(&received) {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let received = self.received();
        let types: Vec<_> = received.iter().map(Received::event_type).collect();
        panic!("the receiver never saw {what}; it saw {types:?}");
    }
}
