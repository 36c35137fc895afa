//! Reading an archive into a database, in one transaction: every line is checked, and the first
//! bad one stops the import with its line number, having written nothing.
//!
//! * **Ids.** Into an empty table, rows keep their ids (a restore keeps every URL); into a table
//!   that has rows, they get new ids, and every reference is translated.
//! * **Users** are matched by username and the instant they joined (see `users.rs`). One that
//!   exists already is a clash: by default the import stops and names it; `--on-conflict skip`
//!   keeps the existing user (and imports what of their data is missing), `update` overwrites
//!   them with the archive's values (their credentials only when the import trusts it).
//! * **Shared rows** (categories, public ingredients) are matched by name (and parent or
//!   category) and reused; `update` overwrites a public ingredient's values.
//! * **Private rows** of an existing user are matched by their creation time (and name or
//!   timestamp), goals by id, so importing the same archive twice with `skip` changes nothing.
//!   Rows of a user the import created cannot exist yet: they skip the lookups and are written in
//!   batches (COPY on PostgreSQL), which is what makes restoring a large database fast.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

mod ids;
mod private;
mod shared;
mod users;
mod write;

use ids::{ArchiveId, Ids, Owner};

use super::batch::Batch;
use super::records::*;
use super::table::Table;
use super::{FORMAT, FORMAT_VERSION, Line};
use crate::db::{Database, Dialect, Query, Transaction};
use crate::error::{Error, Result};

/// What to do with a row that exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnConflict {
    /// Stop, name it, write nothing.
    #[default]
    Fail,
    /// Keep the existing row.
    Skip,
    /// Overwrite it with the archive's values.
    Update,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    pub on_conflict: OnConflict,
    /// Check and apply everything, then roll back.
    pub dry_run: bool,
    /// Take password hashes, roles and reactivations from the archive (see `users.rs`).
    pub trust_credentials: bool,
}

/// What an import did (or, dry, would have done), by record type.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Data lines read.
    pub records: u64,
    pub created: BTreeMap<&'static str, u64>,
    pub updated: BTreeMap<&'static str, u64>,
    /// Existing private rows left as they were (`skip`).
    pub skipped: BTreeMap<&'static str, u64>,
    /// Existing shared rows (categories, public ingredients) reused.
    pub matched: BTreeMap<&'static str, u64>,
    /// Users whose password hash or roles in the archive were not taken, the import not
    /// trusting them.
    pub untrusted_credentials: u64,
    pub dry_run: bool,
}

/// The tables an import writes, in file order.
const TABLES: [&str; 10] = [
    ArchivedUser::TABLE,
    ArchivedCategory::TABLE,
    ArchivedIngredient::TABLE,
    ArchivedDiet::TABLE,
    ArchivedMeal::TABLE,
    ArchivedMealIngredient::TABLE,
    ArchivedMealRecord::TABLE,
    ArchivedPreference::TABLE,
    ArchivedGoal::TABLE,
    ArchivedMeasurement::TABLE,
];

