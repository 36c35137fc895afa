//! Queries written once, run on PostgreSQL or SQLite.
//!
//! A [`Query`] is SQL text with `$n` placeholders (which both databases accept) and the values to
//! bind, each tagged with its type so that every backend encodes it natively. It runs wherever an
//! [`Executor`] says: the pool, one held connection, or a transaction. Domain code builds a query
//! and never matches on the backend, except where the dialects really differ (see [`Dialect`]).

use std::borrow::Cow;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, AssertSqlSafe, FromRow};
use time::{Date, Time};
use uuid::Uuid;

use super::Access;
use super::Database;
use super::executor::{Executor, on_target};
use crate::datetime::Timestamp;
use crate::input::Choice;

/// A row type that both backends can decode: derive `sqlx::FromRow` on a struct whose fields
/// decode on both (integers, floats, text, booleans, `Date`, `Time`, [`Timestamp`]).
pub trait Record:
    for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + Send + Unpin
{
}

impl<T> Record for T where
    T: for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + Send + Unpin
{
}

/// A bound parameter. Each variant is nullable so that a `NULL` still has a type, which
/// PostgreSQL needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(Option<bool>),
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<String>),
    Date(Option<Date>),
    Time(Option<Time>),
    Timestamp(Option<Timestamp>),
    /// A native `uuid` on PostgreSQL, lower-case hyphenated text on SQLite.
    Uuid(Option<Uuid>),
}

macro_rules! value_from {
    ($($type:ty => $variant:ident),* $(,)?) => {$(
        impl From<$type> for Value {
            fn from(value: $type) -> Value {
                Value::$variant(Some(value.into()))
            }
        }
        impl From<Option<$type>> for Value {
            fn from(value: Option<$type>) -> Value {
                Value::$variant(value.map(Into::into))
            }
        }
    )*};
}

value_from! {
    bool => Bool,
    i64 => Int,
    i32 => Int,
    u32 => Int,
    f64 => Float,
    String => Text,
    &str => Text,
    Date => Date,
    Time => Time,
    Timestamp => Timestamp,
    Uuid => Uuid,
}

impl From<&String> for Value {
    fn from(value: &String) -> Value {
        Value::Text(Some(value.clone()))
    }
}

impl From<&Option<String>> for Value {
    fn from(value: &Option<String>) -> Value {
        Value::Text(value.clone())
    }
}

/// An enumeration of wire values ([`crate::choices!`]) binds as its spelling, the text its
/// column holds.
impl<C: Choice> From<C> for Value {
    fn from(choice: C) -> Value {
        Value::from(choice.as_str())
    }
}

/// SQL and its parameters.
#[derive(Debug, Clone)]
pub struct Query {
    sql: Cow<'static, str>,
    values: Vec<Value>,
    /// Whether the rows it fetches come from a change (`INSERT … RETURNING`).
    access: Access,
}

/// A query over a fixed SQL text; bind its `$1 … $n` in order with [`Query::bind`].
pub fn query(sql: &'static str) -> Query {
    Query {
        sql: Cow::Borrowed(sql),
        values: Vec::new(),
        access: Access::Read,
    }
}

impl Query {
    /// An empty query to be assembled with [`Query::push`] and [`Query::push_bind`].
    pub fn builder() -> Query {
        Query::from_parts(String::new(), Vec::new())
    }

    /// SQL already written with its placeholders, and their values in order. For the few places
    /// that need another placeholder style (SQLite's `?NNN` in bulk inserts).
    pub(crate) fn from_parts(sql: String, values: Vec<Value>) -> Query {
        Query {
            sql: Cow::Owned(sql),
            values,
            access: Access::Read,
        }
    }

    /// Marks a statement that changes the database and fetches rows (`INSERT … RETURNING`) run
    /// outside a transaction: on SQLite it goes to the writer, not to the readers, whose
    /// connections refuse to write. [`Query::execute`] needs no mark.
    pub fn writing(mut self) -> Query {
        self.access = Access::Write;
        self
    }

