//! The application state shared by every request: the ports, the clock, the settings,
//! the runtime's in-memory parts (cache, usage buffer, signing keys), and the
//! telemetry handles.

use std::sync::Arc;

use licentia_ports::{
    AccountArchive, AnalyticsRepository, ApiKeyRepository, Clock, CustomerRepository,
    DeliveryQueue, HealthCheck, IdempotencyStore, InjectableRepository, LicenseRepository,
    Notifier, PaymentRepository, ProductRepository, RateLimiter, RuntimeRepository,
    SealedValueStore, SigningKeyRepository, SiteRepository, UsageRepository, UserRepository,
    WebhookRepository,
};

use crate::config::Settings;
use crate::runtime::cache::RuntimeCache;
use crate::runtime::key_ring::KeyRing;
use crate::runtime::master_key::MasterKey;
use crate::runtime::usage::UsageBuffer;
use crate::telemetry::{Metrics, Traces};
use crate::workers::last_used::LastUsedRecorder;

/// Everything a request handler or use case may need.
#[derive(Clone)]
pub struct AppState {
    pub users: Arc<dyn UserRepository>,
    pub api_keys: Arc<dyn ApiKeyRepository>,
    pub products: Arc<dyn ProductRepository>,
    pub customers: Arc<dyn CustomerRepository>,
    pub licenses: Arc<dyn LicenseRepository>,
    pub payments: Arc<dyn PaymentRepository>,
    pub analytics: Arc<dyn AnalyticsRepository>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub injectables: Arc<dyn InjectableRepository>,
    pub runtime: Arc<dyn RuntimeRepository>,
    pub usage_store: Arc<dyn UsageRepository>,
    pub signing_keys: Arc<dyn SigningKeyRepository>,
    /// Every value sealed with the master key (for `admin rotate-master-key`).
    pub sealed_values: Arc<dyn SealedValueStore>,
    pub sites: Arc<dyn SiteRepository>,
    pub webhooks: Arc<dyn WebhookRepository>,
    /// Whole accounts, for `admin export|import`.
    pub archive: Arc<dyn AccountArchive>,
    pub deliveries: Arc<dyn DeliveryQueue>,
    pub notifier: Arc<dyn Notifier>,
    pub health: Arc<dyn HealthCheck>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub last_used: LastUsedRecorder,
    pub cache: RuntimeCache,
    pub usage: UsageBuffer,
    pub key_ring: KeyRing,
    pub master_key: Arc<MasterKey>,
    /// The rate limiter (`None`: `LICENTIA_RATE_LIMITS=off`).
    pub rate_limiter: Option<Arc<dyn RateLimiter>>,
    /// Metric instruments (no-ops unless metrics are on).
    pub metrics: Metrics,
    /// Spans (no-ops unless traces are on).
    pub traces: Traces,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("clock", &self.clock)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}
