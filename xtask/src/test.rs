//! `cargo xtask test`: `openapi --check`, PostgreSQL up, then the whole workspace's
//! tests (nextest when installed); `--contract` runs the contract test instead.

use std::process::{Command, Stdio};

use anyhow::Result;

use crate::{cargo, postgres};

/// Arguments of `cargo xtask test`.
#[derive(Debug, clap::Args)]
pub(crate) struct TestArgs {
    /// Run the contract test instead: schemathesis against a running server, with the
    /// served OpenAPI document (extra arguments go to `st run`).
    #[arg(long)]
    contract: bool,
    /// Extra arguments for the test runner (`cargo nextest run`, or `cargo test` without nextest).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Runs the tests; returns the runner's exit code (the first failing one's).
pub(crate) fn run(args: &TestArgs) -> Result<i32> {
    if args.contract {
        return crate::contract::run(&args.args);
    }
    // A stale docs/openapi.json fails the run (after the tests, which say so too).
    let openapi = crate::openapi::run(&crate::openapi::OpenapiArgs::check())?;
    let suite = run_suite(args)?;
    Ok(if suite != 0 { suite } else { openapi })
}

/// The workspace's tests; returns the runner's exit code.
fn run_suite(args: &TestArgs) -> Result<i32> {
    // The test harness creates its own databases on the server DATABASE_URL points at.
    let target = postgres::ensure_postgres()?;
    let with_database = |command: &mut Command| {
        command.env("DATABASE_URL", &target.url);
    };

    if !has_nextest() {
        say!(
            "cargo-nextest is not installed; using cargo test (`cargo install cargo-nextest --locked` is faster)"
        );
        let mut command = cargo::cargo();
        command
            .args(["test", "--workspace", "--no-fail-fast"])
            .args(&args.args);
        with_database(&mut command);
        return finish(cargo::run(&mut command)?);
    }

    let mut nextest = cargo::cargo();
    nextest
        .args(["nextest", "run", "--workspace", "--no-fail-fast"])
        .args(&args.args);
    with_database(&mut nextest);
    let tests = cargo::run(&mut nextest)?;

    if !args.args.is_empty() {
        say!(
            "extra arguments given, so doc tests are skipped (`cargo test --workspace --doc` runs them)"
        );
        return finish(tests);
    }
    say!("running doc tests (nextest does not run them)");
    let mut doctests = cargo::cargo();
    doctests.args(["test", "--workspace", "--doc", "--no-fail-fast"]);
    with_database(&mut doctests);
    let docs = cargo::run(&mut doctests)?;
    finish(if tests != 0 { tests } else { docs })
}

/// Whether `cargo nextest --version` works.
fn has_nextest() -> bool {
    cargo::cargo()
        .args(["nextest", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// One closing line, then the code.
fn finish(code: i32) -> Result<i32> {
    if code == 0 {
        say!("tests passed");
    } else {
        say!("tests failed (exit status {code})");
    }
    Ok(code)
}
