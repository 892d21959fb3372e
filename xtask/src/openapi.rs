//! `cargo xtask openapi [--check]`: writes the OpenAPI document the code generates
//! (`licentia openapi`) to `docs/openapi.json`, or with `--check` fails when the
//! checked-in file differs from it.

use std::fs;
use std::process::Stdio;

use anyhow::{Context, Result, bail};

use crate::cargo;

/// Where the document is checked in.
pub(crate) const CHECKED_IN: &str = "docs/openapi.json";

/// Arguments of `cargo xtask openapi`.
#[derive(Debug, clap::Args)]
pub(crate) struct OpenapiArgs {
    /// Do not write: exit 1 when docs/openapi.json is not what the code generates.
    #[arg(long)]
    check: bool,
}

impl OpenapiArgs {
    /// `--check`.
    pub(crate) fn check() -> Self {
        Self { check: true }
    }
}

/// Writes or checks `docs/openapi.json`; returns the exit code.
pub(crate) fn run(args: &OpenapiArgs) -> Result<i32> {
    let generated = generate()?;
    let path = cargo::workspace_root().join(CHECKED_IN);
    if args.check {
        let checked_in = fs::read_to_string(&path).unwrap_or_default();
        if checked_in == generated {
            say!("{CHECKED_IN} is up to date");
            return Ok(0);
        }
        say!(
            "{CHECKED_IN} is stale: the code generates a different document. \
             Run `cargo xtask openapi` and commit {CHECKED_IN}."
        );
        return Ok(1);
    }
    fs::write(&path, &generated).with_context(|| format!("writing {}", path.display()))?;
    say!("wrote {CHECKED_IN} ({} bytes)", generated.len());
    Ok(0)
}

/// The document, as `licentia openapi` prints it (no database needed).
pub(crate) fn generate() -> Result<String> {
    say!("generating the document (cargo run --package licentia -- openapi)");
    let output = cargo::cargo()
        .args(["run", "--quiet", "--package", "licentia", "--", "openapi"])
        .stderr(Stdio::inherit())
        .output()
        .context("running `licentia openapi`")?;
    if !output.status.success() {
        bail!("`licentia openapi` failed ({})", output.status);
    }
    String::from_utf8(output.stdout).context("the document is not UTF-8")
}
