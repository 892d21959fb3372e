#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::missing_panics_doc)]

mod app;
mod database;
mod otlp;
mod receiver;
mod round_robin;

pub use app::{Reply, StoppableInstance, TestApp, read, spawn_app, spawn_app_with};
pub use database::TestDatabase;
pub use otlp::{OtlpReceiver, ReceivedPoint, ReceivedSpan};
pub use receiver::{Received, WebhookReceiver};
pub use round_robin::RoundRobin;
