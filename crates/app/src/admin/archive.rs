//! `admin export --user E [--output FILE]` and `admin import [--input FILE]`: where
//! the lines go and come from, and what the operator is told.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, anyhow, bail};

use super::users::user_by_email;
use crate::archive;
use crate::cli::{Export, Import};
use crate::state::AppState;

const SENSITIVE: &str = "warning: an export holds secrets (password and API key hashes, \
license keys, webhook signing secrets in clear): keep it private and delete it once imported";

/// Creates (or truncates) `path` readable and writable by its owner only.
fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        // An existing file keeps its mode on open: narrow it too.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    options.open(path)
}

/// `admin export`.
pub(super) async fn export(state: &AppState, args: Export) -> anyhow::Result<()> {
    let user = user_by_email(state, &args.user).await?;
    eprintln!("{SENSITIVE}");
    let outcome = match &args.output {
        Some(path) => {
            let file =
                private_file(path).with_context(|| format!("creating {}", path.display()))?;
            let mut out = BufWriter::new(file);
            let outcome = archive::export(state, &user, &mut out, args.progress_every).await;
            if outcome.is_err() {
                // A partial file must not be mistaken for an export.
                drop(out);
                let _ = std::fs::remove_file(path);
            }
            outcome
        }
        None => {
            let mut out = BufWriter::new(std::io::stdout());
            archive::export(state, &user, &mut out, args.progress_every).await
        }
    };
    let summary = outcome.map_err(|e| anyhow!("exporting {}: {e}", user.email.as_str()))?;
    eprintln!("exported {}: {summary}", user.email.as_str());
    Ok(())
}

/// `admin import`.
pub(super) async fn import(state: &AppState, args: Import) -> anyhow::Result<()> {
    let mut input: Box<dyn BufRead + Send> = match &args.input {
        Some(path) => Box::new(BufReader::new(
            File::open(path).with_context(|| format!("opening {}", path.display()))?,
        )),
        None if std::io::stdin().is_terminal() => {
            bail!("give --input FILE, or pipe an export into stdin")
        }
        None => Box::new(BufReader::new(std::io::stdin())),
    };
    let (email, summary) = archive::import(state, input.as_mut(), args.progress_every)
        .await
        .map_err(|e| anyhow!("nothing was imported: {e}"))?;
    println!("imported {}: {summary}", email.as_str());
    println!(
        "the user logs in with the same password; API keys, license keys and site tokens \
         keep working; sessions and webhook delivery history were not moved"
    );
    std::io::stdout().flush().context("writing the summary")?;
    Ok(())
}
