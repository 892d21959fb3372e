//! `Idempotency-Key` on POST: the first answer is stored for 24 h and replayed for a
//! retry with the same key and body (with `Idempotent-Replayed: true`).
//!
//! Keys are scoped to the credential that sent them (a hash of the secret), so one
//! caller can never read another's stored answer; anonymous requests are not stored.
//! A retry with a different body answers 409 `IDEMPOTENCY_KEY_REUSED`; a retry
//! while the first request still runs answers 409 `IDEMPOTENCY_KEY_IN_USE`. Server
//! errors (5xx), 401/403 and 429s are not stored, so a retry runs again; requests
//! without a well-formed credential are never stored. Stored bodies are
//! sealed with the master key (answers may carry a secret shown once, such as a new
//! API key or webhook secret), bound to their scope and key.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpResponse, ResponseError, web};
use licentia_ports::{IdempotencyStart, StoredResponse};
use ring::digest::{SHA256, digest};

use licentia_domain::secret_token::{PlainToken, TokenKind};

use crate::api::auth::presented_secret;
use crate::error::AppError;
use crate::state::AppState;

const HEADER: HeaderName = HeaderName::from_static("idempotency-key");

/// The middleware.
pub async fn idempotency(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req
        .headers()
        .get(HEADER)
        .filter(|_| req.method() == Method::POST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Most requests carry no key: they pass before any scope is worked out.
    let scope = key.as_ref().and_then(|_| credential_scope(&req));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(key), Some(scope), Some(state)) = (key, scope, state) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    if !(1..=255).contains(&key.len()) {
        let error = AppError::bad_request(
            "INVALID_IDEMPOTENCY_KEY",
            "Idempotency-Key must be 1 to 255 characters",
        );
        return Ok(req.into_response(error.error_response()));
    }

    let (http_request, mut payload) = req.into_parts();
    let body = match Bytes::from_request(&http_request, &mut payload).await {
        Ok(body) => body,
        Err(e) => return Ok(ServiceResponse::new(http_request, e.error_response())),
    };
    let fingerprint = request_fingerprint(&http_request, &body);
    let now = state.clock.now();
    let start = state
        .idempotency
        .begin(&scope, &key, &fingerprint, now)
        .await;
    let early = match start {
        Ok(IdempotencyStart::Started) => None,
        Ok(IdempotencyStart::Replay(stored)) => Some(replay(&state, &label(&scope, &key), stored)),
        Ok(IdempotencyStart::Mismatch) => Some(
            AppError::conflict(
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key was used with a different request",
            )
            .error_response(),
        ),
        Ok(IdempotencyStart::InProgress) => Some(
            AppError::conflict(
                "IDEMPOTENCY_KEY_IN_USE",
                "a request with this Idempotency-Key is still running",
            )
            .error_response(),
        ),
        Err(e) => Some(AppError::from_repository(e, "idempotency key", &key).error_response()),
    };
    if let Some(response) = early {
        return Ok(ServiceResponse::new(http_request, response));
    }

    let req = ServiceRequest::from_parts(http_request, Payload::from(body));
    let res = next.call(req).await?;
    let (http_request, response) = res.into_parts();
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let (head, body) = response.into_parts();
    let bytes = to_bytes(body)
        .await
        .map_err(|_| AppError::internal("could not buffer the response"))?;
    let storable = !(status.is_server_error() || matches!(status.as_u16(), 401 | 403 | 429));
    let sealed = state.master_key.seal(&label(&scope, &key), &bytes);
    let outcome = if let (true, Ok(body)) = (storable, sealed) {
        let stored = StoredResponse {
            status: status.as_u16(),
            content_type,
            body,
        };
        state.idempotency.complete(&scope, &key, stored).await
    } else {
        state.idempotency.abandon(&scope, &key).await
    };
    if let Err(error) = outcome {
        tracing::warn!(%error, "could not record the idempotent response");
    }
    Ok(ServiceResponse::new(
        http_request,
        head.set_body(BoxBody::new(bytes)),
    ))
}

/// The scope of stored answers: a hash of the presented secret, however it was sent
/// (`X-Api-Key` or `Authorization: Bearer`).
///
/// Only a well-formed secret has a scope (a made-up one is refused before any
/// storage, so unauthenticated requests cannot write idempotency rows).
fn credential_scope(req: &ServiceRequest) -> Option<String> {
    let secret = presented_secret(req.request())?;
    let well_formed = [TokenKind::ApiKey, TokenKind::Session]
        .into_iter()
        .any(|kind| PlainToken::parse(kind, &secret).is_ok());
    if !well_formed {
        return None;
    }
    let hash = digest(&SHA256, secret.as_bytes());
    Some(hash.as_ref().iter().map(|b| format!("{b:02x}")).collect())
}

fn request_fingerprint(req: &actix_web::HttpRequest, body: &[u8]) -> Vec<u8> {
    let mut material = Vec::with_capacity(body.len() + 64);
    material.extend_from_slice(req.method().as_str().as_bytes());
    material.push(b' ');
    material.extend_from_slice(req.uri().to_string().as_bytes());
    material.push(b'\n');
    material.extend_from_slice(body);
    digest(&SHA256, &material).as_ref().to_vec()
}

/// What a stored body is sealed to: its credential scope and key.
pub(crate) fn label(scope: &str, key: &str) -> String {
    format!("idempotency:{scope}:{key}")
}

fn replay(state: &AppState, label: &str, stored: StoredResponse) -> HttpResponse {
    let body = match state.master_key.open(label, &stored.body) {
        Ok(body) => secrecy::ExposeSecret::expose_secret(&body).clone(),
        Err(error) => return AppError::internal(error).error_response(),
    };
    let status = actix_web::http::StatusCode::from_u16(stored.status)
        .unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, stored.content_type))
        .insert_header(("idempotent-replayed", HeaderValue::from_static("true")))
        .body(body)
}
