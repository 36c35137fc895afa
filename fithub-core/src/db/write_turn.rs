//! SQLite's writers, one at a time, and its atomic scripts in groups.
//!
//! SQLite has one writer at a time. Left to SQLite, waiting writers poll with sleeps that grow to
//! 100 ms (its busy handler), which made the slowest 1 % of concurrent writes take 0.4 s; queued
//! on [`WriteTurn`], each starts as soon as the previous one commits. Other processes (the CLI)
//! still meet the busy handler.
//!
//! Atomic scripts (see [`Query::fetch_all_atomically`](super::Query::fetch_all_atomically)) go
//! further: a task of their own takes every script waiting when the turn comes, and writes them
//! in one transaction, in one trip to the connection's thread (group commit). Under load the
//! turn then passes once per group instead of once per script, and the commit and its share of
//! checkpointing are paid once per group too. A script that fails sends the group back to be
//! written one script at a time, so that it fails alone.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{AssertSqlSafe, Column, Row, Sqlite};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

use super::query::{Value, sqlite_arguments};

/// The most scripts written in one group, and the most values they may bind between them
/// (SQLite's limit is 32,766).
const MOST_SCRIPTS: usize = 64;
const MOST_VALUES: usize = 30_000;

/// The column of the row that closes each script of a group (`SELECT 1 AS` it): the rows after
/// it belong to the next script.
const BOUNDARY_COLUMN: &str = "fithub_script_boundary";

/// The process's turn to write to its SQLite database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct WriteTurn {
    turn: Arc<Semaphore>,
    /// The group-writing task's queue, started by the first script.
    scripts: Arc<OnceLock<mpsc::UnboundedSender<Script>>>,
}

impl Default for WriteTurn {
    fn default() -> Self {
        WriteTurn {
            turn: Arc::new(Semaphore::new(1)),
            scripts: Arc::default(),
        }
    }
}

impl WriteTurn {
    /// Waits for the turn; it passes on when the permit is dropped.
    pub(super) async fn take(&self) -> sqlx::Result<OwnedSemaphorePermit> {
        take(&self.turn).await
    }

