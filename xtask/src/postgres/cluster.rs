//! Debian's PostgreSQL clusters (`pg_lsclusters`, `pg_ctlcluster`): listing and starting them.

use std::io::ErrorKind;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// One line of `pg_lsclusters`.
#[derive(Debug)]
pub(super) struct Cluster {
    pub(super) version: String,
    pub(super) name: String,
    port: u16,
    status: String,
}

impl Cluster {
    fn id(&self) -> String {
        format!("{}/{}", self.version, self.name)
    }

    fn is_down(&self) -> bool {
        self.status.starts_with("down")
    }
}

/// The clusters on this machine, or `None` when `pg_lsclusters` is not installed.
pub(super) fn list() -> Result<Option<Vec<Cluster>>> {
    let output = match Command::new("pg_lsclusters").arg("--no-header").output() {
        Ok(output) => output,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error).context("running pg_lsclusters"),
    };
    if !output.status.success() {
        bail!(
            "pg_lsclusters failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let clusters = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let version = fields.next()?.to_owned();
            let name = fields.next()?.to_owned();
            let port = fields.next()?.parse().ok()?;
            let status = fields.next()?.to_owned();
            Some(Cluster {
                version,
                name,
                port,
                status,
            })
        })
        .collect();
    Ok(Some(clusters))
}

/// Starts the down clusters configured for `port`; with `reload_online`, reloads the
/// running ones (so a changed pg_hba.conf takes effect).
pub(super) fn bring_up(clusters: &[Cluster], port: u16, reload_online: bool) -> Result<()> {
    let on_port: Vec<&Cluster> = clusters
        .iter()
        .filter(|cluster| cluster.port == port)
        .collect();
    if on_port.is_empty() {
        let known: Vec<String> = clusters
            .iter()
            .map(|cluster| format!("{} on port {}", cluster.id(), cluster.port))
            .collect();
        bail!(
            "no PostgreSQL cluster is configured for port {port} (pg_lsclusters lists: {}); \
             create one with `pg_createcluster <version> main --port {port} --start`, \
             or set DATABASE_URL to one of the listed ports",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        );
    }
    for cluster in on_port {
        if cluster.is_down() {
            ctl(cluster, "start")?;
        } else if reload_online {
            ctl(cluster, "reload")?;
        } else {
            say!(
                "cluster {} is {}; waiting for it to accept connections",
                cluster.id(),
                cluster.status
            );
        }
    }
    Ok(())
}

/// `pg_ctlcluster --skip-systemctl-redirect <version> <name> <action>`, announced first.
fn ctl(cluster: &Cluster, action: &str) -> Result<()> {
    say!(
        "{action}ing PostgreSQL cluster {}: pg_ctlcluster --skip-systemctl-redirect {} {} {action}",
        cluster.id(),
        cluster.version,
        cluster.name
    );
    let status = Command::new("pg_ctlcluster")
        .args([
            "--skip-systemctl-redirect",
            &cluster.version,
            &cluster.name,
            action,
        ])
        .status()
        .context("running pg_ctlcluster")?;
    if !status.success() {
        bail!(
            "pg_ctlcluster could not {action} cluster {id} ({status}); it needs root or the postgres user: \
             try `sudo pg_ctlcluster {version} {name} {action}` and see \
             /var/log/postgresql/postgresql-{version}-{name}.log",
            id = cluster.id(),
            version = cluster.version,
            name = cluster.name,
        );
    }
    Ok(())
}
