//! HTTP tests: the real server on port 0, a PostgreSQL database per test.

mod accounts;
mod api_keys;
mod customers;
mod errors;
mod fixtures;
mod health;
mod idempotency;
mod licenses;
mod payments;
mod payments_standing;
mod payments_tenancy;
mod products;
mod runtime_cache;
mod runtime_seats;
mod runtime_signatures;
mod runtime_validation;
mod scopes;
mod tenancy;
mod webhooks;
