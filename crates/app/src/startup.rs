//! Building and running the server: `Application::build` binds (port 0 works, for
//! tests), `run_until_stopped` serves until a signal, then drains and flushes
//! (buffered counters, then spans and metrics).

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use licentia_adapters_http::{HttpNotifier, NotifierBuildError, NotifierSettings};
use licentia_adapters_postgres::{PoolSettings, PostgresStore, connect, run_migrations};
use licentia_ports::{Clock, SystemClock};
use tokio::sync::watch;

use crate::api;
use crate::api::extractor_errors::{json_config, payload_config, query_config};
use crate::api::middleware::{
    envelope_guard::envelope_guard, idempotency::idempotency, panic_guard::panic_guard,
    query_guard::query_guard, rate_limit_headers::rate_limit_headers, request_id::request_id,
    telemetry::http_telemetry,
};
use crate::config::Settings;
use crate::runtime::cache::RuntimeCache;
use crate::runtime::key_ring::KeyRing;
use crate::runtime::master_key::MasterKey;
use crate::runtime::usage::UsageBuffer;
use crate::state::AppState;
use crate::telemetry::{Metrics, Telemetry, TelemetryError, Traces};
use crate::workers;
use crate::workers::last_used::LastUsedRecorder;

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    telemetry: Telemetry,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot bind {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Database(#[from] licentia_ports::RepositoryError),
    #[error(transparent)]
    MasterKey(#[from] crate::runtime::master_key::SealError),
    #[error(transparent)]
    Notifier(#[from] NotifierBuildError),
    #[error(transparent)]
    Telemetry(#[from] TelemetryError),
}

/// The state wired to PostgreSQL.
pub fn build_state(settings: &Settings) -> Result<AppState, StartError> {
    let pool = connect(
        &settings.database_url,
        &PoolSettings {
            max_size: settings.db_pool_size,
            query_spans: settings.telemetry.traces_on(),
            ..PoolSettings::default()
        },
    )?;
    let store = Arc::new(PostgresStore::new(pool));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let master_key = MasterKey::configured(
        settings.master_key.as_ref(),
        settings.previous_master_key.as_ref(),
        &settings.data_dir,
    )?;
    Ok(AppState {
        users: store.clone(),
        api_keys: store.clone(),
        products: store.clone(),
        customers: store.clone(),
        licenses: store.clone(),
        payments: store.clone(),
        analytics: store.clone(),
        idempotency: store.clone(),
        injectables: store.clone(),
        runtime: store.clone(),
        usage_store: store.clone(),
        signing_keys: store.clone(),
        sealed_values: store.clone(),
        sites: store.clone(),
        rate_limiter: crate::rate_limits::limiter(&settings.rate_limits, store.clone()),
        webhooks: store.clone(),
        archive: store.clone(),
        deliveries: store.clone(),
        notifier: Arc::new(HttpNotifier::new(NotifierSettings {
            allow_private: settings.webhooks.allow_private,
            timeout: settings.webhooks.timeout,
        })?),
        health: store,
        clock,
        settings: Arc::new(settings.clone()),
        last_used: LastUsedRecorder::default(),
        cache: RuntimeCache::new(settings.cache_capacity),
        usage: UsageBuffer::default(),
        key_ring: KeyRing::default(),
        master_key: Arc::new(master_key),
        metrics: Metrics::off(),
        traces: Traces::off(),
    })
}

impl Application {
    /// Migrates (when configured), binds and prepares the server, with the telemetry
    /// its settings ask for (spans under a dispatcher of its own).
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        let telemetry = Telemetry::start(&settings.telemetry)?;
        Self::build_with(settings, telemetry).await
    }

    /// Like [`Application::build`], with telemetry already started (the binary's,
    /// installed as the process's subscriber).
    pub async fn build_with(settings: Settings, telemetry: Telemetry) -> Result<Self, StartError> {
        if settings.auto_migrate {
            let applied = run_migrations(&settings.database_url).await?;
            if !applied.is_empty() {
                tracing::info!(migrations = ?applied, "applied migrations");
            }
        }
        let mut state = build_state(&settings)?;
        state.traces = telemetry.traces();
        if let Some(meter) = telemetry.meter() {
            state.metrics = Metrics::new(&meter, state.health.clone());
        }
        if let Err(error) = state
            .key_ring
            .reload(state.signing_keys.as_ref(), &state.master_key)
            .await
        {
            tracing::warn!(%error, "signing keys not loaded yet; runtime answers wait for them");
        }
        let address = settings.bind.to_string();
        let listener = TcpListener::bind(settings.bind).map_err(|source| StartError::Bind {
            address: address.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Bind { address, source })?
            .port();
        let server = serve(listener, state.clone(), &settings, telemetry.exposition()).map_err(
            |source| StartError::Bind {
                address: settings.bind.to_string(),
                source,
            },
        )?;
        Ok(Self {
            port,
            server,
            state,
            telemetry,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server as SIGTERM would (for tests and for programs
    /// that embed the server).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM; in-flight requests finish, buffered counters are flushed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let state = self.state;
        let settings = Arc::clone(&state.settings);
        // The buffered-counter writers are stopped, not aborted: a flush under way
        // finishes, then a last one writes what came in meanwhile.
        let (stop_flushing, flushing_stopped) = watch::channel(false);
        let flushers = [
            tokio::spawn(state.last_used.clone().run(
                state.api_keys.clone(),
                settings.last_used_flush_interval,
                flushing_stopped.clone(),
            )),
            tokio::spawn(state.usage.clone().run(
                state.usage_store.clone(),
                settings.usage_flush_interval,
                flushing_stopped,
            )),
        ];
        let mut workers = vec![
            tokio::spawn(workers::change_listener::run(
                settings.database_url.clone(),
                state.cache.clone(),
            )),
            tokio::spawn(workers::expiry_sweep::run(
                state.clone(),
                settings.expiry_sweep_interval,
            )),
            tokio::spawn(workers::housekeeping::run(
                state.clone(),
                settings.housekeeping_interval,
            )),
            tokio::spawn(workers::key_refresh::run(state.clone())),
            tokio::spawn(workers::rate_limit_purge::run(state.clone())),
        ];
        if settings.webhooks.dispatcher {
            workers.push(tokio::spawn(
                state
                    .traces
                    .scoped(workers::webhook_dispatcher::run(state.clone())),
            ));
        }
        if state.metrics.is_on() {
            workers.push(tokio::spawn(workers::outbox_backlog::run(state.clone())));
        }
        let result = self.server.await;
        for worker in &workers {
            worker.abort();
        }
        let _ = stop_flushing.send(true);
        for flusher in flushers {
            if let Err(error) = flusher.await {
                tracing::error!(%error, "a counter writer failed at shutdown");
            }
        }
        let telemetry = self.telemetry;
        if let Err(error) = tokio::task::spawn_blocking(move || telemetry.shutdown()).await {
            tracing::warn!(%error, "telemetry not flushed at shutdown");
        }
        tracing::info!("server stopped; buffered counters, spans and metrics flushed");
        result
    }
}

fn serve(
    listener: TcpListener,
    state: AppState,
    settings: &Settings,
    exposition: Option<crate::telemetry::Exposition>,
) -> std::io::Result<Server> {
    let observed = state.traces.is_on() || state.metrics.is_on();
    let data = web::Data::new(state);
    let max_body_bytes = settings.max_body_bytes;
    let metrics_token = settings.telemetry.metrics_token.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(json_config(max_body_bytes))
            .app_data(payload_config(max_body_bytes))
            .app_data(query_config())
            .configure(api::configure)
            .configure(|cfg| {
                if let Some(exposition) = &exposition {
                    api::routes::metrics::configure(cfg, exposition.clone(), metrics_token.clone());
                }
            })
            .default_service(web::to(api::route_not_found))
            .wrap(from_fn(query_guard))
            .wrap(from_fn(rate_limit_headers))
            .wrap(from_fn(idempotency))
            .wrap(from_fn(envelope_guard))
            .wrap(from_fn(panic_guard))
            .wrap(from_fn(request_id))
            .wrap(Condition::new(observed, from_fn(http_telemetry)))
    })
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
}
