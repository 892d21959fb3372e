//! Cross-cutting request handling: request ids, panics, the error envelope,
//! idempotent POSTs, rate-limit headers, and query strings no filter could match.

pub mod envelope_guard;
pub mod idempotency;
pub mod panic_guard;
pub mod query_guard;
pub mod rate_limit_headers;
pub mod request_id;
