#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod address_policy;
mod guarded_resolver;
mod notifier;

pub use notifier::{HttpNotifier, NotifierBuildError, NotifierSettings};
