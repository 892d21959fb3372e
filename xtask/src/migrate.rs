//! `cargo xtask migrate`: PostgreSQL up, database created, then `licentia migrate`.

use anyhow::Result;

use crate::{cargo, database, postgres};

/// Applies pending migrations; returns the server binary's exit code.
pub(crate) fn run() -> Result<i32> {
    let target = postgres::ensure_postgres()?;
    database::ensure_database(&target)?;
    cargo::run(
        cargo::cargo()
            .args(["run", "--package", "licentia", "--", "migrate"])
            .env("DATABASE_URL", &target.url),
    )
}
