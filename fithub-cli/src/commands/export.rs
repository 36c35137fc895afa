//! `fithub export`: the whole database, or some users' data, as an archive (see the README),
//! optionally encrypted.

use std::path::PathBuf;

use clap::Args;
use fithub_core::accounts;
use fithub_core::audit::{self, Entry, Origin};
use fithub_core::transfer::{self, ExportScope};
use tokio::io::AsyncWriteExt;

use crate::archive_io::{Unit, output, progress_bar, shows_progress};
use crate::encryption::{Lock, Passphrase};
use crate::output::records;
use crate::{GlobalArgs, Outcome};

/// Write the whole database, or some users' data, to an archive
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Export only this user's data (id, username or email); repeat for several
    #[arg(long = "user", value_name = "USER")]
    users: Vec<String>,
    /// Where to write: a file (gzip when it ends in .gz or .gz.age; created mode 0600), or - for
    /// stdout
    #[arg(long, short, default_value = "-", value_name = "FILE")]
    output: PathBuf,
    /// Encrypt (age) to this public key, age1…; repeat for several (`fithub backup keygen` makes
    /// a key pair)
    #[arg(long, value_name = "RECIPIENT")]
    encrypt_to: Vec<String>,
    /// Encrypt with a passphrase typed at the terminal, twice
    #[arg(long, conflicts_with_all = ["encrypt_to", "passphrase_file"])]
    passphrase: bool,
    /// Encrypt with the passphrase on the first line of FILE
    #[arg(long, value_name = "FILE", conflicts_with = "encrypt_to")]
    passphrase_file: Option<PathBuf>,
}

pub async fn run(global: &GlobalArgs, args: ExportArgs) -> anyhow::Result<Outcome> {
    // Before connecting: a bad key or a missing passphrase is the caller's to fix first.
    let lock = Lock::from_flags(
        &args.encrypt_to,
        Passphrase {
            ask: args.passphrase,
            file: args.passphrase_file.as_deref(),
        },
    )?;
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
    // Counting costs a pass over every table: only for a bar someone will see.
    let total = if shows_progress() {
        Some(transfer::count(&db, &scope).await?)
    } else {
        None
    };
    let mut out = output(&args.output, lock.as_ref()).await?;
    let bar = progress_bar(total, Unit::Records);
    let counts =
        transfer::export(&db, &scope, &mut out, |written| bar.set_position(written)).await?;
    out.shutdown()
        .await
        .map_err(|error| anyhow::anyhow!("writing the archive: {error}"))?;
    bar.finish_and_clear();
    let total: u64 = counts.values().sum();
    let entry = Entry::new("cli.export").details(serde_json::json!({
        "users": args.users, "records": total, "encrypted": lock.is_some(),
    }));
    audit::record(&db, &Origin::command_line(), entry).await?;
    db.close().await;
    if args.output.as_os_str() != "-" {
        let encrypted = lock
            .map(|lock| format!(", encrypted to {}", lock.describe()))
            .unwrap_or_default();
        eprintln!(
            "Exported {} to {}{encrypted}",
            records(total),
            args.output.display()
        );
    }
    Ok(Outcome::Success)
}
