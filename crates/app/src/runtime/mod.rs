//! Runtime licensing: what every running copy of the vendor's software calls.

pub mod cache;
pub mod key_ring;
pub mod master_key;
pub mod reseal;
pub mod service;
pub mod usage;
