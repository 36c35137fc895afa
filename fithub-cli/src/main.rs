//! `fithub`: FitHub's administration tool.
//!
//! Exit codes are stable, for scripts and deploy pipelines: 0 success, 1 failure, 2 usage error,
//! 3 unhealthy or migrations pending (`health`, `migrate --check`).

mod archive_io;
mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use fithub_core::Database;
use fithub_core::config::{Config, Sources};
use fithub_core::db::{PoolSettings, migrations};
use serde::Serialize;

#[derive(Debug, Parser)]
#[command(name = "fithub", version, about = "Administer a FitHub installation")]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Settings every subcommand accepts; they override the environment and `fithub.toml`.
#[derive(Debug, Args, Serialize)]
#[command(next_help_heading = "Configuration")]
pub struct GlobalArgs {
    /// Configuration file (default: fithub.toml in the working directory, if present)
    #[arg(long, global = true, value_name = "FILE")]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// Database URL [env: DATABASE_URL, FITHUB_DATABASE_URL] [default: sqlite://fithub.db]
    #[arg(long, global = true, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
}

impl GlobalArgs {
    /// The effective configuration, with these flags as the top layer.
    pub fn load_config(&self) -> anyhow::Result<Config> {
        Ok(Config::load(Sources {
            file: self.config.as_deref(),
            overrides: self,
        })?)
    }

    /// The configured database, which must exist and have a current schema.
    pub async fn connect(&self) -> anyhow::Result<Database> {
        let config = self.load_config()?;
        let settings = PoolSettings {
            create_sqlite_file: false,
            ..PoolSettings::from_config(&config)
        };
        let db = Database::connect(&config.database_url, &settings).await?;
        if !migrations::is_current(&migrations::status(&db).await?) {
            anyhow::bail!(
                "the database schema at {} is not current: run `fithub migrate` first",
                config.database_url.redacted()
            );
        }
        Ok(db)
    }
}

/// A mistake in how a command was called, found after parsing: exit code 2, like clap's own.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

#[derive(Debug, Subcommand)]
enum Command {
    Migrate(commands::migrate::MigrateArgs),
    #[command(subcommand)]
    User(commands::user::UserCommand),
    Export(commands::export::ExportArgs),
    Audit(commands::audit::AuditArgs),
    Import(commands::import::ImportArgs),
    Config(commands::config::ConfigArgs),
    Health(commands::health::HealthArgs),
}

/// How a command ended, besides failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Unhealthy, or migrations pending: exit code 3.
    Unhealthy,
    /// Done, but not everything succeeded (the output says what): exit code 1.
    Failure,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FITHUB_CLI_LOG")
                // sqlx warns of slow statements with their whole SQL: noise for an operator.
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx=error")),
        )
        .init();
    let result = match cli.command {
        Command::Migrate(args) => commands::migrate::run(&cli.global, args).await,
        Command::User(command) => commands::user::run(&cli.global, command).await,
        Command::Export(args) => commands::export::run(&cli.global, args).await,
        Command::Audit(args) => commands::audit::run(&cli.global, args).await,
        Command::Import(args) => commands::import::run(&cli.global, args).await,
        Command::Config(args) => commands::config::run(&cli.global, args),
        Command::Health(args) => commands::health::run(&cli.global, args).await,
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Unhealthy) => ExitCode::from(3),
        Ok(Outcome::Failure) => ExitCode::FAILURE,
        Err(error) if error.is::<UsageError>() => {
            eprintln!("fithub: {error}");
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("fithub: {error:#}");
            ExitCode::FAILURE
        }
    }
}
