//! Queries written once, run on PostgreSQL or SQLite.
//!
//! A [`Query`] is SQL text with `$n` placeholders (which both databases accept) and the values to
//! bind, each tagged with its type so that every backend encodes it natively. It runs on the pool
//! or inside a [`Transaction`]. Domain code builds a query and never matches on the backend,
//! except where the dialects really differ (see [`Dialect`]).

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteRow};
use sqlx::{Arguments, AssertSqlSafe, FromRow, Postgres, Sqlite};
use time::{Date, Time};
use tokio::sync::OwnedSemaphorePermit;
use uuid::Uuid;

use super::{Database, handover};
use crate::datetime::Timestamp;

/// Statements running on (or waiting for) a pool connection, in this process: with the pool's
/// own counts, how many wait. A process has one pool in practice, so one counter serves.
static POOL_DEMAND: AtomicI64 = AtomicI64::new(0);

pub(crate) fn pool_demand() -> i64 {
    POOL_DEMAND.load(Ordering::Relaxed)
}

/// Counts a statement on the pool while it lives.
struct Demand;

impl Demand {
    fn on(executor: &Executor<'_>) -> Option<Demand> {
        matches!(executor, Executor::Pool(_)).then(|| {
            POOL_DEMAND.fetch_add(1, Ordering::Relaxed);
            Demand
        })
    }
}

impl Drop for Demand {
    fn drop(&mut self) {
        POOL_DEMAND.fetch_sub(1, Ordering::Relaxed);
    }
}

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

/// SQL and its parameters.
#[derive(Debug, Clone)]
pub struct Query {
    sql: Cow<'static, str>,
    values: Vec<Value>,
}

/// A query over a fixed SQL text; bind its `$1 … $n` in order with [`Query::bind`].
pub fn query(sql: &'static str) -> Query {
    Query {
        sql: Cow::Borrowed(sql),
        values: Vec::new(),
    }
}

impl Query {
    /// An empty query to be assembled with [`Query::push`] and [`Query::push_bind`].
    pub fn builder() -> Query {
        Query {
            sql: Cow::Owned(String::new()),
            values: Vec::new(),
        }
    }

    /// SQL already written with its placeholders, and their values in order. For the few places
    /// that need another placeholder style (SQLite's `?NNN` in bulk inserts).
    pub(crate) fn from_parts(sql: String, values: Vec<Value>) -> Query {
        Query {
            sql: Cow::Owned(sql),
            values,
        }
    }

    /// Puts `sql` before the statement, e.g. `WITH written AS (` to wrap it; its placeholders keep
    /// their numbers.
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

