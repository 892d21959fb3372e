//! `ensure_postgres`: make sure a PostgreSQL server answers at DATABASE_URL, starting
//! (or, on Debian as root, installing) a local one when it does not.

mod cluster;
mod install;
mod target;

use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

pub(crate) use target::Target;

/// How long a freshly started server gets to open its port.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Returns the target once its host:port accepts TCP connections.
pub(crate) fn ensure_postgres() -> Result<Target> {
    let target = Target::from_env()?;
    if reachable(&target) {
        say!("PostgreSQL is reachable at {}", target.address());
        return Ok(target);
    }
    say!(
        "PostgreSQL is not reachable at {} ({})",
        target.address(),
        target.redacted()
    );
    if !target.is_local() {
        bail!(
            "cannot reach PostgreSQL at {}: start that server, or point DATABASE_URL at one that runs \
             (e.g. DATABASE_URL=postgres://postgres@localhost:5432/licentia)",
            target.address()
        );
    }
    match cluster::list()? {
        Some(clusters) => cluster::bring_up(&clusters, target.port, false)?,
        None => install::install(&target)?,
    }
    wait_until_reachable(&target)?;
    Ok(target)
}

/// Whether any address of host:port accepts a TCP connection.
fn reachable(target: &Target) -> bool {
    let Ok(addresses) = (target.host.as_str(), target.port).to_socket_addrs() else {
        return false;
    };
    addresses
        .into_iter()
        .any(|address| TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_ok())
}

/// Polls the port for up to [`START_TIMEOUT`].
fn wait_until_reachable(target: &Target) -> Result<()> {
    say!(
        "waiting up to {} s for {}",
        START_TIMEOUT.as_secs(),
        target.address()
    );
    let started = Instant::now();
    while started.elapsed() < START_TIMEOUT {
        if reachable(target) {
            say!("PostgreSQL is up at {}", target.address());
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    bail!(
        "PostgreSQL did not open {} within {} s; see the logs under /var/log/postgresql/",
        target.address(),
        START_TIMEOUT.as_secs()
    )
}

/// Explains how to get a server by hand, for machines we do not set up ourselves.
fn manual_steps(target: &Target) {
    say!("cannot set up PostgreSQL automatically here (that needs Debian/Ubuntu and root).");
    say!(
        "install PostgreSQL 14 or newer, start it, and allow the DATABASE_URL user to connect, e.g.:"
    );
    say!(
        "  Debian/Ubuntu: sudo apt-get install postgresql   (then set a password or trust auth for 127.0.0.1)"
    );
    say!("  macOS:         brew install postgresql@16 && brew services start postgresql@16");
    say!(
        "  Docker:        docker run -d --name licentia-pg -p {}:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16",
        target.port
    );
    say!(
        "then set DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@localhost:{}/licentia",
        target.port
    );
}
