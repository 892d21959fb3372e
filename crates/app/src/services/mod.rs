//! Use cases: load through the ports, decide with the domain, persist with events.

pub mod accounts;
pub mod analytics;
pub mod api_keys;
pub mod customers;
pub mod injectables;
pub mod licenses;
pub mod payments;
pub mod products;
pub mod sites;
pub mod webhooks;
