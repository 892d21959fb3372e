//! The HTTP client OTLP exports go through: the workspace's reqwest (rustls, so
//! `https://` collectors work) in its blocking form.
//!
//! The SDK exports from threads of its own (the batch span processor and the
//! periodic metric reader), outside any async runtime, so a blocking client is the
//! right fit; it is built on a thread of its own too, as reqwest's blocking client
//! must not be created inside a runtime.

use std::io::Read;
use std::time::Duration;

use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};

/// Answers larger than this are cut (a collector answers with a few bytes).
const MAX_ANSWER_BYTES: u64 = 1024 * 1024;

/// A blocking reqwest client for OTLP/HTTP.
#[derive(Debug, Clone)]
pub(crate) struct ExportClient {
    inner: reqwest::blocking::Client,
}

impl ExportClient {
    /// A client whose every request gives up after `timeout`.
    pub(crate) fn new(timeout: Duration) -> Result<Self, String> {
        std::thread::Builder::new()
            .name("otlp-client-setup".into())
            .spawn(move || {
                reqwest::blocking::Client::builder()
                    .timeout(timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
            })
            .map_err(|e| format!("cannot start a thread for the OTLP client: {e}"))?
            .join()
            .map_err(|_| "the OTLP client could not be built".to_owned())?
            .map(|inner| Self { inner })
            .map_err(|e| format!("cannot build the OTLP client: {e}"))
    }
}

#[async_trait::async_trait]
impl HttpClient for ExportClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let (parts, body) = request.into_parts();
        let mut outgoing = self
            .inner
            .request(parts.method, parts.uri.to_string())
            .body(body.to_vec());
        for (name, value) in &parts.headers {
            outgoing = outgoing.header(name, value);
        }
        let answer = outgoing.send()?;
        let status = answer.status();
        let headers = answer.headers().clone();
        let mut body = Vec::new();
        answer.take(MAX_ANSWER_BYTES).read_to_end(&mut body)?;
        let mut response = Response::builder().status(status).body(Bytes::from(body))?;
        *response.headers_mut() = headers;
        Ok(response)
    }
}