    pub async fn fetch_all<'e, T: Record>(
        self,
        executor: impl Into<Executor<'e>>,
    ) -> sqlx::Result<Vec<T>> {
        let mut handed_over = None;
        let executor = executor.into().or_handed_over(&mut handed_over);
        let _demand = Demand::on(&executor);
        match executor {
            Executor::Pool(Database::Postgres(pool)) => self.pg::<T>()?.fetch_all(pool).await,
            Executor::Pool(Database::Sqlite(pool, _)) => self.sqlite::<T>()?.fetch_all(pool).await,
            Executor::Tx(Transaction::Postgres(tx)) => self.pg::<T>()?.fetch_all(&mut **tx).await,
            Executor::Tx(Transaction::Sqlite(tx, _)) => {
                self.sqlite::<T>()?.fetch_all(&mut **tx).await
            }
            Executor::Conn(Connection::Postgres(conn, _)) => {
                self.pg::<T>()?.fetch_all(&mut **conn).await
            }
            Executor::Conn(Connection::Sqlite(conn, _)) => {
                self.sqlite::<T>()?.fetch_all(&mut **conn).await
            }
        }
    }

    pub async fn fetch_optional<'e, T: Record>(
        self,
        executor: impl Into<Executor<'e>>,
    ) -> sqlx::Result<Option<T>> {
        let mut handed_over = None;
        let executor = executor.into().or_handed_over(&mut handed_over);
        let _demand = Demand::on(&executor);
        match executor {
            Executor::Pool(Database::Postgres(pool)) => self.pg::<T>()?.fetch_optional(pool).await,
            Executor::Pool(Database::Sqlite(pool, _)) => {
                self.sqlite::<T>()?.fetch_optional(pool).await
            }
            Executor::Tx(Transaction::Postgres(tx)) => {
                self.pg::<T>()?.fetch_optional(&mut **tx).await
            }
            Executor::Tx(Transaction::Sqlite(tx, _)) => {
                self.sqlite::<T>()?.fetch_optional(&mut **tx).await
            }
            Executor::Conn(Connection::Postgres(conn, _)) => {
                self.pg::<T>()?.fetch_optional(&mut **conn).await
            }
            Executor::Conn(Connection::Sqlite(conn, _)) => {
                self.sqlite::<T>()?.fetch_optional(&mut **conn).await
            }
        }
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

    /// Runs a statement; returns the number of rows it affected.
    pub async fn execute<'e>(self, executor: impl Into<Executor<'e>>) -> sqlx::Result<u64> {
        let (sql, values) = (AssertSqlSafe(self.sql), self.values);
        let mut handed_over = None;
        let executor = executor.into().or_handed_over(&mut handed_over);
        let _demand = Demand::on(&executor);
        match executor {
            Executor::Pool(Database::Postgres(pool)) => {
                let query = sqlx::query_with(sql, pg_arguments(values)?);
                Ok(query.execute(pool).await?.rows_affected())
            }
            Executor::Pool(Database::Sqlite(pool, _)) => {
                let query = sqlx::query_with(sql, sqlite_arguments(values)?);
                Ok(query.execute(pool).await?.rows_affected())
            }
            Executor::Tx(Transaction::Postgres(tx)) => {
                let query = sqlx::query_with(sql, pg_arguments(values)?);
                Ok(query.execute(&mut **tx).await?.rows_affected())
            }
            Executor::Tx(Transaction::Sqlite(tx, _)) => {
                let query = sqlx::query_with(sql, sqlite_arguments(values)?);
                Ok(query.execute(&mut **tx).await?.rows_affected())
            }
            Executor::Conn(Connection::Postgres(conn, _)) => {
                let query = sqlx::query_with(sql, pg_arguments(values)?);
                Ok(query.execute(&mut **conn).await?.rows_affected())
            }
            Executor::Conn(Connection::Sqlite(conn, _)) => {
                let query = sqlx::query_with(sql, sqlite_arguments(values)?);
                Ok(query.execute(&mut **conn).await?.rows_affected())
            }
        }
    }

    /// The rows one at a time, for work that must not hold a whole table in memory.
    pub fn fetch_stream<'a, T: Record + 'a>(
        self,
        db: &'a Database,
    ) -> BoxStream<'a, sqlx::Result<T>> {
        let failed = |error| futures_util::stream::once(async move { Err(error) }).boxed();
        match db {
            Database::Postgres(pool) => match self.pg::<T>() {
                Ok(query) => query.fetch(pool).boxed(),
                Err(error) => failed(error),
            },
            Database::Sqlite(pool, _) => match self.sqlite::<T>() {
                Ok(query) => query.fetch(pool).boxed(),
                Err(error) => failed(error),
            },
        }
    }

    fn pg<T>(self) -> sqlx::Result<sqlx::query::QueryAs<'static, Postgres, T, PgArguments>>
    where
        T: for<'r> FromRow<'r, PgRow>,
    {
        Ok(sqlx::query_as_with(
            AssertSqlSafe(self.sql),
            pg_arguments(self.values)?,
        ))
    }

    fn sqlite<T>(self) -> sqlx::Result<sqlx::query::QueryAs<'static, Sqlite, T, SqliteArguments>>
    where
        T: for<'r> FromRow<'r, SqliteRow>,
    {
        Ok(sqlx::query_as_with(
            AssertSqlSafe(self.sql),
            sqlite_arguments(self.values)?,
        ))
    }
}

fn pg_arguments(values: Vec<Value>) -> sqlx::Result<PgArguments> {
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

/// A write transaction. On SQLite it starts `IMMEDIATE`, taking the write lock up front: a
/// deferred transaction that reads and then writes can fail at once with "database is locked"
/// instead of waiting its turn. It also holds the process's [`WriteTurn`](super::WriteTurn) for
/// SQLite, so writers queue in order here rather than in SQLite's busy handler.
pub enum Transaction {
    Postgres(sqlx::Transaction<'static, Postgres>),
    Sqlite(sqlx::Transaction<'static, Sqlite>, OwnedSemaphorePermit),
}

impl Transaction {
    pub async fn begin(db: &Database) -> sqlx::Result<Transaction> {
        Ok(match db {
            // On the connection authentication parked, if any: one checkout per request.
            Database::Postgres(pool) => {
                let connection = match handover::take(db) {
                    Some(Connection::Postgres(connection, _)) => connection,
                    _ => pool.acquire().await?,
                };
                Transaction::Postgres(sqlx::Transaction::begin(connection, None).await?)
            }
            Database::Sqlite(pool, turn) => {
                // A parked connection goes back first: holding it while queued for the write
                // turn would keep it from the readers.
                drop(handover::take(db));
                let turn = turn.take().await?;
                Transaction::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, turn)
            }
        })
    }

    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Transaction::Postgres(tx) => tx.commit().await,
            Transaction::Sqlite(tx, _) => tx.commit().await,
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Transaction::Postgres(_) => Dialect::Postgres,
            Transaction::Sqlite(..) => Dialect::Sqlite,
        }
    }

    /// Streams `data` into a `COPY … FROM STDIN` statement (PostgreSQL's bulk load); returns the
    /// rows written. SQLite has no COPY: there, use multi-row `INSERT`s.
    pub async fn copy_in(&mut self, statement: &str, data: &[u8]) -> sqlx::Result<u64> {
        match self {
            Transaction::Postgres(tx) => {
                let mut copy = tx.copy_in_raw(statement).await?;
                copy.send(data).await?;
                copy.finish().await
            }
            Transaction::Sqlite(..) => Err(sqlx::Error::Protocol(
                "COPY is PostgreSQL's; SQLite loads with INSERT".to_owned(),
            )),
        }
    }
}

