//! `cargo xtask admin …`: PostgreSQL up, then `licentia admin …` with the same arguments.

use anyhow::Result;

use crate::{cargo, postgres};

/// Everything after `admin`, passed through untouched (`--help` included).
#[derive(Debug, clap::Args)]
pub(crate) struct AdminArgs {
    /// e.g. `create-user --email E --name N`, `create-api-key --user E`, `revoke-api-key ID`,
    /// `set-tier --user E --tier T`; `cargo xtask admin --help` lists them all.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Runs the admin command with stdin inherited (create-user reads a piped password).
pub(crate) fn run(args: &AdminArgs) -> Result<i32> {
    let target = postgres::ensure_postgres()?;
    cargo::run(
        cargo::cargo()
            .args(["run", "--quiet", "--package", "licentia", "--", "admin"])
            .args(&args.args)
            .env("DATABASE_URL", &target.url),
    )
}
