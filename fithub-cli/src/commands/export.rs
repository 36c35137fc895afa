//! `fithub export`: the whole database, or some users' data, as an archive (see the README).

use std::path::PathBuf;

use clap::Args;
use fithub_core::accounts;
use fithub_core::audit::{self, Entry, Origin};
use fithub_core::transfer::{self, ExportScope};
use tokio::io::AsyncWriteExt;

use crate::archive_io::{output, progress_bar};
use crate::{GlobalArgs, Outcome};

/// Write the whole database, or some users' data, to an archive
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Export only this user's data (id, username or email); repeat for several
    #[arg(long = "user", value_name = "USER")]
    users: Vec<String>,
    /// Where to write: a file (gzip when it ends in .gz), or - for stdout
    #[arg(long, short, default_value = "-", value_name = "FILE")]
    output: PathBuf,
}

pub async fn run(global: &GlobalArgs, args: ExportArgs) -> anyhow::Result<Outcome> {
    let db = global.connect().await?;
    let scope = if args.users.is_empty() {
        ExportScope::All
    } else {
        let mut users = Vec::new();
        for who in &args.users {
            users.push(accounts::find_user(&db, who).await.map_err(|_| {
                anyhow::anyhow!("--user {who}: no user with that id, username or email")
            })?);
        }
        ExportScope::Users(users)
    };
    let mut out = output(&args.output).await?;
    let bar = progress_bar(None, "records");
    let counts =
        transfer::export(&db, &scope, &mut out, |written| bar.set_position(written)).await?;
    out.shutdown().await?;
    bar.finish_and_clear();
    let entry = Entry::new("cli.export").details(serde_json::json!({
        "users": args.users, "records": counts.values().sum::<u64>(),
    }));
    audit::record(&db, &Origin::command_line(), entry).await?;
    db.close().await;
    if args.output.as_os_str() != "-" {
        let total: u64 = counts.values().sum();
        eprintln!("Exported {total} records to {}", args.output.display());
    }
    Ok(Outcome::Success)
}
