//! `fithub audit`: who did what, when and from where, newest first.

use clap::{Args, Subcommand};
use fithub_core::accounts;
use fithub_core::audit::{self, AuditFilter};
use fithub_core::datetime::Timestamp;

use crate::output::{Format, print_json, say, table, time};
use crate::{GlobalArgs, Outcome, UsageError};

/// List the audit trail, newest first
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,
    /// Actions by or on this user (id, username or email)
    #[arg(long, value_name = "USER")]
    user: Option<String>,
    /// Since a time (2025-03-02T07:45:00Z) or for a while back (30m, 2h, 7days)
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// Only this action, e.g. auth.login_failed
    #[arg(long)]
    action: Option<String>,
    /// At most this many rows
    #[arg(long, default_value_t = 100)]
    limit: i64,
    /// Output: text (a table) or json
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    Prune(PruneArgs),
}

/// Remove audit entries older than the retention: whole months on PostgreSQL
#[derive(Debug, Args)]
struct PruneArgs {
    /// Keep this many days [default: the configured audit_retention_days, 400]
    #[arg(long, value_name = "DAYS")]
    retention_days: Option<u32>,
    /// Output: text or json
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

async fn prune(global: &GlobalArgs, args: PruneArgs) -> anyhow::Result<Outcome> {
    let days = match args.retention_days {
        Some(days) => days,
        None => global.load_config()?.audit_retention_days,
    };
    let db = global.connect().await?;
    let pruned = fithub_core::retention::prune_audit(&db, days).await?;
    db.close().await;
    match args.format {
        Format::Json => print_json(&pruned)?,
        Format::Text => say!(
            "Kept {days} days of audit entries: dropped {} monthly partitions, deleted {} rows.",
            pruned.audit_partitions,
            pruned.audit_rows
        )?,
    }
    Ok(Outcome::Success)
}

pub async fn run(global: &GlobalArgs, args: AuditArgs) -> anyhow::Result<Outcome> {
    if let Some(AuditCommand::Prune(prune_args)) = args.command {
        return prune(global, prune_args).await;
    }
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let db = global.connect().await?;
    let user_id = match &args.user {
        Some(who) => Some(
            accounts::find_user(&db, who)
                .await
                .map_err(|_| {
                    anyhow::anyhow!("--user {who}: no user with that id, username or email")
                })?
                .id,
        ),
        None => None,
    };
    let filter = AuditFilter {
        user_id,
        since,
        action: args.action,
        limit: Some(args.limit),
    };
    let rows = audit::list(&db, &filter).await?;
    db.close().await;
    match args.format {
        Format::Json => print_json(&rows)?,
        Format::Text => {
            let mut listing = table(["Time", "Actor", "Action", "Object", "Client", "Request id"]);
            for row in rows {
                let object = match (row.object_type, row.object_id) {
                    (Some(kind), Some(id)) => format!("{kind} {id}"),
                    _ => String::new(),
                };
                listing.add_row([
                    time(row.occurred_at),
                    row.actor_username.unwrap_or_default(),
                    row.action,
                    object,
                    row.client_addr.unwrap_or_default(),
                    row.request_id.unwrap_or_default(),
                ]);
            }
            say!("{listing}")?;
        }
    }
    Ok(Outcome::Success)
}

/// A date-time, or a duration back from now.
fn parse_since(text: &str) -> anyhow::Result<Timestamp> {
    if let Some(at) = Timestamp::parse(text) {
        return Ok(at);
    }
    let back = humantime::parse_duration(text).map_err(|_| {
        UsageError(format!(
            "--since {text}: give a date-time (2025-03-02T07:45:00Z) or a duration (2h, 7days)"
        ))
    })?;
    let back = time::Duration::try_from(back)
        .map_err(|_| UsageError(format!("--since {text}: too long ago")))?;
    Ok(Timestamp::now() - back)
}