/// Reads an archive from `reader` into `db`. `progress` is told the number of lines read, now and
/// then.
pub async fn import<R: AsyncBufRead + Unpin>(
    db: &Database,
    reader: R,
    options: ImportOptions,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport> {
    let mut tx = Transaction::begin(db).await?;
    let mut empty = HashSet::new();
    for table in TABLES {
        let mut probe = Query::builder();
        probe
            .push("SELECT NOT EXISTS (SELECT 1 FROM ")
            .push(table)
            .push(")");
        if probe.fetch_scalar::<bool>(&mut tx).await? {
            empty.insert(table);
        }
    }
    let mut importer = Importer {
        tx,
        options,
        empty,
        ids: Ids::default(),
        batches: HashMap::new(),
        report: ImportReport {
            dry_run: options.dry_run,
            ..ImportReport::default()
        },
    };

    let mut lines = reader.lines();
    let mut number: u64 = 0;
    let mut ended = false;
    while let Some(text) = lines.next_line().await.map_err(|error| {
        Error::rejected(format!(
            "line {}: cannot read the archive: {error}",
            number + 1
        ))
    })? {
        number += 1;
        if ended {
            return Err(at(number, "end", "nothing may follow the end line"));
        }
        let line: Line = serde_json::from_str(&text)
            .map_err(|error| at(number, "record", &format!("not a valid record: {error}")))?;
        match line {
            Line::Header(header) if number == 1 => {
                if header.format != FORMAT || header.format_version != FORMAT_VERSION {
                    return Err(at(
                        number,
                        "header",
                        &format!(
                            "this is {} version {}; FitHub reads {FORMAT} version {FORMAT_VERSION}",
                            header.format, header.format_version
                        ),
                    ));
                }
            }
            _ if number == 1 => {
                return Err(at(
                    number,
                    line.kind(),
                    "not a FitHub archive: the first line must be its header",
                ));
            }
            Line::Header(_) => return Err(at(number, "header", "a second header")),
            Line::End(end) => {
                if end.records != importer.report.records {
                    return Err(at(
                        number,
                        "end",
                        &format!(
                            "the archive says it holds {} records, but {} came before its end",
                            end.records, importer.report.records
                        ),
                    ));
                }
                ended = true;
            }
            data => {
                importer.report.records += 1;
                importer.record(number, data).await?;
            }
        }
        if number.is_multiple_of(1000) {
            progress(number);
        }
    }
    progress(number);
    if !ended {
        return Err(Error::rejected(format!(
            "line {}: the archive ends without its end line: it is incomplete (truncated?)",
            number + 1
        )));
    }
    importer.finish().await
}

fn at(line: u64, kind: &str, message: &str) -> Error {
    Error::rejected(format!("line {line}: {kind}: {message}"))
}

struct Importer {
    tx: Transaction,
    options: ImportOptions,
    /// Tables that were empty before the import: their rows keep their ids, and nothing need be
    /// looked up in them.
    empty: HashSet<&'static str>,
    ids: Ids,
    batches: HashMap<&'static str, Batch>,
    report: ImportReport,
}

impl Importer {
    async fn record(&mut self, number: u64, line: Line) -> Result<()> {
        let kind = line.kind();
        let checked = match &line {
            Line::User(record) => record.check(),
            Line::Category(record) => record.check(),
            Line::Ingredient(record) => record.check(),
            Line::Diet(record) => record.check(),
            Line::Meal(record) => record.check(),
            Line::MealIngredient(record) => record.check(),
            Line::MealRecord(record) => record.check(),
            Line::MealPreference(record) => record.check(),
            Line::Goal(record) => record.check(),
            Line::BodyMeasurement(record) => record.check(),
            Line::Header(_) | Line::End(_) => Ok(()),
        };
        checked.map_err(|message| at(number, kind, &message))?;
        let imported = match line {
            Line::User(record) => self.user(record).await,
            Line::Category(record) => self.category(record).await,
            Line::Ingredient(record) => self.ingredient(record).await,
            Line::Diet(record) => self.diet(record).await,
            Line::Meal(record) => self.meal(record).await,
            Line::MealIngredient(record) => self.meal_ingredient(record).await,
            Line::MealRecord(record) => self.meal_record(record).await,
            Line::MealPreference(record) => self.preference(record).await,
            Line::Goal(record) => self.goal(record).await,
            Line::BodyMeasurement(record) => self.measurement(record).await,
            Line::Header(_) | Line::End(_) => Ok(()),
        };
        imported.map_err(|error| in_line(error, number, kind))
    }

    /// Writes what is still batched, moves PostgreSQL's id sequences past the kept ids and
    /// refreshes its statistics, and commits (or, dry, rolls back).
    async fn finish(mut self) -> Result<ImportReport> {
        for table in TABLES {
            if let Some(mut batch) = self.batches.remove(table) {
                batch
                    .flush(&mut self.tx)
                    .await
                    .map_err(|error| Error::rejected(format!("writing {table}: {error}")))?;
            }
        }
        if self.tx.dialect() == Dialect::Postgres {
            for table in TABLES.iter().filter(|table| **table != "goals") {
                if self.empty.contains(table) {
                    let mut statement = Query::builder();
                    statement
                        .push("SELECT setval(pg_get_serial_sequence('")
                        .push(table)
                        .push("', 'id'), GREATEST((SELECT MAX(id) FROM ")
                        .push(table)
                        .push("), 1))");
                    statement.fetch_scalar::<i64>(&mut self.tx).await?;
                }
            }
        }
        if !self.options.dry_run {
            if self.tx.dialect() == Dialect::Postgres {
                // Fresh statistics, committed with the rows: until autovacuum gets round to
                // these tables, the planner would take a bulk-loaded table for an empty one.
                let mut analyze = Query::builder();
                analyze.push("ANALYZE ").push(&TABLES.join(", "));
                analyze.execute(&mut self.tx).await?;
            }
            self.tx.commit().await?;
        }
        Ok(self.report)
    }
}

/// Puts the line number and record type in front of an error's message.
fn in_line(error: Error, line: u64, kind: &str) -> Error {
    match error {
        Error::Rejected { message, .. } => at(line, kind, &message),
        Error::Internal(message) => at(line, kind, &message),
        other => other,
    }
}
