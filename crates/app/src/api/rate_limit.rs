//! Rate limits at the HTTP edge: which budgets a request draws on, and the 429.
//!
//! - management API: the credential (API key id, or session), by the owner's tier,
//!   checked right after authentication succeeds (a failed one draws on nothing);
//! - runtime endpoints: the client IP and the license key, together, all or nothing;
//! - `POST /v1/auth/login|register`: the client IP (against password guessing).
//!
//! The decision is kept in the request's extensions; the `rate_limit_headers`
//! middleware writes it into the response, whatever the response is.

use std::net::IpAddr;

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest};
use licentia_domain::client_ip::rate_limit_subject;
use licentia_domain::license_key::LicenseKey;
use licentia_domain::rate_limit::RateDecision;
use licentia_ports::Budget;

use crate::api::auth::{Caller, Credential};
use crate::api::client_ip::client_ip;
use crate::error::AppError;
use crate::state::AppState;
use crate::telemetry::metrics::LimitScope;

/// The decision about a request, for its `X-RateLimit-*` headers.
#[derive(Debug, Clone, Copy)]
pub struct Limited(pub RateDecision);

/// Draws on `budgets`; 429 `RATE_LIMITED` when refused. A limiter error lets the
/// request through (logged): limits protect the service, they must not take it down.
async fn enforce(
    state: &AppState,
    req: &HttpRequest,
    budgets: &[Budget<'_>],
    scope: LimitScope,
) -> Result<(), AppError> {
    let Some(limiter) = &state.rate_limiter else {
        return Ok(());
    };
    let decision = match limiter.take(budgets, state.clock.now()).await {
        Ok(decision) => decision,
        Err(error) => {
            tracing::warn!(%error, "rate limiter failed; request let through");
            return Ok(());
        }
    };
    req.extensions_mut().insert(Limited(decision));
    match decision.retry_after {
        None => Ok(()),
        Some(seconds) => {
            state.metrics.rate_limited(scope);
            Err(AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                format!("rate limit exceeded; retry in {seconds} s"),
            ))
        }
    }
}

/// The management API: one budget per credential, with the limits of the owner's
/// tier as read with the credential (so a tier change applies to the next request).
pub async fn management(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
) -> Result<(), AppError> {
    if state.rate_limiter.is_none() {
        return Ok(());
    }
    let key = match &caller.credential {
        Credential::ApiKey { id } => format!("cred:key:{id}"),
        Credential::Session { token_hash } => {
            // 16 of the hash's 32 bytes name a session well enough.
            let mut key = String::with_capacity(10 + 32);
            key.push_str("cred:sess:");
            key.push_str(&hex(&token_hash.as_bytes()[..16]));
            key
        }
    };
    let limits = state.settings.rate_limits.for_tier(caller.user.tier);
    enforce(
        state,
        req,
        &[Budget { key: &key, limits }],
        LimitScope::Management,
    )
    .await
}

/// The runtime endpoints: the client IP, and the license key when the body names one
/// that is not refused on sight (IPv6 clients count by their /64).
pub async fn runtime(
    state: &AppState,
    req: &HttpRequest,
    license_key: Option<&str>,
) -> Result<(), AppError> {
    if state.rate_limiter.is_none() {
        return Ok(());
    }
    let settings = &state.settings.rate_limits;
    let ip = subject_key("ip:", client_ip(req, &settings.trusted_proxies));
    let lookup = license_key
        .and_then(|key| LicenseKey::parse_presented(key).ok())
        .map(|key| {
            let mut budget = String::with_capacity(4 + key.lookup_form().len());
            budget.push_str("lic:");
            budget.push_str(key.lookup_form());
            budget
        });
    let ip_budget = Budget {
        key: &ip,
        limits: settings.runtime_ip,
    };
    match &lookup {
        Some(lookup) => {
            let key_budget = Budget {
                key: lookup,
                limits: settings.runtime_key,
            };
            enforce(state, req, &[ip_budget, key_budget], LimitScope::Runtime).await
        }
        None => enforce(state, req, &[ip_budget], LimitScope::Runtime).await,
    }
}

/// `POST /v1/auth/login` and `/register`: the client IP.
pub async fn sign_in(state: &AppState, req: &HttpRequest) -> Result<(), AppError> {
    if state.rate_limiter.is_none() {
        return Ok(());
    }
    let settings = &state.settings.rate_limits;
    let key = subject_key("auth:", client_ip(req, &settings.trusted_proxies));
    let budget = Budget {
        key: &key,
        limits: settings.auth_ip,
    };
    enforce(state, req, &[budget], LimitScope::SignIn).await
}

fn subject_key(prefix: &str, ip: Option<IpAddr>) -> String {
    match ip {
        Some(ip) => format!("{prefix}{}", rate_limit_subject(ip)),
        None => format!("{prefix}unknown"),
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}
