//! Cross-cutting request handling: request ids, panics, the error envelope and
//! idempotent POSTs.

pub mod envelope_guard;
pub mod idempotency;
pub mod panic_guard;
pub mod request_id;
