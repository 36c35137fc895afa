//! `fithub migrate`: apply, inspect and gate on schema migrations.

use clap::{Args, Subcommand};
use fithub_core::Database;
use fithub_core::audit::{self, Entry, Origin};
use fithub_core::db::PoolSettings;
use fithub_core::db::migrations::{self, MigrationState, MigrationStatus};
use time::format_description::well_known::Rfc3339;

use crate::output::{Format, print_json, table};
use crate::{GlobalArgs, Outcome};

/// Apply pending migrations (safe to run from several replicas at once)
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MigrateArgs {
    /// Apply nothing; exit 3 when a migration is pending (the deploy gate)
    #[arg(long)]
    check: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(subcommand)]
    action: Option<MigrateAction>,
}

#[derive(Debug, Subcommand)]
enum MigrateAction {
    /// Show every migration: version, name, when it was applied, state
    Status {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

pub async fn run(global: &GlobalArgs, args: MigrateArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let db = Database::connect(&config.database_url, &PoolSettings::from_config(&config)).await?;
    let outcome = match args.action {
        Some(MigrateAction::Status { format }) => status(&db, format).await,
        None if args.check => check(&db, args.format).await,
        None => apply(&db, args.format).await,
    };
    db.close().await;
    outcome
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
        Format::Text if applied.is_empty() => println!("Nothing to apply: the schema is current."),
        Format::Text => {
            for migration in &applied {
                println!("Applied V{}__{}", migration.version, migration.name);
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
        Format::Text if pending.is_empty() => println!("The schema is current."),
        Format::Text => {
            for migration in &pending {
                println!("Pending V{}__{}", migration.version, migration.name);
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
                let applied_on = match status.applied_on {
                    Some(at) => at.format(&Rfc3339)?,
                    None => "-".to_owned(),
                };
                table.add_row([
                    status.version.to_string(),
                    status.name.clone(),
                    applied_on,
                    status.state.as_str().to_owned(),
                ]);
            }
            println!("{table}");
        }
    }
    Ok(Outcome::Success)
}
