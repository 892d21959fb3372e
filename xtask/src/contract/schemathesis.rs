//! Schemathesis, pinned, in a virtualenv under the target directory, and its run.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The pinned release (its CLI is `st run <schema> --url … --checks …`).
const VERSION: &str = "4.32.5";
/// Requests per operation and phase: a few minutes in all on two cores.
const MAX_EXAMPLES: &str = "25";
/// A fixed seed, so a run is reproducible; pass `--seed` to explore further.
const SEED: &str = "20261122";

/// The `st` of a virtualenv holding the pinned schemathesis, made when missing.
pub(super) fn ensure(work: &Path) -> Result<PathBuf> {
    let venv = work.join("venv");
    let st = venv.join("bin/st");
    let installed = Command::new(&st)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(VERSION));
    if installed {
        say!("schemathesis {VERSION} is installed in {}", venv.display());
        return Ok(st);
    }
    say!("installing schemathesis {VERSION} into {}", venv.display());
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .context("running python3 -m venv (is Python 3 installed?)")?;
    if !status.success() {
        bail!("python3 -m venv failed (on Debian: apt-get install python3-venv)");
    }
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("schemathesis=={VERSION}"))
        .status()
        .context("running pip")?;
    if !status.success() {
        bail!("pip install schemathesis=={VERSION} failed");
    }
    Ok(st)
}

/// `st run` against the served document; returns its exit code.
pub(super) fn run(
    st: &Path,
    base: &str,
    token: &str,
    checks: &str,
    work: &Path,
    extra: &[String],
) -> Result<i32> {
    let schema = format!("{base}/v1/openapi.json");
    let report = work.join("report");
    let mut command = Command::new(st);
    command
        .args(["run", &schema, "--url", base, "--checks", checks])
        .args([
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            SEED,
            "--workers",
            "2",
        ])
        // Logging out would end the session the run is authenticated with.
        .args(["--exclude-operation-id", "accountsLogout"])
        // The credential is ours; generated X-Api-Key headers would override it.
        .args(["--generation-with-security-parameters", "false"])
        .args(["--no-color", "--report", "junit", "--report-dir"])
        .arg(&report)
        .args(extra)
        .arg("--header")
        .arg(format!("Authorization: Bearer {token}"))
        // st keeps a cache in `.schemathesis/` of its working directory: not the checkout.
        .current_dir(work);
    say!(
        "running st run {schema} --checks {checks} --max-examples {MAX_EXAMPLES} --seed {SEED} {} \
         (authenticated as a platform admin; the JUnit report goes to {})",
        extra.join(" "),
        report.display()
    );
    let status = command.status().context("running st")?;
    Ok(status.code().unwrap_or(1))
}