    /// Puts `sql` before the statement, e.g. `SELECT COUNT(*) FROM (` to wrap it; its placeholders
    /// keep their numbers.
    pub(crate) fn prefixed(mut self, sql: &str) -> Query {
        self.sql = Cow::Owned(format!("{sql}{}", self.sql));
        self
    }

    /// Binds the next `$n`.
    pub fn bind(mut self, value: impl Into<Value>) -> Query {
        self.values.push(value.into());
        self
    }

    /// Appends SQL text. Only ever pass fixed fragments: values go through [`Query::push_bind`].
    pub fn push(&mut self, sql: &str) -> &mut Query {
        self.sql.to_mut().push_str(sql);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn push_bind(&mut self, value: impl Into<Value>) -> &mut Query {
        self.values.push(value.into());
        let placeholder = format!("${}", self.values.len());
        self.sql.to_mut().push_str(&placeholder);
        self
    }

    /// Appends `$a, $b, …`, one placeholder per value: the inside of an `IN (…)`.
    pub fn push_bind_list<V: Into<Value>>(
        &mut self,
        values: impl IntoIterator<Item = V>,
    ) -> &mut Query {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_bind(value);
        }
        self
    }

    /// The number of values bound so far: the next placeholder is `$len+1`.
    pub fn bound(&self) -> usize {
        self.values.len()
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    pub(super) fn into_parts(self) -> (Cow<'static, str>, Vec<Value>) {
        (self.sql, self.values)
    }

    pub async fn fetch_all<'e, T: Record>(
        self,
        executor: impl Into<Executor<'e>>,
    ) -> sqlx::Result<Vec<T>> {
        on_target!(
            executor.into(),
            self.access,
            self.sql,
            self.values,
            |on, sql, arguments, persistent| {
                sqlx::query_as_with(sql, arguments)
                    .persistent(persistent)
                    .fetch_all(on)
                    .await
            }
        )
    }

    pub async fn fetch_optional<'e, T: Record>(
        self,
        executor: impl Into<Executor<'e>>,
    ) -> sqlx::Result<Option<T>> {
        on_target!(
            executor.into(),
            self.access,
            self.sql,
            self.values,
            |on, sql, arguments, persistent| {
                sqlx::query_as_with(sql, arguments)
                    .persistent(persistent)
                    .fetch_optional(on)
                    .await
            }
        )
    }

    pub async fn fetch_one<'e, T: Record>(
        self,
        executor: impl Into<Executor<'e>>,
    ) -> sqlx::Result<T> {
        self.fetch_optional(executor)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }

    /// The first column of the one row, e.g. a `COUNT(*)`.
    pub async fn fetch_scalar<'e, T>(self, executor: impl Into<Executor<'e>>) -> sqlx::Result<T>
    where
        (T,): Record,
    {
        Ok(self.fetch_one::<(T,)>(executor).await?.0)
    }

    /// Runs a statement that changes the database; returns the number of rows it affected. On
    /// the pool, SQLite runs it on its writer.
    pub async fn execute<'e>(self, executor: impl Into<Executor<'e>>) -> sqlx::Result<u64> {
        on_target!(
            executor.into(),
            Access::Write,
            self.sql,
            self.values,
            |on, sql, arguments, persistent| {
                Ok(sqlx::query_with(sql, arguments)
                    .persistent(persistent)
                    .execute(on)
                    .await?
                    .rows_affected())
            }
        )
    }

    /// The rows one at a time, for work that must not hold a whole table in memory.
    pub fn fetch_stream<'a, T: Record + 'a>(
        self,
        db: &'a Database,
    ) -> BoxStream<'a, sqlx::Result<T>> {
        let failed = |error| futures_util::stream::once(async move { Err(error) }).boxed();
        let sql = AssertSqlSafe(self.sql);
        match db {
            // Through a transaction pooler a stream's statement has no transaction to keep it on
            // one server connection: the README has such work use the direct URL.
            Database::Postgres(pools) => match pg_arguments(self.values) {
                Ok(arguments) => sqlx::query_as_with(sql, arguments)
                    .persistent(!pools.transaction_pooling)
                    .fetch(pools.primary())
                    .boxed(),
                Err(error) => failed(error),
            },
            Database::Sqlite(pools) => match sqlite_arguments(self.values) {
                Ok(arguments) => sqlx::query_as_with(sql, arguments)
                    .fetch(&pools.readers)
                    .boxed(),
                Err(error) => failed(error),
            },
        }
    }
}

