//! `fithub import`: an archive back into the database, or the public catalogue from CSV.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use clap::{Args, ValueEnum};
use fithub_core::audit::{self, Entry, Origin};
use fithub_core::transfer::{self, ImportOptions, ImportReport, OnConflict, RECORD_TYPES};

use crate::archive_io::{input, progress_bar};
use crate::output::{Format, explain, print_json, table};
use crate::{GlobalArgs, Outcome};

/// Read an archive into the database (all or nothing), or the public catalogue from CSV
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The archive (gzip when it ends in .gz), or - for stdin; with --catalogue, a CSV file
    #[arg(value_name = "FILE")]
    file: PathBuf,
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
    let (reader, read, size) = input(&args.file).await?;
    let bar = progress_bar(size, "lines");
    let options = ImportOptions {
        on_conflict: match args.on_conflict {
            Conflict::Fail => OnConflict::Fail,
            Conflict::Skip => OnConflict::Skip,
            Conflict::Update => OnConflict::Update,
        },
        dry_run: args.dry_run,
    };
    let report = transfer::import(db, reader, options, |lines| {
        if size.is_some() {
            bar.set_position(read.load(Ordering::Relaxed));
        } else {
            bar.set_position(lines);
        }
    })
    .await
    .map_err(explain);
    bar.finish_and_clear();
    let report = report?;
    if !args.dry_run {
        let entry = Entry::new("cli.import").details(serde_json::json!({
            "file": args.file.display().to_string(), "records": report.records,
            "created": report.created, "updated": report.updated,
        }));
        audit::record(db, &Origin::command_line(), entry).await?;
    }
    match args.format {
        Format::Json => print_json(&report)?,
        Format::Text => print_report(&report),
    }
    Ok(Outcome::Success)
}

fn print_report(report: &ImportReport) {
    let mut summary = table(["Record", "Created", "Updated", "Skipped", "Matched"]);
    for kind in RECORD_TYPES {
        let count = |counts: &std::collections::BTreeMap<&str, u64>| {
            counts.get(kind).copied().unwrap_or_default().to_string()
        };
        summary.add_row([
            kind.to_owned(),
            count(&report.created),
            count(&report.updated),
            count(&report.skipped),
            count(&report.matched),
        ]);
    }
    println!("{summary}");
    if report.dry_run {
        println!(
            "Dry run: {} records checked, nothing written.",
            report.records
        );
    } else {
        println!("Imported {} records.", report.records);
    }
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
            println!(
                "{verb} created {}, updated {}, unchanged {}, rejected {} (categories created: {})",
                report.created,
                report.updated,
                report.unchanged,
                report.rejected.len(),
                report.categories_created
            );
            for (line, reason) in &report.rejected {
                println!("  line {line}: {reason}");
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
