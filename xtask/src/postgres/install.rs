//! Installing PostgreSQL with apt-get (Debian/Ubuntu, as root) and allowing local trust logins.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, anyhow, bail};

use super::{Target, cluster, manual_steps};

/// The first line of the rules we put at the top of pg_hba.conf.
const MARKER: &str =
    "# added by `cargo xtask` (it installed this server): local passwordless TCP logins";

/// Installs, configures and starts PostgreSQL, or explains what to do by hand and fails.
pub(super) fn install(target: &Target) -> Result<()> {
    if !(Path::new("/etc/debian_version").exists() && is_root()) {
        manual_steps(target);
        bail!("PostgreSQL is not installed (no pg_lsclusters on PATH)");
    }
    say!(
        "PostgreSQL is not installed; installing it: apt-get update && apt-get install -y postgresql"
    );
    apt_get(&["update"])?;
    apt_get(&["install", "-y", "postgresql"])?;
    let clusters = cluster::list()?
        .ok_or_else(|| anyhow!("pg_lsclusters is still missing after installing postgresql"))?;
    for installed in &clusters {
        trust_local_logins(installed)?;
    }
    cluster::bring_up(&clusters, target.port, true)
}

/// Whether we run as uid 0 (`id -u`).
fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|output| {
        output.status.success() && String::from_utf8_lossy(&output.stdout).trim() == "0"
    })
}

/// `DEBIAN_FRONTEND=noninteractive apt-get <args>`, failing on a non-zero status.
fn apt_get(args: &[&str]) -> Result<()> {
    say!("running apt-get {}", args.join(" "));
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .context("running apt-get")?;
    if !status.success() {
        bail!("apt-get {} failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Puts `trust` rules for 127.0.0.1 and ::1 at the top of the cluster's pg_hba.conf
/// (Debian's default there is scram, and the default DATABASE_URL has no password).
fn trust_local_logins(installed: &cluster::Cluster) -> Result<()> {
    let path = format!(
        "/etc/postgresql/{}/{}/pg_hba.conf",
        installed.version, installed.name
    );
    let current = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    if current.contains(MARKER) {
        return Ok(());
    }
    say!(
        "allowing passwordless logins from 127.0.0.1 and ::1: adding trust rules at the top of {path}"
    );
    let updated = format!(
        "{MARKER}\nhost    all    all    127.0.0.1/32    trust\nhost    all    all    ::1/128    trust\n\n{current}"
    );
    std::fs::write(&path, updated).with_context(|| format!("writing {path}"))
}
