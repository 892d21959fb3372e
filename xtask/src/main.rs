//! `cargo xtask`: developer and operator commands for Licentia (dev, test, migrate,
//! admin, signing-key, openapi).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Prints one progress line, prefixed with `xtask:`, on stderr (stdout stays the child's).
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("xtask: {}", format_args!($($arg)*))
    };
}

mod admin;
mod analytics;
mod bench;
mod cargo;
mod contract;
mod database;
mod dev;
mod docs_section;
mod migrate;
mod openapi;
mod postgres;
mod test;

/// Developer and operator commands for Licentia.
///
/// Every command first makes sure PostgreSQL is reachable at DATABASE_URL
/// (default postgres://postgres@localhost:5432/licentia), starting or installing
/// a local server when it can.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the database if missing, then build and run the server (`licentia serve`).
    Dev,
    /// Run the whole test suite (cargo-nextest when installed, else cargo test).
    Test(test::TestArgs),
    /// Create the database if missing, then apply pending migrations (`licentia migrate`).
    Migrate,
    /// Run `licentia admin …` (create-user, list-users, set-tier, set-role,
    /// disable-user, enable-user, create-api-key, list-api-keys, revoke-api-key,
    /// export, import, licenses expire-now, outbox status|retry|prune, rotate-master-key).
    #[command(disable_help_flag = true)]
    Admin(admin::AdminArgs),
    /// Benchmark the release server (wrk on loopback) and write docs/benchmarks.md.
    Bench(bench::BenchArgs),
    /// Seed a separate database with analytics-sized data (1 M licenses, 10 M
    /// validation-day rows by default), time the analytics queries and write them to
    /// docs/benchmarks.md.
    SeedAnalytics(analytics::SeedAnalyticsArgs),
    /// Run `licentia signing-key …` (rotate, list).
    #[command(disable_help_flag = true)]
    SigningKey(admin::AdminArgs),
    /// Write docs/openapi.json from the code (`--check`: fail when it is stale).
    Openapi(openapi::OpenapiArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Dev => dev::run(),
        Command::Test(args) => test::run(&args),
        Command::Migrate => migrate::run(),
        Command::Admin(args) => admin::run("admin", &args),
        Command::SigningKey(args) => admin::run("signing-key", &args),
        Command::Openapi(args) => openapi::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::SeedAnalytics(args) => analytics::run(&args),
    };
    match outcome {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(error) => {
            say!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
