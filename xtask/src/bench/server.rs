//! A `licentia` server under test (the benchmark's release build, the contract test's
//! dev build) on its own database.

use std::io::Read as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use licentia_adapters_postgres::{DatabaseAdmin, DatabaseUrl};
use secrecy::{ExposeSecret, SecretString};

use crate::postgres::Target;

/// The benchmark's database.
pub(crate) const DATABASE: &str = "licentia_bench";

/// A running server; stopped (SIGTERM, then kill) when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
}

/// How a server is started.
pub(crate) struct Options<'a> {
    /// The database, on the server DATABASE_URL names.
    pub(crate) database: &'a str,
    /// Drop and recreate the database first (the first server of a run).
    pub(crate) fresh_database: bool,
    /// The master key sealing the signing keys (the same for servers sharing a database).
    pub(crate) master_key: &'a str,
    /// Extra environment, such as the rate-limit settings.
    pub(crate) env: &'a [(&'a str, &'a str)],
}

fn server_database(target: &Target, database: &str, fresh: bool) -> Result<SecretString> {
    let url = DatabaseUrl::parse(&SecretString::from(target.url.clone()))
        .map_err(|e| anyhow!("DATABASE_URL {}: {e}", target.redacted()))?;
    if !fresh {
        return Ok(url.with_database(database));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut admin = DatabaseAdmin::connect(&url)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        admin.drop(database).await.map_err(|e| anyhow!("{e}"))?;
        admin
            .create(database, None)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(url.with_database(database))
}

/// The URL of `database` on the server DATABASE_URL names.
pub(crate) fn database_url(target: &Target, database: &str) -> Result<SecretString> {
    server_database(target, database, false)
}

/// Drops `database` (the contract test's, once its server has stopped).
pub(crate) fn drop_database(target: &Target, database: &str) -> Result<()> {
    let url = DatabaseUrl::parse(&SecretString::from(target.url.clone()))
        .map_err(|e| anyhow!("DATABASE_URL {}: {e}", target.redacted()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut admin = DatabaseAdmin::connect(&url)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        admin.drop(database).await.map_err(|e| anyhow!("{e}"))
    })
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// A fresh base64 master key.
pub(crate) fn random_master_key() -> Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading /dev/urandom")?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

impl Server {
    /// Starts the `licentia` in `binary_dir` and waits for `/v1/health`.
    pub(crate) fn start(
        target: &Target,
        binary_dir: &Path,
        work: &Path,
        options: &Options<'_>,
    ) -> Result<Self> {
        let url = server_database(target, options.database, options.fresh_database)?;
        let port = free_port()?;
        let base = format!("http://127.0.0.1:{port}");
        say!(
            "starting {} on {base} (database {})",
            binary_dir.join("licentia").display(),
            options.database
        );
        let child = Command::new(binary_dir.join("licentia"))
            .arg("serve")
            .env("DATABASE_URL", url.expose_secret())
            .env("LICENTIA_BIND", format!("127.0.0.1:{port}"))
            .env("LICENTIA_MASTER_KEY", options.master_key)
            .env("LICENTIA_LOG", "warn")
            .env("LICENTIA_DATA_DIR", work)
            .env("LICENTIA_RATE_LIMITS", "off")
            .envs(options.env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting licentia")?;
        let server = Self { child, base };
        let started = Instant::now();
        while !server.healthy() {
            if started.elapsed() > Duration::from_secs(30) {
                bail!("the server did not answer /v1/health within 30 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    fn healthy(&self) -> bool {
        Command::new("curl")
            .args([
                "-fsS",
                "-o",
                "/dev/null",
                &format!("{}/v1/health", self.base),
            ])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident memory so far (`VmHWM`), in KiB.
    pub(crate) fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
