#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod admin;
pub mod api;
pub mod archive;
pub mod cli;
pub mod config;
pub mod cpu_level;
pub mod error;
pub mod passwords;
pub mod rate_limits;
pub mod runtime;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;
pub mod workers;