    /// Writes `sql`'s statements atomically, in a group with any others waiting; returns the
    /// rows they returned. The write happens even if the caller stops waiting.
    pub(super) async fn write_script(
        &self,
        pool: &SqlitePool,
        sql: Cow<'static, str>,
        values: Vec<Value>,
    ) -> sqlx::Result<Vec<SqliteRow>> {
        let queue = self.scripts.get_or_init(|| {
            let (queue, scripts) = mpsc::unbounded_channel();
            // The task holds the turn but not the queue: it ends when the last clone of this
            // `WriteTurn` is dropped.
            tokio::spawn(write_in_groups(
                pool.clone(),
                Arc::clone(&self.turn),
                scripts,
            ));
            queue
        });
        let (reply, written) = oneshot::channel();
        let script = Script { sql, values, reply };
        queue.send(script).map_err(|_| sqlx::Error::PoolClosed)?;
        written.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

async fn take(turn: &Arc<Semaphore>) -> sqlx::Result<OwnedSemaphorePermit> {
    Arc::clone(turn)
        .acquire_owned()
        .await
        .map_err(|_| sqlx::Error::PoolClosed)
}

/// One caller's statements, and where its rows go.
#[derive(Debug)]
struct Script {
    sql: Cow<'static, str>,
    values: Vec<Value>,
    reply: oneshot::Sender<sqlx::Result<Vec<SqliteRow>>>,
}

impl Script {
    fn answer(self, written: sqlx::Result<Vec<SqliteRow>>) {
        // A caller that stopped waiting does not need its answer.
        let _ = self.reply.send(written);
    }
}

/// The group-writing task: runs until every [`WriteTurn`] holding its queue is dropped.
async fn write_in_groups(
    pool: SqlitePool,
    turn: Arc<Semaphore>,
    mut scripts: mpsc::UnboundedReceiver<Script>,
) {
    let mut next = None;
    loop {
        let first = match next.take() {
            Some(script) => script,
            None => match scripts.recv().await {
                Some(script) => script,
                None => return,
            },
        };
        let taken = async { Ok((take(&turn).await?, pool.acquire().await?)) }.await;
        let (_permit, connection) = match taken {
            Ok(taken) => taken,
            Err(error) => {
                first.answer(Err(error));
                continue;
            }
        };
        // Everything that queued meanwhile joins the group, within SQLite's limits.
        let mut values = first.values.len();
        let mut group = vec![first];
        while group.len() < MOST_SCRIPTS {
            let Ok(script) = scripts.try_recv() else {
                break;
            };
            if values + script.values.len() > MOST_VALUES {
                next = Some(script);
                break;
            }
            values += script.values.len();
            group.push(script);
        }
        write_group(connection, group).await;
    }
}

/// Writes the group in one transaction, or, if any script fails, each script alone.
async fn write_group(connection: PoolConnection<Sqlite>, group: Vec<Script>) {
    let mut held = ClosedUnlessSettled {
        connection,
        settled: true,
    };
    if group.len() > 1 {
        let values = group
            .iter()
            .flat_map(|s| s.values.iter().cloned())
            .collect();
        if let Ok(rows) = write_atomically(&mut held, &group_sql(&group), values, false).await {
            match split_at_boundaries(rows, group.len()) {
                Some(rows) => {
                    for (script, rows) in group.into_iter().zip(rows) {
                        script.answer(Ok(rows));
                    }
                }
                // Committed, so never written again; only a script that hides the boundary
                // after it (an unterminated `/*` comment, say) gets here.
                None => {
                    for script in group {
                        script.answer(Err(sqlx::Error::Protocol(
                            "a script of the group hid its boundary".to_owned(),
                        )));
                    }
                }
            }
            return;
        }
    }
    for mut script in group {
        if !held.settled {
            script.answer(Err(sqlx::Error::PoolClosed));
            continue;
        }
        let values = std::mem::take(&mut script.values);
        let written = write_atomically(&mut held, &script.sql, values, true).await;
        script.answer(written);
    }
}

/// Runs `BEGIN IMMEDIATE; sql; COMMIT` in one trip; rolls back if a statement fails. Only a
/// `cached` script's prepared statements are kept for next time: a group's text differs with
/// its size and members, and kept, groups took the API from 43 to 98 MB resident in the create
/// benchmark at the same speed.
async fn write_atomically(
    held: &mut ClosedUnlessSettled,
    sql: &str,
    values: Vec<Value>,
    cached: bool,
) -> sqlx::Result<Vec<SqliteRow>> {
    let arguments = sqlite_arguments(values)?;
    held.settled = false;
    // Line breaks, so that a `--` comment at the end of `sql` cannot swallow what follows.
    let script = AssertSqlSafe(format!("BEGIN IMMEDIATE;\n{sql}\n;\nCOMMIT"));
    let written = sqlx::query_with(script, arguments)
        .persistent(cached)
        .fetch_all(&mut *held.connection)
        .await;
    held.settled = match written {
        Ok(_) => true,
        // A failed statement stops the script inside its transaction.
        Err(_) => match sqlx::query("ROLLBACK").execute(&mut *held.connection).await {
            Ok(_) => true,
            Err(error) => no_transaction_is_active(&error),
        },
    };
    written
}

/// The group's scripts as one, each followed by its boundary row, their `$n` renumbered to
/// follow the values of the scripts before them.
fn group_sql(group: &[Script]) -> String {
    let mut sql = String::new();
    let mut bound = 0;
    for script in group {
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        sql.push_str(&renumbered(&script.sql, bound));
        sql.push_str("\n;\nSELECT 1 AS ");
        sql.push_str(BOUNDARY_COLUMN);
        bound += script.values.len();
    }
    sql
}

/// `sql` with each `$n` outside quotes made `$(n + by)`.
fn renumbered(sql: &str, by: usize) -> String {
    if by == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut quote = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match (quote, c) {
            (Some(open), _) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '$') if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut number = 0;
                while let Some(digit) = chars.peek().and_then(|c| c.to_digit(10)) {
                    number = number * 10 + digit as usize;
                    chars.next();
                }
                out.push_str(&(number + by).to_string());
            }
            (None, _) => {}
        }
    }
    out
}

