//! `cargo xtask admin …` and `cargo xtask signing-key …`: PostgreSQL up, then the
//! same `licentia` operator command with the same arguments.

use anyhow::Result;

use crate::{cargo, postgres};

/// Everything after `admin`, passed through untouched (`--help` included).
#[derive(Debug, clap::Args)]
pub(crate) struct AdminArgs {
    /// e.g. `create-user --email E --name N`, `create-api-key --user E`, `revoke-api-key ID`,
    /// `set-tier --user E --tier T`, `export --user E --output F`, `import --input F`;
    /// `cargo xtask admin --help` lists them all.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Runs `licentia <command> …` with stdin inherited (create-user reads a piped password).
pub(crate) fn run(command: &str, args: &AdminArgs) -> Result<i32> {
    let target = postgres::ensure_postgres()?;
    cargo::run(
        cargo::cargo()
            .args(["run", "--quiet", "--package", "licentia", "--", command])
            .args(&args.args)
            .env("DATABASE_URL", &target.url),
    )
}
