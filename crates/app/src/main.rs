//! The `licentia` binary: `serve` (default), `migrate`, `admin …`.

use std::process::ExitCode;

use clap::Parser;
use licentia::cli::{AdminCommand, Cli, Command};
use licentia::config::Settings;
use licentia::startup::{Application, build_state};
use licentia::telemetry::{get_subscriber, init_subscriber};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    init_subscriber(get_subscriber(
        &settings.log_filter,
        settings.log_format,
        std::io::stderr,
    ));
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => licentia_adapters_postgres::run_migrations(&settings.database_url)
            .await
            .map(|applied| {
                println!(
                    "migrations applied: {}",
                    if applied.is_empty() {
                        "none pending".into()
                    } else {
                        applied.join(", ")
                    }
                )
            })
            .map_err(|e| anyhow::anyhow!("{e}")),
        // Checked before any state is built (which could create a development key).
        Command::Admin(AdminCommand::RotateMasterKey) => {
            licentia::admin::master_key::rotate(&settings).await
        }
        Command::Admin(command) => match build_state(&settings) {
            Ok(state) => licentia::admin::run(&state, command).await,
            Err(e) => Err(anyhow::anyhow!("{e}")),
        },
        Command::SigningKey(command) => match build_state(&settings) {
            Ok(state) => licentia::admin::signing_keys(&state, command).await,
            Err(e) => Err(anyhow::anyhow!("{e}")),
        },
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings.clone()).await?;
    tracing::info!(address = %settings.bind.ip(), port = app.port(), "licentia listening");
    app.run_until_stopped().await?;
    Ok(())
}
