//! Running `cargo` child commands from the workspace root and passing their exit status on.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

use anyhow::{Context, Result};

/// A `cargo` command (the same cargo that runs xtask) rooted at the workspace.
pub(crate) fn cargo() -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    command.current_dir(workspace_root());
    command
}

/// The workspace root: the parent of this crate's directory.
pub(crate) fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Where cargo puts build output: `CARGO_TARGET_DIR` when set (relative to the
/// workspace root), else `<root>/target`.
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

/// Runs `command` with inherited stdio and returns its exit code.
///
/// While the child runs, Ctrl-C no longer kills xtask itself: the child (which
/// gets the same signal) decides when to stop, and its status is what we return.
pub(crate) fn run(command: &mut Command) -> Result<i32> {
    let shown = describe(command);
    say!("running {shown}");
    let mut child = command
        .spawn()
        .with_context(|| format!("could not start {shown}"))?;
    let _interrupts = interrupts::hold();
    let status = child
        .wait()
        .with_context(|| format!("waiting for {shown}"))?;
    Ok(exit_code(status))
}

/// `cargo run …`, shown without the full path of cargo and without the environment
/// (which holds DATABASE_URL and possibly its password).
fn describe(command: &Command) -> String {
    let program = Path::new(command.get_program())
        .file_name()
        .map_or_else(|| "cargo".into(), |name| name.to_string_lossy());
    let args = command.get_args().map(|arg| arg.to_string_lossy());
    std::iter::once(program)
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The child's exit code; a child killed by a signal maps to 128 + the signal number.
fn exit_code(status: ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    1
}

#[cfg(unix)]
mod interrupts {
    //! Keeps SIGINT from terminating xtask while a child is in charge.

    use tokio::runtime::Runtime;
    use tokio::signal::unix::{Signal, SignalKind, signal};

    /// Holds the SIGINT listener (and the runtime it lives in) until dropped.
    #[derive(Debug)]
    pub(super) struct Held {
        _signal: Signal,
        _runtime: Runtime,
    }

    /// Starts listening for SIGINT, which replaces the default "terminate" action.
    /// Best effort: if anything fails, Ctrl-C simply keeps its default behaviour.
    pub(super) fn hold() -> Option<Held> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        let signal = {
            let _entered = runtime.enter();
            signal(SignalKind::interrupt()).ok()?
        };
        Some(Held {
            _signal: signal,
            _runtime: runtime,
        })
    }
}

#[cfg(not(unix))]
mod interrupts {
    //! Elsewhere Ctrl-C keeps its default behaviour.

    /// Nothing to hold.
    pub(super) fn hold() -> Option<()> {
        None
    }
}
