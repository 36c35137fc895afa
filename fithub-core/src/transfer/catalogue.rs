//! Loading the public food catalogue from CSV: one ingredient per row, nutrients per 100 g.
//!
//! Columns (a header row names them; order is free): `name`, `category`, `calories`,
//! `proteins`, `fats`, `carbs`, `fibers`, `sugars`, and optionally `description`. An ingredient
//! is matched by name within its category (a top-level category, created when missing; an empty
//! category means none): a match is updated when its values differ, otherwise one is created.
//! Rows that fail a check are reported with their line number and left out; the others are
//! written together, in one transaction.

use serde::{Deserialize, Serialize};

use crate::datetime::Timestamp;
use crate::db::{Database, Transaction, query};
use crate::error::{Error, Result};
use crate::nutrition::Name;

#[derive(Debug, Clone, Default, Serialize)]
pub struct CatalogueReport {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// `(line, reason)` of every row left out.
    pub rejected: Vec<(u64, String)>,
    pub categories_created: u64,
}

#[derive(Debug, Deserialize)]
struct Row {
    name: String,
    #[serde(default)]
    category: String,
    calories: f64,
    proteins: f64,
    fats: f64,
    carbs: f64,
    fibers: f64,
    sugars: f64,
    #[serde(default)]
    description: Option<String>,
}

impl Row {
    fn check(&self) -> std::result::Result<(), String> {
        Name::parse(self.name.trim()).map_err(|problem| format!("name: {problem}"))?;
        if !self.category.trim().is_empty() {
            Name::parse(self.category.trim()).map_err(|problem| format!("category: {problem}"))?;
        }
        for (column, value) in [
            ("calories", self.calories),
            ("proteins", self.proteins),
            ("fats", self.fats),
            ("carbs", self.carbs),
            ("fibers", self.fibers),
            ("sugars", self.sugars),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(format!(
                    "{column} must be a number of at least 0, got {value}"
                ));
            }
        }
        Ok(())
    }
}

/// A catalogue ingredient as stored, to compare with its row.
#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    calories: f64,
    proteins: f64,
    fats: f64,
    carbs: f64,
    fibers: f64,
    sugars: f64,
    description: Option<String>,
}

/// Reads the CSV in `data` and writes its valid rows. With `dry_run`, writes nothing.
pub async fn import_catalogue(
    db: &Database,
    data: &[u8],
    dry_run: bool,
) -> Result<CatalogueReport> {
    let mut report = CatalogueReport::default();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(data);
    let headers = reader
        .headers()
        .map_err(|error| Error::rejected(format!("line 1: the header row is not usable: {error}")))?
        .clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |position| position.line());
                report.rejected.push((line, error.to_string()));
                continue;
            }
        };
        let line = record.position().map_or(0, |position| position.line());
        match record.deserialize::<Row>(Some(&headers)) {
            Ok(row) => match row.check() {
                Ok(()) => rows.push(row),
                Err(reason) => report.rejected.push((line, reason)),
            },
            Err(error) => report.rejected.push((line, describe(&error, &headers))),
        }
    }

    let mut tx = Transaction::begin(db).await?;
    for row in rows {
        let category = category_id(&mut tx, row.category.trim(), &mut report).await?;
        let name = row.name.trim();
        let existing: Option<Stored> = query(
            "SELECT id, calories, proteins, fats, carbs, fibers, sugars, description \
             FROM ingredients WHERE NOT is_personal AND name = $1 \
             AND category_id IS NOT DISTINCT FROM $2 ORDER BY id LIMIT 1",
        )
        .bind(name)
        .bind(category)
        .fetch_optional(&mut tx)
        .await?;
        let now = Timestamp::now();
        match existing {
            Some(stored) => {
                let id = stored.id;
                let same = [
                    stored.calories,
                    stored.proteins,
                    stored.fats,
                    stored.carbs,
                    stored.fibers,
                    stored.sugars,
                ] == [
                    row.calories,
                    row.proteins,
                    row.fats,
                    row.carbs,
                    row.fibers,
                    row.sugars,
                ] && stored.description == row.description;
                if same {
                    report.unchanged += 1;
                    continue;
                }
                query(
                    "UPDATE ingredients SET calories = $2, proteins = $3, fats = $4, carbs = $5, \
                     fibers = $6, sugars = $7, description = $8, updated_at = $9 WHERE id = $1",
                )
                .bind(id)
                .bind(row.calories)
                .bind(row.proteins)
                .bind(row.fats)
                .bind(row.carbs)
                .bind(row.fibers)
                .bind(row.sugars)
                .bind(row.description)
                .bind(now)
                .execute(&mut tx)
                .await?;
                report.updated += 1;
            }
            None => {
                query(
                    "INSERT INTO ingredients (name, category_id, calories, proteins, fats, carbs, \
                     fibers, sugars, description, is_personal, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, false, $10, $10)",
                )
                .bind(name)
                .bind(category)
                .bind(row.calories)
                .bind(row.proteins)
                .bind(row.fats)
                .bind(row.carbs)
                .bind(row.fibers)
                .bind(row.sugars)
                .bind(row.description)
                .bind(now)
                .execute(&mut tx)
                .await?;
                report.created += 1;
            }
        }
    }
    if !dry_run {
        tx.commit().await?;
    }
    Ok(report)
}

/// The top-level category named `name`, created when missing; `None` for no name.
async fn category_id(
    tx: &mut Transaction,
    name: &str,
    report: &mut CatalogueReport,
) -> Result<Option<i64>> {
    if name.is_empty() {
        return Ok(None);
    }
    let existing: Option<(i64,)> = query(
        "SELECT id FROM categories WHERE name = $1 AND parent_id IS NULL ORDER BY id LIMIT 1",
    )
    .bind(name)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((id,)) = existing {
        return Ok(Some(id));
    }
    report.categories_created += 1;
    let id: i64 = query(
        "INSERT INTO categories (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id",
    )
    .bind(name)
    .bind(Timestamp::now())
    .fetch_scalar(&mut *tx)
    .await?;
    Ok(Some(id))
}

/// A row that does not fit its columns, named by column.
fn describe(error: &csv::Error, headers: &csv::StringRecord) -> String {
    match error.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(field) => format!(
                "{}: {}",
                headers.get(field as usize).unwrap_or("?"),
                err.kind()
            ),
            None => err.kind().to_string(),
        },
        _ => error.to_string(),
    }
}
