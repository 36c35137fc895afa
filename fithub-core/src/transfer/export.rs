//! Writing an archive: every table streamed row by row, never held in memory.

use std::collections::BTreeMap;

use futures_util::TryStreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::records::*;
use super::table::{Table, column_list};
use super::{End, FORMAT, FORMAT_VERSION, Header, Line, Scope};
use crate::accounts::User;
use crate::datetime::Timestamp;
use crate::db::migrations;
use crate::db::{Database, Query, Record};
use crate::error::{Error, Result};

/// What to export.
#[derive(Debug, Clone)]
pub enum ExportScope {
    All,
    /// These users' data, with the categories and public ingredients it uses.
    Users(Vec<User>),
    /// One user's data as they download it themselves: as [`ExportScope::Users`], without their
    /// password hash (a stolen token must not yield an offline-crackable hash).
    Own(User),
}

/// Writes the archive of `scope` to `out`; returns the number of records of each type.
/// `progress` is told the number of records written so far, now and then.
pub async fn export<W: AsyncWrite + Unpin>(
    db: &Database,
    scope: &ExportScope,
    out: &mut W,
    mut progress: impl FnMut(u64),
) -> Result<BTreeMap<&'static str, u64>> {
    let users = user_ids(scope);
    let header = Header {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        schema_version: migrations::known_migrations(db)
            .iter()
            .map(|migration| migration.version)
            .max()
            .unwrap_or_default(),
        created_at: Timestamp::now(),
        scope: match scope {
            ExportScope::All => Scope::All,
            ExportScope::Users(users) => Scope::Users {
                usernames: users.iter().map(|user| user.username.clone()).collect(),
            },
            ExportScope::Own(user) => Scope::Users {
                usernames: vec![user.username.clone()],
            },
        },
    };
    let mut writer = LineWriter {
        out,
        buffer: Vec::with_capacity(1024),
        written: 0,
        counts: BTreeMap::new(),
    };
    writer.write(&Line::Header(header)).await?;

    let [
        users_rows,
        categories,
        ingredients,
        diets,
        meals,
        meal_ingredients,
        meal_records,
        preferences,
        goals,
        measurements,
    ] = queries(users.as_deref(), credentials(scope)).map(|(mut query, order)| {
        query.push(order);
        query
    });
    let p = &mut progress;
    writer.table(db, users_rows, Line::User, p).await?;
    writer.table(db, categories, Line::Category, p).await?;
    writer.table(db, ingredients, Line::Ingredient, p).await?;
    writer.table(db, diets, Line::Diet, p).await?;
    writer.table(db, meals, Line::Meal, p).await?;
    writer
        .table(db, meal_ingredients, Line::MealIngredient, p)
        .await?;
    writer.table(db, meal_records, Line::MealRecord, p).await?;
    writer
        .table(db, preferences, Line::MealPreference, p)
        .await?;
    writer.table(db, goals, Line::Goal, p).await?;
    writer
        .table(db, measurements, Line::BodyMeasurement, p)
        .await?;
    let records = writer.written;
    writer.write(&Line::End(End { records })).await?;
    writer
        .out
        .flush()
        .await
        .map_err(|error| Error::Internal(format!("writing the archive: {error}")))?;
    Ok(writer.counts)
}

/// How many data records [`export`] of `scope` would write now, for a progress bar's total: one
/// `COUNT(*)` per table over the export's own queries, without their ordering.
pub async fn count(db: &Database, scope: &ExportScope) -> Result<u64> {
    let mut total = 0;
    for (query, _order) in queries(user_ids(scope).as_deref(), credentials(scope)) {
        let mut counting = query.prefixed("SELECT COUNT(*) FROM (");
        counting.push(") AS counted");
        total += counting.fetch_scalar::<i64>(db).await?.max(0) as u64;
    }
    Ok(total)
}

/// The ids of the scope's users; `None` for everyone.
fn user_ids(scope: &ExportScope) -> Option<Vec<i64>> {
    match scope {
        ExportScope::All => None,
        ExportScope::Users(users) => Some(users.iter().map(|user| user.id).collect()),
        ExportScope::Own(user) => Some(vec![user.id]),
    }
}

/// Whether the archive carries password hashes.
fn credentials(scope: &ExportScope) -> bool {
    !matches!(scope, ExportScope::Own(_))
}

/// Each table's rows in file order, with the ORDER BY that [`export`] appends (a count needs
/// none).
fn queries(users: Option<&[i64]>, credentials: bool) -> [(Query, &'static str); 10] {
    let by_id = " ORDER BY id";
    [
        (users_query(users, credentials), by_id),
        (categories_query(users), " ORDER BY t.depth, c.id"),
        (ingredients_query(users), " ORDER BY i.id"),
        (owned_query::<ArchivedDiet>(users), by_id),
        (owned_query::<ArchivedMeal>(users), by_id),
        (owned_query::<ArchivedMealIngredient>(users), by_id),
        (owned_query::<ArchivedMealRecord>(users), by_id),
        (owned_query::<ArchivedPreference>(users), by_id),
        (owned_query::<ArchivedGoal>(users), by_id),
        (owned_query::<ArchivedMeasurement>(users), by_id),
    ]
}

struct LineWriter<'w, W> {
    out: &'w mut W,
    buffer: Vec<u8>,
    /// Data lines so far (not the header).
    written: u64,
    counts: BTreeMap<&'static str, u64>,
}

