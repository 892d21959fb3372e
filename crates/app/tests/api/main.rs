//! HTTP tests: the real server on port 0, a PostgreSQL database per test.

mod accounts;
mod api_keys;
mod bursts;
mod customers;
mod errors;
mod fixtures;
mod health;
mod idempotency;
mod injectables;
mod licenses;
mod payments;
mod payments_standing;
mod payments_tenancy;
mod products;
mod rate_limits_management;
mod rate_limits_runtime;
mod rate_limits_shared;
mod runtime_cache;
mod runtime_seats;
mod runtime_signatures;
mod runtime_validation;
mod scopes;
mod tenancy;
mod webhooks;
mod wordpress;
