#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod access;
pub mod account;
pub mod activation;
pub mod api_key;
pub mod certificate;
pub mod crockford;
pub mod currency;
pub mod customer;
pub mod domain_name;
pub mod email;
pub mod event;
pub mod fingerprint;
pub mod ids;
pub mod jwks;
pub mod key_prefix;
pub mod license;
pub mod license_key;
pub mod license_status;
pub mod metadata;
pub mod payment;
pub mod plan;
pub mod product;
pub mod refusal;
pub mod scope;
pub mod secret_token;
pub mod signing;
pub mod slug;
pub mod text;
pub mod validation;
pub mod validation_error;
pub mod webhook;

pub use validation_error::ValidationError;
