//! `cargo xtask test --contract`: the contract test. Schemathesis (from PyPI, in a
//! virtualenv under the target directory) generates requests from the served OpenAPI
//! document and sends them, authenticated as a platform admin, to a dev server on a
//! fresh database; every answer must be no 5xx, a documented status, JSON where JSON
//! is documented, and match its schema.

mod schemathesis;

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::bench::server::{self, Options, Server};
use crate::{cargo, postgres};

/// The contract test's own database, dropped at the end.
const DATABASE: &str = "licentia_contract";
const ADMIN_EMAIL: &str = "contract@example.com";
const ADMIN_PASSWORD: &str = "contract-test-password";

/// What every answer is checked for.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// Runs the contract test; returns schemathesis' exit code. `extra` is passed to
/// `st run` after the defaults (e.g. `--max-examples 200`, `--seed 7`).
pub(crate) fn run(extra: &[String]) -> Result<i32> {
    let started = Instant::now();
    let target = postgres::ensure_postgres()?;
    let work = cargo::target_dir().join("contract");
    std::fs::create_dir_all(&work).context("creating the contract directory")?;
    let st = schemathesis::ensure(&work)?;

    say!("building the server");
    let status = cargo::run(cargo::cargo().args(["build", "--quiet", "--package", "licentia"]))?;
    if status != 0 {
        return Ok(status);
    }
    let binary_dir = cargo::target_dir().join("debug");
    let master_key = server::random_master_key()?;
    let server = Server::start(
        &target,
        &binary_dir,
        &work,
        &Options {
            database: DATABASE,
            fresh_database: true,
            master_key: &master_key,
            env: &[
                ("LICENTIA_LOG", "error"),
                ("LICENTIA_WEBHOOKS_ALLOW_HTTP", "true"),
                ("LICENTIA_WEBHOOKS_ALLOW_PRIVATE", "true"),
            ],
        },
    )?;
    let outcome = (|| {
        let token = admin_session(&target, &binary_dir, &master_key, &server.base)?;
        schemathesis::run(&st, &server.base, &token, CHECKS, &work, extra)
    })();
    drop(server);
    server::drop_database(&target, DATABASE)?;
    let code = outcome?;
    let seconds = started.elapsed().as_secs();
    if code == 0 {
        say!("contract test passed ({seconds} s)");
    } else {
        say!("contract test failed (exit status {code}, {seconds} s)");
    }
    Ok(code)
}

/// Creates a platform admin with the operator command and logs in: a session token
/// holds every scope, and — unlike an API key — cannot be revoked or rotated by the
/// requests under test (only `POST /v1/auth/logout` ends it, which is left out).
fn admin_session(
    target: &postgres::Target,
    binary_dir: &std::path::Path,
    master_key: &str,
    base: &str,
) -> Result<String> {
    let url = server::database_url(target, DATABASE)?;
    let mut child = Command::new(binary_dir.join("licentia"))
        .args([
            "admin",
            "create-user",
            "--email",
            ADMIN_EMAIL,
            "--name",
            "Contract",
        ])
        .args(["--role", "admin"])
        .env("DATABASE_URL", url.expose_secret())
        .env("LICENTIA_MASTER_KEY", master_key)
        .env("LICENTIA_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("running licentia admin create-user")?;
    child
        .stdin
        .take()
        .ok_or_else(|| anyhow!("no stdin"))?
        .write_all(ADMIN_PASSWORD.as_bytes())?;
    if !child.wait()?.success() {
        bail!("licentia admin create-user failed");
    }
    let output = Command::new("curl")
        .args(["-sS", "-X", "POST", &format!("{base}/v1/auth/login")])
        .args(["-H", "content-type: application/json", "-d"])
        .arg(serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).to_string())
        .output()
        .context("running curl")?;
    let answer: Value = serde_json::from_slice(&output.stdout).context("login: not JSON")?;
    answer["data"]["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("login refused: {answer}"))
}
