//! `fithub migrate`: apply, inspect and gate on schema migrations.

use clap::{Args, Subcommand};
use fithub_core::Database;
use fithub_core::audit::{self, Entry, Origin};
use fithub_core::config::DatabaseUrl;
use fithub_core::db::PoolSettings;
use fithub_core::db::diagnose::{self, missing_sqlite_file};
use fithub_core::db::migrations::{self, MigrationState, MigrationStatus};

use crate::output::{Format, offset_time, print_json, say, table};
use crate::{GlobalArgs, Outcome, connect_error};

/// Apply pending migrations (safe to run from several replicas at once)
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MigrateArgs {
    /// Apply nothing; exit 3 when a migration is pending (the deploy gate)
    #[arg(long)]
    check: bool,
    /// Output: text or json
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(subcommand)]
    action: Option<MigrateAction>,
}

#[derive(Debug, Subcommand)]
enum MigrateAction {
    /// Show every migration: version, name, when it was applied, state
    Status {
        /// Output: text (a table) or json
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

pub async fn run(global: &GlobalArgs, args: MigrateArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let settings = PoolSettings::from_config(&config);
    let read_only = args.check || args.action.is_some();
    let db = if read_only {
        open_read_only(&config.database_url, &settings).await?
    } else {
        match Database::connect(&config.database_url, &settings).await {
            Ok(db) => db,
            Err(error) => {
                let error = diagnose::explain(&config.database_url, &settings, error).await;
                return Err(connect_error(error));
            }
        }
    };
    let outcome = match args.action {
        Some(MigrateAction::Status { format }) => status(&db, format).await,
        None if args.check => check(&db, args.format).await,
        None => apply(&db, args.format).await,
    };
    db.close().await;
    outcome
}

/// The database to inspect, never created: a missing SQLite file is shown as the empty database
/// it would be, every migration pending.
async fn open_read_only(url: &DatabaseUrl, settings: &PoolSettings) -> anyhow::Result<Database> {
    if let Some(path) = missing_sqlite_file(url) {
        eprintln!(
            "No database at {} yet: every migration is pending.",
            path.display()
        );
        return Ok(Database::connect(&DatabaseUrl::new("sqlite::memory:"), settings).await?);
    }
    diagnose::connect_existing(url, settings)
        .await
        .map_err(connect_error)
}

async fn apply(db: &Database, format: Format) -> anyhow::Result<Outcome> {
    let applied = migrations::migrate(db).await?;
    if !applied.is_empty() {
        // The audit log exists now, whatever the schema was before.
        let entry = Entry::new("cli.migrate").details(serde_json::json!({ "applied": applied }));
        audit::record(db, &Origin::command_line(), entry).await?;
    }
    match format {
        Format::Json => print_json(&serde_json::json!({ "applied": applied }))?,
        Format::Text if applied.is_empty() => say!("Nothing to apply: the schema is current.")?,
        Format::Text => {
            for migration in &applied {
                say!("Applied V{}__{}", migration.version, migration.name)?;
            }
        }
    }
    Ok(Outcome::Success)
}

async fn check(db: &Database, format: Format) -> anyhow::Result<Outcome> {
    let statuses = migrations::status(db).await?;
    let divergent: Vec<&MigrationStatus> = statuses
        .iter()
        .filter(|s| s.state == MigrationState::Divergent)
        .collect();
    if let Some(first) = divergent.first() {
        anyhow::bail!(
            "migration V{}__{} was changed after it was applied; restore the file",
            first.version,
            first.name
        );
    }
    let pending: Vec<&MigrationStatus> = statuses
        .iter()
        .filter(|s| s.state == MigrationState::Pending)
        .collect();
    match format {
        Format::Json => print_json(&serde_json::json!({
            "current": pending.is_empty(),
            "pending": pending,
        }))?,
        Format::Text if pending.is_empty() => say!("The schema is current.")?,
        Format::Text => {
            for migration in &pending {
                say!("Pending V{}__{}", migration.version, migration.name)?;
            }
        }
    }
    Ok(if pending.is_empty() {
        Outcome::Success
    } else {
        Outcome::Unhealthy
    })
}

async fn status(db: &Database, format: Format) -> anyhow::Result<Outcome> {
    let statuses = migrations::status(db).await?;
    match format {
        Format::Json => print_json(&statuses)?,
        Format::Text => {
            let mut table = table(["Version", "Name", "Applied at", "State"]);
            for status in &statuses {
                let applied_on = status
                    .applied_on
                    .map_or_else(|| "-".to_owned(), offset_time);
                table.add_row([
                    status.version.to_string(),
                    status.name.clone(),
                    applied_on,
                    status.state.as_str().to_owned(),
                ]);
            }
            say!("{table}")?;
        }
    }
    Ok(Outcome::Success)
}
