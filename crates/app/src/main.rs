//! The `licentia` binary: `serve` (default), `migrate`, `admin …`, `signing-key …`,
//! `openapi`.

use std::process::ExitCode;

use clap::Parser;
use licentia::cli::{AdminCommand, Cli, Command};
use licentia::config::Settings;
use licentia::startup::{Application, build_state};
use licentia::telemetry::{Telemetry, log_layer};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(refusal) = licentia::cpu_level::check() {
        eprintln!("{refusal}");
        return ExitCode::FAILURE;
    }
    if let Some(Command::Openapi) = cli.command {
        // Needs no configuration and no database.
        print!("{}", licentia::api::openapi::json());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    // Only the server exports telemetry; operator commands just log.
    let mut telemetry = match &command {
        Command::Serve => match Telemetry::start(&settings.telemetry) {
            Ok(telemetry) => telemetry,
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::from(2);
            }
        },
        _ => Telemetry::off(),
    };
    telemetry.install_globally(log_layer(
        &settings.log_filter,
        settings.log_format,
        std::io::stderr,
    ));
    let outcome = match command {
        Command::Serve => serve(settings, telemetry).await,
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
        Command::Openapi => Ok(()),
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

async fn serve(settings: Settings, telemetry: Telemetry) -> anyhow::Result<()> {
    let app = Application::build_with(settings.clone(), telemetry).await?;
    tracing::info!(address = %settings.bind.ip(), port = app.port(), "licentia listening");
    app.run_until_stopped().await?;
    Ok(())
}
