#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod change_notice;
mod cursor;
mod database_admin;
mod error;
mod migrations;
mod outbox;
mod pool;
mod query_spans;
mod repositories;
mod rows;
mod schema;

pub use change_notice::PgChangeFeed;
pub use database_admin::{DatabaseAdmin, DatabaseUrl};
pub use migrations::{migrations_fingerprint, run_migrations};
pub use pool::{PgPool, PoolSettings, connect};
pub use query_spans::SPAN_TARGET;
pub use repositories::PostgresStore;
