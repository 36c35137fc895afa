//! `fithub import`: an archive (plain, gzip or age-encrypted) back into the database, or the
//! public catalogue from CSV.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use clap::{Args, ValueEnum};
use fithub_core::audit::{self, Entry, Origin};
use fithub_core::transfer::{self, ImportOptions, ImportReport, OnConflict, RECORD_TYPES};

use crate::archive_io::{Unit, input, progress_bar};
use crate::encryption::{Keys, Passphrase};
use crate::output::{Format, explain, print_json, records, say, table};
use crate::{GlobalArgs, Outcome};

/// Read an archive into the database (all or nothing), or the public catalogue from CSV
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The archive, or - for stdin; gzip and age encryption are recognised by their content.
    /// With --catalogue, a CSV file
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Decrypt with the age identity (secret key) in FILE; repeat to try several
    #[arg(long, value_name = "FILE", conflicts_with = "catalogue")]
    identity: Vec<PathBuf>,
    /// Decrypt with a passphrase typed at the terminal (asked anyway on a terminal when the
    /// archive needs one)
    #[arg(long, conflicts_with_all = ["catalogue", "passphrase_file"])]
    passphrase: bool,
    /// Decrypt with the passphrase on the first line of FILE
    #[arg(long, value_name = "FILE", conflicts_with = "catalogue")]
    passphrase_file: Option<PathBuf>,
    /// FILE is a CSV of public ingredients: name, category, calories, proteins, fats, carbs,
    /// fibers, sugars per 100 g, and optionally description
    #[arg(long)]
    catalogue: bool,
    /// Check and apply everything, then roll back: nothing is written
    #[arg(long)]
    dry_run: bool,
    /// What to do with users and rows that exist already
    #[arg(long, value_enum, default_value_t = Conflict::Fail, conflicts_with = "catalogue")]
    on_conflict: Conflict,
    /// Take password hashes and roles from the archive, and let it reactivate users: only for an
    /// archive you trust as much as your own database (your own backup). Without it, new users
    /// arrive without a password and without roles, and existing users keep theirs
    #[arg(long, conflicts_with = "catalogue")]
    trust_credentials: bool,
    /// Output: text (a table) or json (the report)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Conflict {
    /// Stop at the first clash, naming its line; nothing is written
    Fail,
    /// Keep what exists; import the rest
    Skip,
    /// Overwrite what exists with the archive's values
    Update,
}

pub async fn run(global: &GlobalArgs, args: ImportArgs) -> anyhow::Result<Outcome> {
    let db = global.connect().await?;
    let outcome = if args.catalogue {
        catalogue(&db, &args).await
    } else {
        archive(&db, &args).await
    };
    db.close().await;
    outcome
}

async fn archive(db: &fithub_core::Database, args: &ImportArgs) -> anyhow::Result<Outcome> {
    let keys = Keys {
        identities: &args.identity,
        passphrase: Passphrase {
            ask: args.passphrase,
            file: args.passphrase_file.as_deref(),
        },
    };
    let archive = input(&args.file, keys).await?;
    let size = archive.size;
    let bar = progress_bar(
        size,
        if size.is_some() {
            Unit::Bytes
        } else {
            Unit::Lines
        },
    );
    let options = ImportOptions {
        on_conflict: match args.on_conflict {
            Conflict::Fail => OnConflict::Fail,
            Conflict::Skip => OnConflict::Skip,
            Conflict::Update => OnConflict::Update,
        },
        dry_run: args.dry_run,
        trust_credentials: args.trust_credentials,
    };
    let read = archive.read;
    let report = transfer::import(db, archive.reader, options, |lines| {
        if size.is_some() {
            bar.set_position(read.load(Ordering::Relaxed));
        } else {
            bar.set_position(lines);
        }
    })
    .await
    .map_err(|error| anyhow::anyhow!("{:#}; nothing was imported", explain(error)));
    bar.finish_and_clear();
    let report = report?;
    if !args.dry_run {
        let entry = Entry::new("cli.import").details(serde_json::json!({
            "file": args.file.display().to_string(), "records": report.records,
            "created": report.created, "updated": report.updated, "skipped": report.skipped,
            "encrypted": archive.encrypted, "trust_credentials": args.trust_credentials,
        }));
        audit::record(db, &Origin::command_line(), entry).await?;
    }
    match args.format {
        Format::Json => print_json(&report)?,
        Format::Text => print_report(&report)?,
    }
    Ok(Outcome::Success)
}

/// The report as a table, worded for what happened: a dry run says what it would have done.
fn print_report(report: &ImportReport) -> anyhow::Result<()> {
    let header = if report.dry_run {
        [
            "Record",
            "Would create",
            "Would update",
            "Would skip",
            "Would reuse",
        ]
    } else {
        ["Record", "Created", "Updated", "Skipped", "Reused"]
    };
    let mut summary = table(header);
    for kind in RECORD_TYPES {
        let count = |counts: &BTreeMap<&str, u64>| counts.get(kind).copied().unwrap_or_default();
        let row = [
            count(&report.created),
            count(&report.updated),
            count(&report.skipped),
            count(&report.matched),
        ];
        summary.add_row(
            [kind.to_owned()]
                .into_iter()
                .chain(row.map(|n| n.to_string())),
        );
    }
    let total = |counts: &BTreeMap<&str, u64>| counts.values().sum::<u64>();
    let (created, updated, skipped, reused) = (
        total(&report.created),
        total(&report.updated),
        total(&report.skipped),
        total(&report.matched),
    );
    say!("{summary}")?;
    if report.dry_run {
        say!(
            "Dry run: {} checked, nothing written. Would create {created}, update {updated}, \
             skip {skipped} (they exist), reuse {reused} shared.",
            records(report.records)
        )?;
    } else {
        say!(
            "Read {}: created {created}, updated {updated}, skipped {skipped} (they exist), \
             reused {reused} shared.",
            records(report.records)
        )?;
    }
    if report.untrusted_credentials > 0 {
        say!(
            "{} users' password hashes or roles in the archive were not taken (import with \
             --trust-credentials to take them); new users have no password until `fithub user \
             reset-password`.",
            report.untrusted_credentials
        )?;
    }
    Ok(())
}

async fn catalogue(db: &fithub_core::Database, args: &ImportArgs) -> anyhow::Result<Outcome> {
    let data = if args.file.as_os_str() == "-" {
        let mut data = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut tokio::io::stdin(), &mut data).await?;
        data
    } else {
        tokio::fs::read(&args.file)
            .await
            .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", args.file.display()))?
    };
    let report = transfer::import_catalogue(db, &data, args.dry_run)
        .await
        .map_err(explain)?;
    if !args.dry_run {
        let entry = Entry::new("cli.import_catalogue").details(serde_json::json!({
            "file": args.file.display().to_string(), "created": report.created,
            "updated": report.updated, "rejected": report.rejected.len(),
        }));
        audit::record(db, &Origin::command_line(), entry).await?;
    }
    match args.format {
        Format::Json => print_json(&report)?,
        Format::Text => {
            let verb = if args.dry_run {
                "Would have"
            } else {
                "Catalogue:"
            };
            say!(
                "{verb} created {}, updated {}, unchanged {}, rejected {} (categories created: {})",
                report.created,
                report.updated,
                report.unchanged,
                report.rejected.len(),
                report.categories_created
            )?;
            for (line, reason) in &report.rejected {
                say!("  line {line}: {reason}")?;
            }
        }
    }
    // Rows were left out: say so in the exit code, for scripts.
    Ok(if report.rejected.is_empty() {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}
