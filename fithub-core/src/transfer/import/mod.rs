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

mod users;

use super::batch::Batch;
use super::records::*;
use super::{FORMAT, FORMAT_VERSION, Line};
use crate::db::{Database, Dialect, Query, Transaction, Value, query};
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
    "users",
    "categories",
    "ingredients",
    "diets",
    "meals",
    "meal_ingredients",
    "meal_records",
    "meal_preferences",
    "goals",
    "body_measurements",
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
        users: HashMap::new(),
        categories: HashMap::new(),
        ingredients: HashMap::new(),
        diets: HashMap::new(),
        meals: HashMap::new(),
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

/// A user of the archive, as imported.
#[derive(Debug, Clone, Copy)]
struct Owner {
    id: i64,
    /// Created by this import: none of their rows can exist yet.
    new: bool,
}

/// A diet or meal as imported: its new id, and its owner's id in the archive.
#[derive(Debug, Clone, Copy)]
struct Imported {
    id: i64,
    owner: i64,
}

/// A row that may exist already, found by its natural key.
enum Existing {
    None,
    Found(i64),
}

struct Importer {
    tx: Transaction,
    options: ImportOptions,
    /// Tables that were empty before the import: their rows keep their ids, and nothing need be
    /// looked up in them.
    empty: HashSet<&'static str>,
    users: HashMap<i64, Owner>,
    categories: HashMap<i64, i64>,
    /// New id, and the archive owner of a personal ingredient.
    ingredients: HashMap<i64, (i64, Option<i64>)>,
    diets: HashMap<i64, Imported>,
    meals: HashMap<i64, Imported>,
    batches: HashMap<&'static str, Batch>,
    report: ImportReport,
}

impl Importer {
    async fn record(&mut self, number: u64, line: Line) -> Result<()> {
        let kind = line.kind();
        let fail = |message: String| at(number, kind, &message);
        match line {
            Line::User(user) => {
                user.check().map_err(fail)?;
                self.user(user).await.map_err(|e| in_line(e, number, kind))
            }
            Line::Category(category) => {
                category.check().map_err(fail)?;
                self.category(category)
                    .await
                    .map_err(|e| in_line(e, number, kind))
            }
            Line::Ingredient(ingredient) => {
                ingredient.check().map_err(fail)?;
                self.ingredient(ingredient)
                    .await
                    .map_err(|e| in_line(e, number, kind))
            }
            Line::Diet(diet) => {
                diet.check().map_err(fail)?;
                self.diet(diet).await.map_err(|e| in_line(e, number, kind))
            }
            Line::Meal(meal) => {
                meal.check().map_err(fail)?;
                self.meal(meal).await.map_err(|e| in_line(e, number, kind))
            }
            Line::MealIngredient(item) => {
                item.check().map_err(fail)?;
                self.meal_ingredient(item)
                    .await
                    .map_err(|e| in_line(e, number, kind))
            }
            Line::MealRecord(record) => {
                record.check().map_err(fail)?;
                self.meal_record(record)
                    .await
                    .map_err(|e| in_line(e, number, kind))
            }
            Line::MealPreference(preference) => {
                preference.check().map_err(fail)?;
                self.preference(preference)
                    .await
                    .map_err(|e| in_line(e, number, kind))
            }
            Line::Goal(goal) => {
                goal.check().map_err(fail)?;
                self.goal(goal).await.map_err(|e| in_line(e, number, kind))
            }
            Line::BodyMeasurement(measurement) => {
                measurement.check().map_err(fail)?;
                self.measurement(measurement)
                    .await
                    .map_err(|e| in_line(e, number, kind))
            }
            Line::Header(_) | Line::End(_) => Ok(()),
        }
    }

    fn count(map: &mut BTreeMap<&'static str, u64>, kind: &'static str) {
        *map.entry(kind).or_default() += 1;
    }

    fn owner(&self, user_id: i64) -> Result<Owner> {
        self.users.get(&user_id).copied().ok_or_else(|| {
            Error::rejected(format!(
                "refers to user {user_id}, who is not earlier in the archive"
            ))
        })
    }

    /// The clash message of a private row.
    fn clash(&self, what: &str) -> Error {
        Error::rejected(format!(
            "{what} exists already; --on-conflict skip keeps it, update overwrites it"
        ))
    }

