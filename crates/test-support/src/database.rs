//! One database per test, cloned from a template migrated once per schema version.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bytea, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use licentia_adapters_postgres::{
    DatabaseAdmin, DatabaseUrl, migrations_fingerprint, run_migrations,
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::OnceCell;

const TEST_PREFIX: &str = "licentia_test_";
const TEMPLATE_PREFIX: &str = "licentia_tpl_";
/// Advisory lock key serialising template creation across test processes.
const TEMPLATE_LOCK: i64 = 0x4c49_4345_4e54;
/// Test databases older than this are leftovers of a crashed run.
const STALE_AFTER: Duration = Duration::from_secs(3600);

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// A database that exists for one test and is dropped with this value.
pub struct TestDatabase {
    name: String,
    server: DatabaseUrl,
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestDatabase({})", self.name)
    }
}

fn server_url() -> DatabaseUrl {
    let raw = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@localhost:5432/postgres".into());
    DatabaseUrl::parse(&SecretString::from(raw))
        .expect("DATABASE_URL must be a postgres:// URL with a database name")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

async fn ensure_template(server: &DatabaseUrl) -> String {
    let template = format!("{TEMPLATE_PREFIX}{}", migrations_fingerprint());
    let mut admin = DatabaseAdmin::connect(server)
        .await
        .expect("cannot reach PostgreSQL for tests: run `cargo xtask test`, or set DATABASE_URL");
    admin.lock(TEMPLATE_LOCK).await.expect("advisory lock");
    if !admin.exists(&template).await.expect("list databases") {
        let building = format!("{template}_building");
        admin
            .drop(&building)
            .await
            .expect("drop a half-built template");
        admin
            .create(&building, None)
            .await
            .expect("create the template");
        run_migrations(&server.with_database(&building))
            .await
            .expect("migrate the template");
        admin
            .rename(&building, &template)
            .await
            .expect("publish the template");
    }
    sweep(&mut admin).await;
    admin.unlock(TEMPLATE_LOCK).await.expect("advisory unlock");
    template
}

/// Drops test databases of crashed runs. Templates of other schema versions are kept,
/// like build artefacts: another checkout on this server may be using one right now.
async fn sweep(admin: &mut DatabaseAdmin) {
    let cutoff = unix_now().saturating_sub(STALE_AFTER.as_secs());
    for name in admin.list(TEST_PREFIX).await.unwrap_or_default() {
        let created = name
            .trim_start_matches(TEST_PREFIX)
            .split('_')
            .next()
            .and_then(|t| t.parse::<u64>().ok());
        if created.is_some_and(|t| t < cutoff) {
            let _ = admin.drop(&name).await;
        }
    }
}

#[derive(QueryableByName)]
struct Scalar {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

#[derive(QueryableByName)]
struct Labelled {
    #[diesel(sql_type = Text)]
    label: String,
    #[diesel(sql_type = Bytea)]
    bytes: Vec<u8>,
}

impl TestDatabase {
    /// A fresh, migrated database of its own.
    pub async fn new() -> Self {
        let server = server_url();
        let template = TEMPLATE
            .get_or_init(|| ensure_template(&server))
            .await
            .clone();
        let name = format!(
            "{TEST_PREFIX}{}_{}",
            unix_now(),
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let mut admin = DatabaseAdmin::connect(&server)
            .await
            .expect("connect to PostgreSQL");
        admin
            .create(&name, Some(&template))
            .await
            .expect("clone the template");
        Self { name, server }
    }

    /// The URL of this database.
    pub fn url(&self) -> SecretString {
        self.server.with_database(&self.name)
    }

    /// The database name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs a query returning one `bigint` column named `value` (for asserting state).
    pub async fn scalar(&self, sql: &str) -> i64 {
        let mut conn = AsyncPgConnection::establish(self.url().expose_secret())
            .await
            .expect("connect");
        let row: Scalar = diesel::sql_query(sql)
            .get_result(&mut conn)
            .await
            .expect("scalar query");
        row.value
    }

    /// Runs a query returning `label text, bytes bytea` rows (to inspect stored bytes,
    /// such as sealed values with what they are bound to).
    pub async fn labelled_bytes(&self, sql: &str) -> Vec<(String, Vec<u8>)> {
        let mut conn = AsyncPgConnection::establish(self.url().expose_secret())
            .await
            .expect("connect");
        let rows: Vec<Labelled> = diesel::sql_query(sql)
            .load(&mut conn)
            .await
            .expect("labelled bytes query");
        rows.into_iter().map(|r| (r.label, r.bytes)).collect()
    }

    /// Runs statements without results (to arrange state the API cannot reach).
    pub async fn execute(&self, sql: &str) {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = AsyncPgConnection::establish(self.url().expose_secret())
            .await
            .expect("connect");
        conn.batch_execute(sql).await.expect("execute");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        let server = self.server.clone();
        // Drop runs inside the test's runtime; do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async move {
                    if let Ok(mut admin) = DatabaseAdmin::connect(&server).await {
                        let _ = admin.drop(&name).await;
                    }
                });
            }
        })
        .join();
    }
}
