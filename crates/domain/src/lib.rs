#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod access;
pub mod account;
pub mod activation;
pub mod analytics;
pub mod api_key;
pub mod certificate;
pub mod client_ip;
pub mod crockford;
pub mod currency;
pub mod customer;
pub mod domain_name;
pub mod email;
pub mod event;
pub mod fingerprint;
pub mod ids;
pub mod injectable;
pub mod jwks;
pub mod key_prefix;
pub mod license;
pub mod license_key;
pub mod license_status;
pub mod license_terms;
pub mod metadata;
#[cfg(feature = "openapi")]
mod openapi;
pub mod payment;
pub mod plan;
pub mod product;
pub mod rate_limit;
pub mod refusal;
pub mod scope;
pub mod secret_token;
pub mod signing;
pub mod site;
pub mod slug;
pub mod text;
pub mod validation;
pub mod validation_error;
pub mod webhook;

pub use validation_error::ValidationError;
