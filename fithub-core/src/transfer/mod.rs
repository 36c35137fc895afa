//! Moving data in and out: backups of the whole database, per-user archives, and the public food
//! catalogue.
//!
//! # The archive format (`fithub-archive`, version 1)
//!
//! JSON Lines: one JSON object per line, `{"type": "…", "data": {…}}`, UTF-8, optionally gzip
//! compressed. The first line is the `header` (format name and version, the schema version of the
//! exporting database, when, and the scope: everything or some users); the last line is `end`,
//! with the number of data lines, so that a truncated file is refused rather than half imported.
//! Between them come the data lines, each type after the types it refers to:
//!
//! `user`, `category` (parents before children), `ingredient`, `diet`, `meal`,
//! `meal_ingredient`, `meal_record`, `meal_preference`, `goal`, `body_measurement`.
//!
//! Each `data` object holds the columns of its table (see `records.rs`), ids and references as
//! the exporting database numbered them, timestamps in UTC (`2025-03-02T07:45:00Z`). Users carry
//! their password hash (except in a user's own export) and their token generation; an import
//! takes the hash and roles only when it trusts the archive (see `import/users.rs`). Tokens are
//! not exported (users log in again), nor is the audit log.

mod batch;
mod catalogue;
mod export;
mod import;
mod records;
mod table;

use serde::{Deserialize, Serialize};

pub use catalogue::{CatalogueReport, import_catalogue};
pub use export::{ExportScope, count, export};
pub use import::{ImportOptions, ImportReport, OnConflict, import};
pub use records::*;

use crate::datetime::Timestamp;

pub const FORMAT: &str = "fithub-archive";
pub const FORMAT_VERSION: u32 = 1;

/// One line of an archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Line {
    Header(Header),
    User(ArchivedUser),
    Category(ArchivedCategory),
    Ingredient(ArchivedIngredient),
    Diet(ArchivedDiet),
    Meal(ArchivedMeal),
    MealIngredient(ArchivedMealIngredient),
    MealRecord(ArchivedMealRecord),
    MealPreference(ArchivedPreference),
    Goal(ArchivedGoal),
    BodyMeasurement(ArchivedMeasurement),
    End(End),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub format: String,
    pub format_version: u32,
    /// The latest migration applied to the exporting database.
    pub schema_version: i32,
    pub created_at: Timestamp,
    pub scope: Scope,
}

/// What an archive holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// The whole database: every user, their data, the catalogue.
    All,
    /// These users' data, with the categories and public ingredients it uses.
    Users { usernames: Vec<String> },
}

/// The last line: how many data lines came before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct End {
    pub records: u64,
}

impl Line {
    /// The record type's name, as in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            Line::Header(_) => "header",
            Line::User(_) => "user",
            Line::Category(_) => "category",
            Line::Ingredient(_) => "ingredient",
            Line::Diet(_) => "diet",
            Line::Meal(_) => "meal",
            Line::MealIngredient(_) => "meal_ingredient",
            Line::MealRecord(_) => "meal_record",
            Line::MealPreference(_) => "meal_preference",
            Line::Goal(_) => "goal",
            Line::BodyMeasurement(_) => "body_measurement",
            Line::End(_) => "end",
        }
    }
}

/// The data record types, in file order.
pub const RECORD_TYPES: [&str; 10] = [
    "user",
    "category",
    "ingredient",
    "diet",
    "meal",
    "meal_ingredient",
    "meal_record",
    "meal_preference",
    "goal",
    "body_measurement",
];
