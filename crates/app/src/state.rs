//! The application state shared by every request: the ports, the clock, the settings.

use std::sync::Arc;

use licentia_ports::{
    ApiKeyRepository, Clock, CustomerRepository, HealthCheck, IdempotencyStore, LicenseRepository,
    ProductRepository, UserRepository,
};

use crate::config::Settings;
use crate::workers::last_used::LastUsedRecorder;

/// Everything a request handler or use case may need.
#[derive(Clone)]
pub struct AppState {
    pub users: Arc<dyn UserRepository>,
    pub api_keys: Arc<dyn ApiKeyRepository>,
    pub products: Arc<dyn ProductRepository>,
    pub customers: Arc<dyn CustomerRepository>,
    pub licenses: Arc<dyn LicenseRepository>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub health: Arc<dyn HealthCheck>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub last_used: LastUsedRecorder,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}
