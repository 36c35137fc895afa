//! `fithub`: FitHub's administration tool.
//!
//! Exit codes are stable, for scripts and deploy pipelines: 0 success, 1 failure, 2 usage error,
//! 3 unhealthy or migrations pending (`health`, `migrate --check`).

mod archive_io;
mod commands;
mod encryption;
mod output;
mod prompt;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use fithub_core::Database;
use fithub_core::config::{Config, Sources};
use fithub_core::db::{PoolSettings, diagnose, migrations};
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

    /// The configured database, which must exist (it is never created here) and have a current
    /// schema.
    pub async fn connect(&self) -> anyhow::Result<Database> {
        let config = self.load_config()?;
        let db =
            diagnose::connect_existing(&config.database_url, &PoolSettings::from_config(&config))
                .await
                .map_err(connect_error)?;
        if !migrations::is_current(&migrations::status(&db).await?) {
            anyhow::bail!(
                "the database schema at {} is not current: run `fithub migrate` first",
                config.database_url.redacted()
            );
        }
        Ok(db)
    }
}

/// A failure to reach the database, as `db::diagnose` words it: the message alone, which already
/// says what is wrong and what to do.
pub fn connect_error(error: fithub_core::Error) -> anyhow::Error {
    match error {
        fithub_core::Error::Unavailable(message) => anyhow::anyhow!(message),
        other => other.into(),
    }
}

/// The whole command line, for completions and man pages.
pub fn cli_command() -> clap::Command {
    Cli::command()
}

/// A mistake in how a command was called, found after parsing: exit code 2, like clap's own.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

#[derive(Debug, Subcommand)]
enum Command {
    Migrate(commands::migrate::MigrateArgs),
    /// Create, list and manage user accounts
    #[command(subcommand)]
    User(commands::user::UserCommand),
    Export(commands::export::ExportArgs),
    Audit(commands::audit::AuditArgs),
    Import(commands::import::ImportArgs),
    /// Keys for encrypted backups
    #[command(subcommand)]
    Backup(commands::backup::BackupCommand),
    Config(commands::config::ConfigArgs),
    Health(commands::health::HealthArgs),
    Completions(commands::completions::CompletionsArgs),
    Man(commands::man::ManArgs),
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
        Command::Backup(command) => commands::backup::run(command),
        Command::Config(args) => commands::config::run(&cli.global, args),
        Command::Health(args) => commands::health::run(&cli.global, args).await,
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::man::run(args),
    };
    // The reader of our stdout went away (`fithub export | head`): it has all it wanted, so end
    // quietly, as other Unix tools do.
    if output::stdout_closed() {
        return ExitCode::SUCCESS;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and flag explains itself in `--help`, the man pages and completions.
    #[test]
    fn every_command_and_flag_has_help() {
        fn check(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", command.get_name());
            if command.get_about().is_none() {
                missing.push(path.clone());
            }
            for arg in command.get_arguments() {
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                check(sub, &path, missing);
            }
        }
        let mut command = cli_command();
        command.build();
        let mut missing = Vec::new();
        check(&command, "", &mut missing);
        assert!(missing.is_empty(), "without help: {missing:?}");
    }
}
