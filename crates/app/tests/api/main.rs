//! HTTP tests: the real server on port 0, a PostgreSQL database per test.

mod accounts;
mod errors;
mod health;
