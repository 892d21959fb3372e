//! The connection pool: deadpool over diesel-async, with a statement timeout on
//! every connection (and, when traces are exported, a span per statement).

use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::FutureExt;
use licentia_ports::RepositoryError;
use secrecy::{ExposeSecret, SecretString};

use crate::query_spans::QuerySpans;

/// The pool every repository shares.
pub type PgPool = Pool<AsyncPgConnection>;
pub(crate) type PgConn = Object<AsyncPgConnection>;

/// How the pool behaves.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: usize,
    /// How long a request waits for a free connection before answering 503.
    pub acquire_timeout: Duration,
    /// `statement_timeout` set on every new connection.
    pub statement_timeout: Duration,
    /// A span per statement (`query_spans.rs`), for servers that export traces.
    pub query_spans: bool,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_size: 16,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
            query_spans: false,
        }
    }
}

/// Builds the pool. Connections are opened lazily, so this succeeds while the
/// database is down; requests then answer 503 until it is back.
///
/// Connections are recycled with `RecyclingMethod::Fast`: the verified method would
/// add a round trip to every checkout, and broken connections surface as errors and
/// are dropped anyway.
pub fn connect(url: &SecretString, settings: &PoolSettings) -> Result<PgPool, RepositoryError> {
    let timeout_ms = settings.statement_timeout.as_millis();
    let query_spans = settings.query_spans;
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |url| {
        async move {
            let mut conn = AsyncPgConnection::establish(url).await?;
            conn.batch_execute(&format!(
                "SET statement_timeout = {timeout_ms}; SET TIME ZONE 'UTC'"
            ))
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
            if query_spans {
                conn.set_instrumentation(QuerySpans::default());
            }
            Ok(conn)
        }
        .boxed()
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
        url.expose_secret(),
        config,
    );
    Pool::builder(manager)
        .max_size(settings.max_size)
        .wait_timeout(Some(settings.acquire_timeout))
        .create_timeout(Some(settings.acquire_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| RepositoryError::Internal(format!("cannot build the connection pool: {e}")))
}
