//! Background work that runs beside the HTTP server.

pub mod change_listener;
pub mod expiry_sweep;
pub mod flushing;
pub mod housekeeping;
pub mod key_refresh;
pub mod last_used;
pub mod outbox_backlog;
pub mod rate_limit_purge;
pub mod webhook_dispatcher;