    /// Whether a row of `table` owned by `owner` could exist already.
    fn may_exist(&self, table: &str, owner: Owner) -> bool {
        !owner.new && !self.empty.contains(table)
    }

    /// The id column and value, when the table keeps its ids.
    fn id_column(&self, table: &'static str, id: i64) -> Option<(&'static str, Value)> {
        self.empty.contains(table).then(|| ("id", Value::from(id)))
    }

    /// Inserts a row, with its archive id when the table keeps ids; returns its id here.
    async fn insert(
        &mut self,
        table: &'static str,
        archive_id: i64,
        columns: &[&str],
        mut values: Vec<Value>,
    ) -> Result<i64> {
        let mut statement = Query::builder();
        statement.push("INSERT INTO ").push(table).push(" (");
        let mut names: Vec<&str> = columns.to_vec();
        if let Some((column, id)) = self.id_column(table, archive_id) {
            names.insert(0, column);
            values.insert(0, id);
        }
        statement
            .push(&names.join(", "))
            .push(") VALUES (")
            .push_bind_list(values)
            .push(") RETURNING id");
        Ok(statement.fetch_scalar(&mut self.tx).await?)
    }

    async fn category(&mut self, category: ArchivedCategory) -> Result<()> {
        let parent = match category.parent_id {
            None => None,
            Some(parent) => Some(*self.categories.get(&parent).ok_or_else(|| {
                Error::rejected(format!(
                    "refers to parent category {parent}, which is not earlier in the archive"
                ))
            })?),
        };
        let existing: Option<(i64,)> = if self.empty.contains("categories") {
            None
        } else {
            query(
                "SELECT id FROM categories WHERE name = $1 AND parent_id IS NOT DISTINCT FROM $2 \
                 ORDER BY id LIMIT 1",
            )
            .bind(category.name.as_str())
            .bind(parent)
            .fetch_optional(&mut self.tx)
            .await?
        };
        let id = match existing {
            Some((id,)) => {
                Self::count(&mut self.report.matched, "category");
                id
            }
            None => {
                let creator = category
                    .created_by
                    .and_then(|user| self.users.get(&user))
                    .map(|owner| owner.id);
                let values = vec![
                    Value::from(category.name),
                    Value::from(parent),
                    Value::from(creator),
                    Value::from(category.created_at),
                    Value::from(category.updated_at),
                ];
                let columns = [
                    "name",
                    "parent_id",
                    "created_by",
                    "created_at",
                    "updated_at",
                ];
                let id = self
                    .insert("categories", category.id, &columns, values)
                    .await?;
                Self::count(&mut self.report.created, "category");
                id
            }
        };
        self.categories.insert(category.id, id);
        Ok(())
    }

    fn category_of(&self, category: Option<i64>) -> Result<Option<i64>> {
        category
            .map(|source| {
                self.categories.get(&source).copied().ok_or_else(|| {
                    Error::rejected(format!(
                        "refers to category {source}, which is not earlier in the archive"
                    ))
                })
            })
            .transpose()
    }

