//! `X-Request-Id` on every response: the client's own (when sane) or a fresh UUID;
//! and one log line per request under it (method, route template, status, duration).

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

/// The header name.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A fresh id: UUID-shaped, a random per-process half and a counter, so that no
/// request pays for a system call to the random source.
fn fresh_id() -> String {
    static PROCESS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let process = *PROCESS.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair().0);
    let sequence = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    uuid::Uuid::from_u64_pair(process, sequence).to_string()
}

/// The id of the current request, kept in the request's extensions for inner layers.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Echoes or assigns the request id and logs the request under it.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(fresh_id, str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    // The route template, not the path: paths may hold license keys.
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), route = tracing::field::Empty);
    if !span.is_disabled() {
        span.record(
            "route",
            req.match_pattern().as_deref().unwrap_or("unmatched"),
        );
    }
    let started = std::time::Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    span.in_scope(|| tracing::info!(status = res.status().as_u16(), elapsed_ms, "request done"));
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test, web};

    use super::*;
    use crate::config::LogFormat;

    /// Log output kept in memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
        type Writer = Captured;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    #[actix_web::test]
    async fn the_request_log_names_the_route_never_the_path() {
        let logs = Captured::default();
        let _default = tracing::subscriber::set_default(crate::telemetry::get_subscriber(
            "info",
            LogFormat::Json,
            logs.clone(),
        ));
        let app = test::init_service(
            App::new()
                .route("/v1/licenses/{id_or_key}", web::get().to(HttpResponse::Ok))
                .wrap(from_fn(request_id)),
        )
        .await;
        for path in ["/v1/licenses/LIC-SECRET-KEY", "/v1/elsewhere/LIC-OTHER-KEY"] {
            let request = test::TestRequest::get().uri(path).to_request();
            test::call_service(&app, request).await;
        }
        let text = String::from_utf8(logs.0.lock().expect("log buffer").clone()).expect("utf-8");
        assert!(text.contains("/v1/licenses/{id_or_key}"), "{text}");
        assert!(text.contains("unmatched"), "{text}");
        assert!(text.contains("request done"), "{text}");
        assert!(!text.contains("LIC-"), "{text}");
    }
}