/// The rows of a group, one list per script; `None` unless there are `scripts` boundaries.
fn split_at_boundaries(rows: Vec<SqliteRow>, scripts: usize) -> Option<Vec<Vec<SqliteRow>>> {
    let mut split = vec![Vec::new()];
    for row in rows {
        let is_boundary =
            row.columns().first().map(|column| column.name()) == Some(BOUNDARY_COLUMN);
        if is_boundary {
            split.push(Vec::new());
        } else {
            split.last_mut()?.push(row);
        }
    }
    // Nothing may follow the last boundary.
    (split.pop()?.is_empty() && split.len() == scripts).then_some(split)
}

/// A connection that may be left inside a transaction: if the rollback fails, or the task is
/// stopped halfway (its runtime shutting down), it is closed rather than returned to the pool,
/// and closing it rolls the transaction back.
struct ClosedUnlessSettled {
    connection: PoolConnection<Sqlite>,
    settled: bool,
}

impl Drop for ClosedUnlessSettled {
    fn drop(&mut self) {
        if !self.settled {
            self.connection.close_on_drop();
        }
    }
}

/// SQLite's answer to a `ROLLBACK` with nothing to roll back (the script failed at `BEGIN` or
/// after `COMMIT`).
fn no_transaction_is_active(error: &sqlx::Error) -> bool {
    error.to_string().contains("no transaction is active")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::Database;
    use crate::db::{PoolSettings, Transaction, query};
    use crate::testing::TestDatabase;

    #[test]
    fn renumbering_skips_quoted_text() {
        assert_eq!(
            renumbered("INSERT INTO t VALUES ($1, '$2', \"$3\", $12)", 5),
            "INSERT INTO t VALUES ($6, '$2', \"$3\", $17)"
        );
        assert_eq!(
            renumbered("SELECT 'it''s $1', $1", 1),
            "SELECT 'it''s $1', $2"
        );
    }

    /// A database with a table `t` of positive numbers, on a pool of one connection.
    async fn one_connection() -> (TestDatabase, Database) {
        let test = TestDatabase::sqlite().await;
        let settings = PoolSettings {
            max_connections: 1,
            ..PoolSettings::default()
        };
        let db = Database::connect(test.url(), &settings)
            .await
            .expect("pool");
        query("CREATE TABLE t (n INTEGER NOT NULL CHECK (n > 0))")
            .execute(&db)
            .await
            .expect("create table");
        (test, db)
    }

    /// Inserts `n` and returns it, with the value bound twice to check the numbering.
    async fn insert(db: Database, n: i64) -> sqlx::Result<Vec<(i64, i64)>> {
        query("INSERT INTO t (n) VALUES ($1) RETURNING n, $1 * 10")
            .bind(n)
            .fetch_all_atomically(&db)
            .await
    }

    async fn numbers(db: &Database) -> Vec<i64> {
        let rows: Vec<(i64,)> = query("SELECT n FROM t ORDER BY n")
            .fetch_all(db)
            .await
            .expect("numbers");
        rows.into_iter().map(|(n,)| n).collect()
    }

    #[tokio::test]
    async fn every_statement_of_a_script_happens_or_none() {
        let (_test, db) = one_connection().await;
        let written: Vec<(i64,)> =
            query("INSERT INTO t (n) VALUES ($1) RETURNING n; INSERT INTO t (n) VALUES ($1 + $2)")
                .bind(1i64)
                .bind(10i64)
                .fetch_all_atomically(&db)
                .await
                .expect("written");
        assert_eq!(written, vec![(1,)]);
        assert_eq!(numbers(&db).await, [1, 11], "the second reuses $1");

        let failed = query("INSERT INTO t (n) VALUES (2); INSERT INTO t (n) VALUES (-1)")
            .fetch_all_atomically::<(i64,)>(&db)
            .await;
        assert!(failed.is_err());
        assert_eq!(
            numbers(&db).await,
            [1, 11],
            "the first insert was rolled back"
        );
        insert(db.clone(), 3)
            .await
            .expect("the connection is usable again");
        assert_eq!(numbers(&db).await, [1, 3, 11]);
    }

    #[tokio::test]
    async fn postgres_has_no_scripts() {
        let Some(test) = TestDatabase::postgres().await else {
            return;
        };
        let refused = query("SELECT 1; SELECT 2")
            .fetch_all_atomically::<(i64,)>(test.database())
            .await;
        assert!(refused.is_err());
    }

    #[tokio::test]
    async fn scripts_waiting_together_are_written_together_and_fail_alone() {
        let (_test, db) = one_connection().await;
        // While a transaction holds the turn, the scripts queue up; they are written as one
        // group when it commits.
        let holder = Transaction::begin(&db).await.expect("take the turn");
        let scripts: Vec<_> = [1, -2, 3, 4]
            .into_iter()
            .map(|n| tokio::spawn(insert(db.clone(), n)))
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        holder.commit().await.expect("pass the turn");

        let mut answers = Vec::new();
        for script in scripts {
            answers.push(script.await.expect("script task"));
        }
        assert_eq!(answers[0].as_ref().ok(), Some(&vec![(1, 10)]));
        assert!(answers[1].is_err(), "-2 breaks the CHECK");
        assert_eq!(answers[2].as_ref().ok(), Some(&vec![(3, 30)]));
        assert_eq!(answers[3].as_ref().ok(), Some(&vec![(4, 40)]));
        assert_eq!(numbers(&db).await, [1, 3, 4]);
    }

    #[tokio::test]
    async fn a_group_gives_each_script_its_own_rows() {
        let (_test, db) = one_connection().await;
        let holder = Transaction::begin(&db).await.expect("take the turn");
        let scripts: Vec<_> = (1..=5)
            .map(|n| tokio::spawn(insert(db.clone(), n)))
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        holder.commit().await.expect("pass the turn");
        for (n, script) in (1..=5).zip(scripts) {
            let rows = script.await.expect("script task").expect("written");
            assert_eq!(rows, vec![(n, n * 10)]);
        }
        assert_eq!(numbers(&db).await, [1, 2, 3, 4, 5]);
    }

    #[tokio::test]
    async fn a_comment_ending_a_script_hides_neither_commit_nor_boundary() {
        let (_test, db) = one_connection().await;
        let commented = |n: i64| {
            query("INSERT INTO t (n) VALUES ($1) RETURNING n -- the new number")
                .bind(n)
                .fetch_all_atomically::<(i64,)>(&db)
        };
        assert_eq!(commented(1).await.expect("alone"), vec![(1,)]);
        let holder = Transaction::begin(&db).await.expect("take the turn");
        let (second, third, _) = tokio::join!(commented(2), commented(3), async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            holder.commit().await.expect("pass the turn");
        });
        assert_eq!(second.expect("in a group"), vec![(2,)]);
        assert_eq!(third.expect("in a group"), vec![(3,)]);
        // Committed: a transaction left open would hold the only connection's write lock.
        Transaction::begin(&db)
            .await
            .expect("no transaction left open")
            .commit()
            .await
            .expect("commit");
        assert_eq!(numbers(&db).await, [1, 2, 3]);
    }

    #[tokio::test]
    async fn a_script_is_written_even_if_its_caller_stops_waiting() {
        let (_test, db) = one_connection().await;
        let holder = Transaction::begin(&db).await.expect("take the turn");
        let cancelled = tokio::time::timeout(Duration::from_millis(50), insert(db.clone(), 7));
        assert!(cancelled.await.is_err(), "still waiting for the turn");
        holder.commit().await.expect("pass the turn");
        insert(db.clone(), 8).await.expect("written");
        assert_eq!(numbers(&db).await, [7, 8]);
    }
}
