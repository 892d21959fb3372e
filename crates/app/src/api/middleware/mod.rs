//! Cross-cutting request handling: request ids, panics, the error envelope,
//! idempotent POSTs, rate-limit headers, query strings no filter could match, and
//! (when on) spans and request metrics.

pub mod envelope_guard;
pub mod idempotency;
pub mod panic_guard;
pub mod query_guard;
pub mod rate_limit_headers;
pub mod request_id;
pub mod telemetry;