impl<W: AsyncWrite + Unpin> LineWriter<'_, W> {
    async fn write(&mut self, line: &Line) -> Result<()> {
        self.buffer.clear();
        serde_json::to_writer(&mut self.buffer, line)
            .map_err(|error| Error::Internal(format!("encoding a record: {error}")))?;
        self.buffer.push(b'\n');
        self.out
            .write_all(&self.buffer)
            .await
            .map_err(|error| Error::Internal(format!("writing the archive: {error}")))
    }

    /// Streams a table's rows into the archive.
    async fn table<T: Record + 'static>(
        &mut self,
        db: &Database,
        query: Query,
        wrap: fn(T) -> Line,
        progress: &mut impl FnMut(u64),
    ) -> Result<()> {
        let mut rows = query.fetch_stream::<T>(db);
        while let Some(row) = rows.try_next().await? {
            let line = wrap(row);
            *self.counts.entry(line.kind()).or_default() += 1;
            self.write(&line).await?;
            self.written += 1;
            if self.written.is_multiple_of(1000) {
                progress(self.written);
            }
        }
        progress(self.written);
        Ok(())
    }
}

/// Appends ` IN ($a, $b, …)` for the users.
fn push_users(query: &mut Query, users: &[i64]) {
    query
        .push(" IN (")
        .push_bind_list(users.iter().copied())
        .push(")");
}

fn users_query(users: Option<&[i64]>, credentials: bool) -> Query {
    // A user without a password has none in the archive either.
    let hash = format!("NULLIF(password_hash, '{NO_PASSWORD}') AS password_hash");
    let columns: Vec<&str> = ArchivedUser::COLUMNS
        .iter()
        .map(|column| match *column {
            "password_hash" if !credentials => "CAST(NULL AS TEXT) AS password_hash",
            "password_hash" => hash.as_str(),
            column => column,
        })
        .collect();
    let mut query = Query::builder();
    query
        .push("SELECT id, ")
        .push(&columns.join(", "))
        .push(" FROM users");
    if let Some(users) = users {
        query.push(" WHERE id");
        push_users(&mut query, users);
    }
    query
}

/// `created_by`, kept only for users in the archive.
fn push_creator(query: &mut Query, alias: &str, users: Option<&[i64]>) {
    match users {
        None => {
            query.push(alias).push(".created_by");
        }
        Some(users) => {
            query.push("CASE WHEN ").push(alias).push(".created_by");
            push_users(query, users);
            query
                .push(" THEN ")
                .push(alias)
                .push(".created_by END AS created_by");
        }
    }
}

/// The ingredients of a per-user archive: the users' own, and the public ones they use.
fn push_ingredient_scope(query: &mut Query, users: &[i64]) {
    query.push("((i.is_personal AND i.created_by");
    push_users(query, users);
    query.push(") OR (NOT i.is_personal AND i.id IN (SELECT ingredient_id FROM meal_ingredients WHERE user_id");
    push_users(query, users);
    query.push(" UNION SELECT ingredient_id FROM meal_preferences WHERE user_id");
    push_users(query, users);
    query.push(")))");
}

/// Parents before children (by depth in the tree); for a per-user archive, only the categories
/// of its ingredients and their ancestors.
fn categories_query(users: Option<&[i64]>) -> Query {
    let mut query = Query::builder();
    query.push(
        "WITH RECURSIVE tree (id, depth) AS ( \
         SELECT id, 0 FROM categories WHERE parent_id IS NULL \
         UNION ALL SELECT c.id, t.depth + 1 FROM categories c JOIN tree t ON c.parent_id = t.id)",
    );
    if let Some(users) = users {
        query.push(", wanted (id) AS ( SELECT i.category_id FROM ingredients i WHERE i.category_id IS NOT NULL AND ");
        push_ingredient_scope(&mut query, users);
        query.push(
            " UNION SELECT c.parent_id FROM categories c JOIN wanted w ON c.id = w.id \
             WHERE c.parent_id IS NOT NULL)",
        );
    }
    query.push(" SELECT c.id, c.name, c.parent_id, ");
    push_creator(&mut query, "c", users);
    query.push(", c.created_at, c.updated_at FROM categories c JOIN tree t ON t.id = c.id");
    if users.is_some() {
        query.push(" WHERE c.id IN (SELECT id FROM wanted)");
    }
    query
}

fn ingredients_query(users: Option<&[i64]>) -> Query {
    let mut query = Query::builder();
    query.push(
        "SELECT i.id, i.name, i.category_id, i.proteins, i.fats, i.carbs, i.calories, i.fibers, \
         i.sugars, i.description, i.is_personal, ",
    );
    push_creator(&mut query, "i", users);
    query.push(", i.created_at, i.updated_at FROM ingredients i");
    if let Some(users) = users {
        query.push(" WHERE ");
        push_ingredient_scope(&mut query, users);
    }
    query
}

/// A private table, all of it or the users' rows: the columns its record declares.
fn owned_query<T: Table>(users: Option<&[i64]>) -> Query {
    let mut query = Query::builder();
    query
        .push("SELECT id, ")
        .push(&column_list(T::COLUMNS))
        .push(" FROM ")
        .push(T::TABLE);
    if let Some(users) = users {
        query.push(" WHERE user_id");
        push_users(&mut query, users);
    }
    query
}
