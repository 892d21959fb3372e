//! The server span and the duration metric of every request. Mounted only when
//! traces or metrics are on (with both off, requests never enter this code).
//!
//! The span is named `METHOD /route/{template}` and carries the method, the route
//! template, the status and (set by whoever authenticates the request) the tenant.
//! It never carries the path, query, headers or body: paths may hold license keys.
//! A W3C `traceparent` header from the client makes the span its child.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::HeaderMap;
use actix_web::middleware::Next;
use actix_web::web;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Instrument;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::state::AppState;
use crate::telemetry::SPAN_TARGET;

/// Records the request's span and duration.
pub async fn http_telemetry(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let started = Instant::now();
    let method = method_name(req.method());
    let route = req.match_pattern();
    let span = if state.traces.is_on() {
        state
            .traces
            .in_scope(|| server_span(&req, method, route.as_deref()))
    } else {
        tracing::Span::none()
    };
    let outcome = state
        .traces
        .scoped(next.call(req).instrument(span.clone()))
        .await;
    let status = match &outcome {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
        span.record("error.type", status.as_str());
    }
    state
        .metrics
        .http_request(method, route.as_deref(), status.as_u16(), started.elapsed());
    outcome
}

fn server_span(req: &ServiceRequest, method: &'static str, route: Option<&str>) -> tracing::Span {
    let name = match route {
        Some(route) => format!("{method} {route}"),
        None => method.to_owned(),
    };
    let span = tracing::info_span!(
        target: SPAN_TARGET,
        "http.server",
        otel.name = name,
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = method,
        http.route = route,
        http.response.status_code = Empty,
        error.type = Empty,
    );
    if req.headers().contains_key("traceparent") {
        let parent = TraceContextPropagator::new().extract(&Headers(req.headers()));
        if let Err(error) = span.set_parent(parent) {
            tracing::debug!(%error, "traceparent not applied");
        }
    }
    span
}

/// The method as the semantic conventions name it: the standard ones, else `_OTHER`
/// (so a client cannot create a metric series per made-up method).
fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "_OTHER",
    }
}

/// Request headers as the propagator reads them.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0
            .keys()
            .map(actix_web::http::header::HeaderName::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_name() {
        assert_eq!(method_name(&Method::PATCH), "PATCH");
        let made_up = Method::from_bytes(b"BREW").expect("a method");
        assert_eq!(method_name(&made_up), "_OTHER");
    }
}