    async fn ingredient(&mut self, ingredient: ArchivedIngredient) -> Result<()> {
        let category = self.category_of(ingredient.category_id)?;
        let owner = match (ingredient.is_personal, ingredient.created_by) {
            (true, Some(user)) => Some(self.owner(user)?),
            _ => None,
        };
        let existing = match owner {
            _ if self.empty.contains("ingredients") => Existing::None,
            Some(owner) if owner.new => Existing::None,
            Some(owner) => found(
                query(
                    "SELECT id FROM ingredients WHERE is_personal AND created_by = $1 \
                     AND name = $2 AND created_at = $3 ORDER BY id LIMIT 1",
                )
                .bind(owner.id)
                .bind(ingredient.name.as_str())
                .bind(ingredient.created_at)
                .fetch_optional(&mut self.tx)
                .await?,
            ),
            None => found(
                query(
                    "SELECT id FROM ingredients WHERE NOT is_personal AND name = $1 \
                     AND category_id IS NOT DISTINCT FROM $2 ORDER BY id LIMIT 1",
                )
                .bind(ingredient.name.as_str())
                .bind(category)
                .fetch_optional(&mut self.tx)
                .await?,
            ),
        };
        let personal_owner = owner.map(|_| ingredient.created_by.unwrap_or_default());
        let id = match existing {
            Existing::Found(id) => {
                let overwrite = self.options.on_conflict == OnConflict::Update;
                match (owner.is_some(), self.options.on_conflict) {
                    (true, OnConflict::Fail) => {
                        return Err(self.clash(&format!("ingredient {:?}", ingredient.name)));
                    }
                    (true, OnConflict::Skip) => Self::count(&mut self.report.skipped, "ingredient"),
                    (false, _) if !overwrite => Self::count(&mut self.report.matched, "ingredient"),
                    _ => {
                        query(
                            "UPDATE ingredients SET proteins = $2, fats = $3, carbs = $4, \
                             calories = $5, fibers = $6, sugars = $7, description = $8, \
                             updated_at = $9 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(ingredient.proteins)
                        .bind(ingredient.fats)
                        .bind(ingredient.carbs)
                        .bind(ingredient.calories)
                        .bind(ingredient.fibers)
                        .bind(ingredient.sugars)
                        .bind(ingredient.description)
                        .bind(ingredient.updated_at)
                        .execute(&mut self.tx)
                        .await?;
                        Self::count(&mut self.report.updated, "ingredient");
                    }
                }
                id
            }
            Existing::None => {
                let creator = ingredient
                    .created_by
                    .and_then(|user| self.users.get(&user))
                    .map(|owner| owner.id);
                let values = vec![
                    Value::from(ingredient.name),
                    Value::from(category),
                    Value::from(ingredient.proteins),
                    Value::from(ingredient.fats),
                    Value::from(ingredient.carbs),
                    Value::from(ingredient.calories),
                    Value::from(ingredient.fibers),
                    Value::from(ingredient.sugars),
                    Value::from(ingredient.description),
                    Value::from(ingredient.is_personal),
                    Value::from(creator),
                    Value::from(ingredient.created_at),
                    Value::from(ingredient.updated_at),
                ];
                let columns = [
                    "name",
                    "category_id",
                    "proteins",
                    "fats",
                    "carbs",
                    "calories",
                    "fibers",
                    "sugars",
                    "description",
                    "is_personal",
                    "created_by",
                    "created_at",
                    "updated_at",
                ];
                let id = self
                    .insert("ingredients", ingredient.id, &columns, values)
                    .await?;
                Self::count(&mut self.report.created, "ingredient");
                id
            }
        };
        self.ingredients.insert(ingredient.id, (id, personal_owner));
        Ok(())
    }

    /// The new id of an ingredient the row's user may use: public, or their own.
    fn usable_ingredient(&self, ingredient: i64, user: i64) -> Result<i64> {
        match self.ingredients.get(&ingredient) {
            None => Err(Error::rejected(format!(
                "refers to ingredient {ingredient}, which is not earlier in the archive"
            ))),
            Some((_, Some(owner))) if *owner != user => Err(Error::rejected(format!(
                "refers to ingredient {ingredient}, another user's personal ingredient"
            ))),
            Some((id, _)) => Ok(*id),
        }
    }

    async fn diet(&mut self, diet: ArchivedDiet) -> Result<()> {
        let owner = self.owner(diet.user_id)?;
        let existing = if self.may_exist("diets", owner) {
            found(
                query(
                    "SELECT id FROM diets WHERE user_id = $1 AND created_at = $2 AND name = $3 \
                     ORDER BY id LIMIT 1",
                )
                .bind(owner.id)
                .bind(diet.created_at)
                .bind(diet.name.as_str())
                .fetch_optional(&mut self.tx)
                .await?,
            )
        } else {
            Existing::None
        };
        if diet.is_active && !owner.new && self.options.on_conflict != OnConflict::Skip {
            // The archive's active diet becomes the one active diet.
            query("UPDATE diets SET is_active = false WHERE user_id = $1 AND is_active")
                .bind(owner.id)
                .execute(&mut self.tx)
                .await?;
        }
        let values = vec![
            Value::from(owner.id),
            Value::from(diet.name),
            Value::from(diet.day_proteins_g),
            Value::from(diet.day_fats_g),
            Value::from(diet.day_carbohydrates_g),
            Value::from(diet.day_calories_kcal),
            Value::from(diet.is_active),
            Value::from(diet.start_date),
            Value::from(diet.end_date),
            Value::from(diet.notes),
            Value::from(diet.created_at),
            Value::from(diet.updated_at),
        ];
        let columns = [
            "user_id",
            "name",
            "day_proteins_g",
            "day_fats_g",
            "day_carbohydrates_g",
            "day_calories_kcal",
            "is_active",
            "start_date",
            "end_date",
            "notes",
            "created_at",
            "updated_at",
        ];
        let id = self
            .write("diets", "diet", diet.id, existing, &columns, values)
            .await?;
        self.diets.insert(
            diet.id,
            Imported {
                id,
                owner: diet.user_id,
            },
        );
        Ok(())
    }

    /// Inserts a private row, or deals with its existing twin as the options say; returns its id.
    async fn write(
        &mut self,
        table: &'static str,
        kind: &'static str,
        archive_id: i64,
        existing: Existing,
        columns: &[&'static str],
        values: Vec<Value>,
    ) -> Result<i64> {
        match existing {
            Existing::None => {
                let id = self.insert(table, archive_id, columns, values).await?;
                Self::count(&mut self.report.created, kind);
                Ok(id)
            }
            Existing::Found(id) => match self.options.on_conflict {
                OnConflict::Fail => Err(self.clash(&format!("this {kind} (id {archive_id})"))),
                OnConflict::Skip => {
                    Self::count(&mut self.report.skipped, kind);
                    Ok(id)
                }
                OnConflict::Update => {
                    let mut statement = Query::builder();
                    statement.push("UPDATE ").push(table).push(" SET ");
                    for (i, (column, value)) in columns.iter().zip(values).enumerate() {
                        if i > 0 {
                            statement.push(", ");
                        }
                        statement.push(column).push(" = ").push_bind(value);
                    }
                    statement.push(" WHERE id = ").push_bind(id);
                    statement.execute(&mut self.tx).await?;
                    Self::count(&mut self.report.updated, kind);
                    Ok(id)
                }
            },
        }
    }

    async fn meal(&mut self, meal: ArchivedMeal) -> Result<()> {
        let owner = self.owner(meal.user_id)?;
        let diet = self.diets.get(&meal.diet_id).copied().ok_or_else(|| {
            Error::rejected(format!(
                "refers to diet {}, which is not earlier in the archive",
                meal.diet_id
            ))
        })?;
        if diet.owner != meal.user_id {
            return Err(Error::rejected(format!(
                "is in diet {}, which belongs to another user",
                meal.diet_id
            )));
        }
        let existing = if self.may_exist("meals", owner) {
            found(
                query(
                    "SELECT id FROM meals WHERE user_id = $1 AND created_at = $2 AND name = $3 \
                     ORDER BY id LIMIT 1",
                )
                .bind(owner.id)
                .bind(meal.created_at)
                .bind(meal.name.as_str())
                .fetch_optional(&mut self.tx)
                .await?,
            )
        } else {
            Existing::None
        };
        let values = vec![
            Value::from(owner.id),
            Value::from(diet.id),
            Value::from(meal.name),
            Value::from(meal.description),
            Value::from(meal.is_scheduled),
            Value::from(meal.start_date),
            Value::from(meal.end_date),
            Value::from(meal.start_time),
            Value::from(meal.duration_minutes),
            Value::from(meal.recurrence_type),
            Value::from(meal.recurrence_until),
            Value::from(meal.meal_type),
            Value::from(meal.created_at),
            Value::from(meal.updated_at),
        ];
        let columns = [
            "user_id",
            "diet_id",
            "name",
            "description",
            "is_scheduled",
            "start_date",
            "end_date",
            "start_time",
            "duration_minutes",
            "recurrence_type",
            "recurrence_until",
            "meal_type",
            "created_at",
            "updated_at",
        ];
        let id = self
            .write("meals", "meal", meal.id, existing, &columns, values)
            .await?;
        self.meals.insert(
            meal.id,
            Imported {
                id,
                owner: meal.user_id,
            },
        );
        Ok(())
    }

    fn meal_of(&self, meal: i64, user: i64) -> Result<i64> {
        match self.meals.get(&meal) {
            None => Err(Error::rejected(format!(
                "refers to meal {meal}, which is not earlier in the archive"
            ))),
            Some(imported) if imported.owner != user => Err(Error::rejected(format!(
                "refers to meal {meal}, which belongs to another user"
            ))),
            Some(imported) => Ok(imported.id),
        }
    }

    /// A private row that nothing refers to: batched when it cannot exist yet, else looked up.
    async fn leaf(
        &mut self,
        table: &'static str,
        kind: &'static str,
        archive_id: i64,
        lookup: Option<Query>,
        columns: &[&'static str],
        values: Vec<Value>,
    ) -> Result<()> {
        let existing = match lookup {
            Some(lookup) => found(lookup.fetch_optional(&mut self.tx).await?),
            None => Existing::None,
        };
        if let Existing::Found(_) = existing {
            self.write(table, kind, archive_id, existing, columns, values)
                .await?;
            return Ok(());
        }
        let keep_id = self.id_column(table, archive_id);
        let batch = self.batches.entry(table).or_insert_with(|| {
            let mut names: Vec<&'static str> = columns.to_vec();
            if keep_id.is_some() {
                names.insert(0, "id");
            }
            Batch::new(table, names)
        });
        let mut row = values;
        if let Some((_, id)) = keep_id {
            row.insert(0, id);
        }
        batch.push(row);
        if batch.is_full() {
            batch.flush(&mut self.tx).await?;
        }
        Self::count(&mut self.report.created, kind);
        Ok(())
    }

    async fn meal_ingredient(&mut self, item: ArchivedMealIngredient) -> Result<()> {
        let owner = self.owner(item.user_id)?;
        let meal = self.meal_of(item.meal_id, item.user_id)?;
        let ingredient = self.usable_ingredient(item.ingredient_id, item.user_id)?;
        let lookup = self.may_exist("meal_ingredients", owner).then(|| {
            query(
                "SELECT id FROM meal_ingredients WHERE user_id = $1 AND created_at = $2 \
                 AND meal_id = $3 AND ingredient_id = $4 ORDER BY id LIMIT 1",
            )
            .bind(owner.id)
            .bind(item.created_at)
            .bind(meal)
            .bind(ingredient)
        });
        let values = vec![
            Value::from(owner.id),
            Value::from(meal),
            Value::from(ingredient),
            Value::from(item.barcode),
            Value::from(item.quantity),
            Value::from(item.unit),
            Value::from(item.created_at),
            Value::from(item.updated_at),
        ];
        let columns = [
            "user_id",
            "meal_id",
            "ingredient_id",
            "barcode",
            "quantity",
            "unit",
            "created_at",
            "updated_at",
        ];
        self.leaf(
            "meal_ingredients",
            "meal_ingredient",
            item.id,
            lookup,
            &columns,
            values,
        )
        .await
    }

    async fn meal_record(&mut self, record: ArchivedMealRecord) -> Result<()> {
        let owner = self.owner(record.user_id)?;
        let meal = record
            .meal_id
            .map(|meal| self.meal_of(meal, record.user_id))
            .transpose()?;
        let lookup = self.may_exist("meal_records", owner).then(|| {
            query(
                "SELECT id FROM meal_records WHERE user_id = $1 AND created_at = $2 \
                 AND \"timestamp\" = $3 ORDER BY id LIMIT 1",
            )
            .bind(owner.id)
            .bind(record.created_at)
            .bind(record.timestamp)
        });
        let values = vec![
            Value::from(owner.id),
            Value::from(meal),
            Value::from(record.meal_name),
            Value::from(record.quantity_grams),
            Value::from(record.calories),
            Value::from(record.proteins),
            Value::from(record.carbs),
            Value::from(record.fats),
            Value::from(record.timestamp),
            Value::from(record.feedback),
            Value::from(record.created_at),
            Value::from(record.updated_at),
        ];
        let columns = [
            "user_id",
            "meal_id",
            "meal_name",
            "quantity_grams",
            "calories",
            "proteins",
            "carbs",
            "fats",
            "\"timestamp\"",
            "feedback",
            "created_at",
            "updated_at",
        ];
        self.leaf(
            "meal_records",
            "meal_record",
            record.id,
            lookup,
            &columns,
            values,
        )
        .await
    }

    async fn preference(&mut self, preference: ArchivedPreference) -> Result<()> {
        let owner = self.owner(preference.user_id)?;
        let ingredient = self.usable_ingredient(preference.ingredient_id, preference.user_id)?;
        let lookup = self.may_exist("meal_preferences", owner).then(|| {
            query(
                "SELECT id FROM meal_preferences WHERE user_id = $1 AND created_at = $2 \
                 AND ingredient_id = $3 ORDER BY id LIMIT 1",
            )
            .bind(owner.id)
            .bind(preference.created_at)
            .bind(ingredient)
        });
        let values = vec![
            Value::from(owner.id),
            Value::from(ingredient),
            Value::from(preference.barcode),
            Value::from(preference.description),
            Value::from(preference.preference_type),
            Value::from(preference.created_at),
            Value::from(preference.updated_at),
        ];
        let columns = [
            "user_id",
            "ingredient_id",
            "barcode",
            "description",
            "preference_type",
            "created_at",
            "updated_at",
        ];
        self.leaf(
            "meal_preferences",
            "meal_preference",
            preference.id,
            lookup,
            &columns,
            values,
        )
        .await
    }

    /// Goals keep their UUIDs everywhere: they are unique across instances.
    async fn goal(&mut self, goal: ArchivedGoal) -> Result<()> {
        let owner = self.owner(goal.user_id)?;
        if !self.empty.contains("goals") {
            let holder: Option<(i64,)> = query("SELECT user_id FROM goals WHERE id = $1")
                .bind(goal.id.0)
                .fetch_optional(&mut self.tx)
                .await?;
            match holder {
                Some((user,)) if user != owner.id => {
                    return Err(Error::rejected(format!(
                        "goal {} belongs to another user here",
                        goal.id.0
                    )));
                }
                Some(_) => match self.options.on_conflict {
                    OnConflict::Fail => {
                        return Err(self.clash(&format!("goal {}", goal.id.0)));
                    }
                    OnConflict::Skip => {
                        Self::count(&mut self.report.skipped, "goal");
                        return Ok(());
                    }
                    OnConflict::Update => {
                        query(
                            "UPDATE goals SET goal_type = $2, target_date = $3, notes = $4, \
                             is_active = $5, updated_at = $6 WHERE id = $1",
                        )
                        .bind(goal.id.0)
                        .bind(goal.goal_type)
                        .bind(goal.target_date)
                        .bind(goal.notes)
                        .bind(goal.is_active)
                        .bind(goal.updated_at)
                        .execute(&mut self.tx)
                        .await?;
                        Self::count(&mut self.report.updated, "goal");
                        return Ok(());
                    }
                },
                None => {}
            }
        }
        let batch = self.batches.entry("goals").or_insert_with(|| {
            Batch::new(
                "goals",
                vec![
                    "id",
                    "user_id",
                    "goal_type",
                    "target_date",
                    "notes",
                    "is_active",
                    "created_at",
                    "updated_at",
                ],
            )
        });
        batch.push(vec![
            Value::from(goal.id.0),
            Value::from(owner.id),
            Value::from(goal.goal_type),
            Value::from(goal.target_date),
            Value::from(goal.notes),
            Value::from(goal.is_active),
            Value::from(goal.created_at),
            Value::from(goal.updated_at),
        ]);
        if batch.is_full() {
            batch.flush(&mut self.tx).await?;
        }
        Self::count(&mut self.report.created, "goal");
        Ok(())
    }

    async fn measurement(&mut self, measurement: ArchivedMeasurement) -> Result<()> {
        let owner = self.owner(measurement.user_id)?;
        let lookup = self.may_exist("body_measurements", owner).then(|| {
            query(
                "SELECT id FROM body_measurements WHERE user_id = $1 AND created_at = $2 \
                 AND \"timestamp\" = $3 AND metric = $4 ORDER BY id LIMIT 1",
            )
            .bind(owner.id)
            .bind(measurement.created_at)
            .bind(measurement.timestamp)
            .bind(measurement.metric.as_str())
        });
        let values = vec![
            Value::from(owner.id),
            Value::from(measurement.metric),
            Value::from(measurement.measurement_type),
            Value::from(measurement.value),
            Value::from(measurement.timestamp),
            Value::from(measurement.created_at),
            Value::from(measurement.updated_at),
        ];
        let columns = [
            "user_id",
            "metric",
            "measurement_type",
            "value",
            "\"timestamp\"",
            "created_at",
            "updated_at",
        ];
        self.leaf(
            "body_measurements",
            "body_measurement",
            measurement.id,
            lookup,
            &columns,
            values,
        )
        .await
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

fn found(row: Option<(i64,)>) -> Existing {
    match row {
        Some((id,)) => Existing::Found(id),
        None => Existing::None,
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