pub(super) fn pg_arguments(values: Vec<Value>) -> sqlx::Result<PgArguments> {
    let mut arguments = PgArguments::default();
    for value in values {
        let added = match value {
            Value::Bool(v) => arguments.add(v),
            Value::Int(v) => arguments.add(v),
            Value::Float(v) => arguments.add(v),
            Value::Text(v) => arguments.add(v),
            Value::Date(v) => arguments.add(v),
            Value::Time(v) => arguments.add(v),
            Value::Timestamp(v) => arguments.add(v),
            Value::Uuid(v) => arguments.add(v),
        };
        added.map_err(sqlx::Error::Encode)?;
    }
    Ok(arguments)
}

pub(super) fn sqlite_arguments(values: Vec<Value>) -> sqlx::Result<SqliteArguments> {
    let mut arguments = SqliteArguments::default();
    for value in values {
        let added = match value {
            Value::Bool(v) => arguments.add(v),
            Value::Int(v) => arguments.add(v),
            Value::Float(v) => arguments.add(v),
            Value::Text(v) => arguments.add(v),
            Value::Date(v) => arguments.add(v),
            Value::Time(v) => arguments.add(v.map(crate::datetime::format_time)),
            Value::Timestamp(v) => arguments.add(v),
            Value::Uuid(v) => arguments.add(v.map(|uuid| uuid.hyphenated())),
        };
        added.map_err(sqlx::Error::Encode)?;
    }
    Ok(arguments)
}

/// The few places where PostgreSQL and SQLite spell things differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    /// Case-insensitive `LIKE`. SQLite's `LIKE` already ignores case, for ASCII letters only.
    pub fn ilike(self) -> &'static str {
        match self {
            Dialect::Postgres => "ILIKE",
            Dialect::Sqlite => "LIKE",
        }
    }

    /// Whole seconds since 1970 of a timestamp expression, rounded down. On PostgreSQL through
    /// `date_part`'s double (exact to the microsecond at today's epochs) rather than `EXTRACT`'s
    /// numeric, and on SQLite `unixepoch` rather than formatting the seconds as text: these run
    /// once per row of a diary, and cost a tenth of its statement otherwise.
    pub fn epoch_seconds(self, expression: &str) -> String {
        match self {
            Dialect::Postgres => {
                format!("CAST(FLOOR(date_part('epoch', {expression})) AS BIGINT)")
            }
            Dialect::Sqlite => format!("unixepoch({expression})"),
        }
    }
}

/// `%term%` for `LIKE … ESCAPE '\'`, with `%`, `_` and `\` in the term taken literally.
pub fn contains_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Whether `error` is a unique-constraint violation of `constraint` (an index or constraint
/// name). SQLite does not report names, only the columns or the index, so its message is searched
/// for `sqlite_hint` (e.g. `users.username` or `index 'users_email_key'`).
pub fn is_unique_violation(error: &sqlx::Error, constraint: &str, sqlite_hint: &str) -> bool {
    let Some(database_error) = error.as_database_error() else {
        return false;
    };
    database_error.is_unique_violation()
        && (database_error.constraint() == Some(constraint)
            || database_error.message().contains(sqlite_hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_numbers_placeholders_in_order() {
        let mut query = Query::builder();
        query.push("SELECT 1 WHERE a = ").push_bind(1i64);
        query.push(" AND b = ").push_bind("x");
        assert_eq!(query.sql(), "SELECT 1 WHERE a = $1 AND b = $2");
        assert_eq!(query.bound(), 2);
        query
            .push(" AND c IN (")
            .push_bind_list([3i64, 4, 5])
            .push(")");
        assert_eq!(
            query.sql(),
            "SELECT 1 WHERE a = $1 AND b = $2 AND c IN ($3, $4, $5)"
        );
    }

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