impl Query {
    /// Runs this query's `;`-separated statements as one SQLite write transaction and returns
    /// the rows they return: all of them happen, or none, even if the caller stops waiting.
    ///
    /// The statements go to the connection's thread in one trip, with `BEGIN IMMEDIATE` and
    /// `COMMIT`, where a [`Transaction`] takes a trip per statement; and scripts that wait for
    /// the [`WriteTurn`](super::WriteTurn) at the same time are written together, in one
    /// transaction (see `write_turn`). `$n` means the n-th bound value in every statement, so
    /// later statements may reuse earlier values.
    ///
    /// PostgreSQL has no such scripts with parameters; there, one statement with data-modifying
    /// `WITH`s does the same.
    pub async fn fetch_all_atomically<T: Record>(self, db: &Database) -> sqlx::Result<Vec<T>> {
        let Database::Sqlite(pool, turn) = db else {
            return Err(sqlx::Error::Protocol(
                "atomic scripts are SQLite's; on PostgreSQL use one statement".to_owned(),
            ));
        };
        // As in `Transaction::begin`: not holding a connection while queued for the turn.
        drop(handover::take(db));
        let rows = turn.write_script(pool, self.sql, self.values).await?;
        rows.iter().map(T::from_row).collect()
    }
}

/// One pool connection, held for several statements in a row (outside a transaction). They
/// then share one checkout and one return, which sqlx tests with a round trip to the database,
/// instead of paying both per statement. It remembers its pool's options, which identify the pool.
pub enum Connection {
    Postgres(PoolConnection<Postgres>, Arc<PgConnectOptions>),
    Sqlite(PoolConnection<Sqlite>, Arc<SqliteConnectOptions>),
}

impl Connection {
    /// A connection from `db`'s pool: the one parked for this task (see [`handover`]), if any.
    pub async fn acquire(db: &Database) -> sqlx::Result<Connection> {
        if let Some(parked) = handover::take(db) {
            return Ok(parked);
        }
        Ok(match db {
            Database::Postgres(pool) => {
                Connection::Postgres(pool.acquire().await?, pool.connect_options())
            }
            Database::Sqlite(pool, _) => {
                Connection::Sqlite(pool.acquire().await?, pool.connect_options())
            }
        })
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Connection::Postgres(..) => Dialect::Postgres,
            Connection::Sqlite(..) => Dialect::Sqlite,
        }
    }
}

/// Where a query runs: on the pool, on one held connection, or inside a transaction.
pub enum Executor<'e> {
    Pool(&'e Database),
    Conn(&'e mut Connection),
    Tx(&'e mut Transaction),
}

impl<'e> Executor<'e> {
    /// The pool, unless a connection is parked for this task (see [`handover`]): then that one,
    /// kept in `slot` for the statement and released after it.
    fn or_handed_over<'a>(self, slot: &'a mut Option<Connection>) -> Executor<'a>
    where
        'e: 'a,
    {
        match self {
            Executor::Pool(db) => match handover::take(db) {
                Some(parked) => Executor::Conn(slot.insert(parked)),
                None => Executor::Pool(db),
            },
            other => other,
        }
    }
}

impl<'e> From<&'e mut Connection> for Executor<'e> {
    fn from(conn: &'e mut Connection) -> Self {
        Executor::Conn(conn)
    }
}

impl<'e> From<&'e Database> for Executor<'e> {
    fn from(db: &'e Database) -> Self {
        Executor::Pool(db)
    }
}

impl<'e> From<&'e mut Transaction> for Executor<'e> {
    fn from(tx: &'e mut Transaction) -> Self {
        Executor::Tx(tx)
    }
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
