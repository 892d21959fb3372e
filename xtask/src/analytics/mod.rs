//! `cargo xtask seed-analytics`: fills a database of its own with analytics-sized data
//! (generate_series SQL through psql), then times every analytics query through the
//! real repository and writes the timings into docs/benchmarks.md.

mod seed;
mod timing;

use anyhow::{Context, Result, anyhow};
use licentia_adapters_postgres::{DatabaseAdmin, DatabaseUrl, run_migrations};
use secrecy::SecretString;

use crate::{cargo, docs_section, postgres};

/// Options of the analytics benchmark.
#[derive(Debug, clap::Args)]
pub(crate) struct SeedAnalyticsArgs {
    /// Licenses to seed (10 % of them in one big account).
    #[arg(long, default_value_t = 1_000_000)]
    licenses: u64,
    /// `license_validation_days` rows to seed.
    #[arg(long, default_value_t = 10_000_000)]
    validation_days: u64,
    /// Accounts the other 90 % of licenses are spread over.
    #[arg(long, default_value_t = 1000)]
    accounts: u64,
    /// The database to fill (dropped and created again unless --skip-seed).
    #[arg(long, default_value = "licentia_analytics_bench")]
    database: String,
    /// Time the queries on the data already there.
    #[arg(long)]
    skip_seed: bool,
    /// Do not rewrite the analytics section of docs/benchmarks.md.
    #[arg(long)]
    no_write: bool,
}

/// The sizes seeded, for the report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub(crate) licenses: u64,
    pub(crate) validation_days: u64,
    pub(crate) accounts: u64,
}

fn database_url(base: &str, database: &str) -> String {
    let (without_query, query) = match base.split_once('?') {
        Some((url, query)) => (url, format!("?{query}")),
        None => (base, String::new()),
    };
    let server = without_query
        .rsplit_once('/')
        .map_or(without_query, |(server, _)| server);
    format!("{server}/{database}{query}")
}

async fn recreate(url: &str, database: &str, drop_first: bool) -> Result<()> {
    let parsed = DatabaseUrl::parse(&SecretString::from(url.to_owned()))
        .map_err(|e| anyhow!("database url: {e}"))?;
    let mut admin = DatabaseAdmin::connect(&parsed)
        .await
        .map_err(|e| anyhow!("connecting to PostgreSQL: {e}"))?;
    let exists = admin
        .exists(database)
        .await
        .map_err(|e| anyhow!("looking for {database}: {e}"))?;
    if exists && drop_first {
        say!("dropping database {database:?}");
        admin
            .drop(database)
            .await
            .map_err(|e| anyhow!("dropping {database}: {e}"))?;
    }
    if !exists || drop_first {
        say!("creating database {database:?}");
        admin
            .create(database, None)
            .await
            .map_err(|e| anyhow!("creating {database}: {e}"))?;
    }
    Ok(())
}

pub(crate) fn run(args: &SeedAnalyticsArgs) -> Result<i32> {
    let target = postgres::ensure_postgres()?;
    let url = database_url(&target.url, &args.database);
    let scale = Scale {
        licenses: args.licenses,
        validation_days: args.validation_days,
        accounts: args.accounts.max(2),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting a tokio runtime")?;
    runtime.block_on(recreate(&url, &args.database, !args.skip_seed))?;
    runtime
        .block_on(run_migrations(&SecretString::from(url.clone())))
        .map_err(|e| anyhow!("migrating: {e}"))?;
    let seeded = if args.skip_seed {
        None
    } else {
        Some(seed::seed(&url, scale)?)
    };
    let rows = runtime.block_on(timing::measure(&url))?;
    let report = timing::render(&rows, scale, seeded);
    println!("{report}");
    if !args.no_write {
        let path = cargo::workspace_root().join("docs/benchmarks.md");
        let doc = std::fs::read_to_string(&path).unwrap_or_default();
        std::fs::write(&path, docs_section::replace(&doc, "analytics", &report))
            .context("writing docs/benchmarks.md")?;
        say!("wrote the analytics section of docs/benchmarks.md");
    }
    Ok(0)
}
