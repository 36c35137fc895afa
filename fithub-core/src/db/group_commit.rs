//! SQLite's group commit: atomic scripts that wait for the writer together are written together.
//!
//! A task of its own takes every [`Script`] waiting when it gets the writer connection, and
//! writes them in one transaction, in one trip to the connection's thread. Under load the writer
//! then changes hands once per group instead of once per script, and the commit and its share of
//! checkpointing are paid once per group too (the README's Performance section has the figures).
//! A script that fails sends the group back to be written one script at a time, so that it fails
//! alone.
//!
//! Each script's values are numbered where it lands in the group (see [`Script`]), and a boundary
//! row after each script splits the rows between the callers.

use std::sync::{Arc, OnceLock};

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{AssertSqlSafe, Column, Row, Sqlite};
use tokio::sync::{mpsc, oneshot};

use super::query::{Query, sqlite_arguments};
use super::script::Script;

/// The most scripts written in one group, and the most values they may bind between them
/// (SQLite's limit is 32,766).
const MOST_SCRIPTS: usize = 64;
const MOST_VALUES: usize = 30_000;

/// The column of the row that closes each script of a group (`SELECT 1 AS` it): the rows after
/// it belong to the next script.
const BOUNDARY_COLUMN: &str = "fithub_script_boundary";

/// The queue of the group-writing task, started by the first script. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct GroupCommit {
    queue: Arc<OnceLock<mpsc::UnboundedSender<Waiting>>>,
}

impl GroupCommit {
    /// Writes `script` atomically on `writer`, in a group with any others waiting; returns the
    /// rows it returned. The write happens even if the caller stops waiting.
    pub(super) async fn write(
        &self,
        writer: &SqlitePool,
        script: Script,
    ) -> sqlx::Result<Vec<SqliteRow>> {
        let queue = self.queue.get_or_init(|| {
            let (queue, waiting) = mpsc::unbounded_channel();
            // The task holds the pool but not the queue: it ends when the last clone of this
            // `GroupCommit` is dropped.
            tokio::spawn(write_in_groups(writer.clone(), waiting));
            queue
        });
        let (reply, written) = oneshot::channel();
        queue
            .send(Waiting { script, reply })
            .map_err(|_| sqlx::Error::PoolClosed)?;
        written.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

/// One caller's script, and where its rows go.
#[derive(Debug)]
struct Waiting {
    script: Script,
    reply: oneshot::Sender<sqlx::Result<Vec<SqliteRow>>>,
}

impl Waiting {
    fn answer(self, written: sqlx::Result<Vec<SqliteRow>>) {
        // A caller that stopped waiting does not need its answer.
        let _ = self.reply.send(written);
    }
}

/// The group-writing task: runs until every [`GroupCommit`] holding its queue is dropped.
async fn write_in_groups(writer: SqlitePool, mut queue: mpsc::UnboundedReceiver<Waiting>) {
    let mut next = None;
    loop {
        let first = match next.take() {
            Some(waiting) => waiting,
            None => match queue.recv().await {
                Some(waiting) => waiting,
                None => return,
            },
        };
        let connection = match writer.acquire().await {
            Ok(connection) => connection,
            Err(error) => {
                first.answer(Err(error));
                continue;
            }
        };
        // Everything that queued meanwhile joins the group, within SQLite's limits.
        let mut values = first.script.bound();
        let mut group = vec![first];
        while group.len() < MOST_SCRIPTS {
            let Ok(waiting) = queue.try_recv() else {
                break;
            };
            let bound = waiting.script.bound();
            if values + bound > MOST_VALUES {
                next = Some(waiting);
                break;
            }
            values += bound;
            group.push(waiting);
        }
        write_group(connection, group).await;
    }
}

/// Writes the group in one transaction, or, if any script fails, each script alone.
async fn write_group(connection: PoolConnection<Sqlite>, group: Vec<Waiting>) {
    let mut held = ClosedUnlessSettled {
        connection,
        settled: true,
    };
    if group.len() > 1
        && let Ok(rows) = write_atomically(&mut held, group_query(&group), false).await
    {
        match split_at_boundaries(rows, group.len()) {
            Some(rows) => {
                for (waiting, rows) in group.into_iter().zip(rows) {
                    waiting.answer(Ok(rows));
                }
            }
            // Committed, so never written again; only a script that hides the boundary after it
            // (an unterminated `/*` comment, say) gets here.
            None => {
                for waiting in group {
                    waiting.answer(Err(sqlx::Error::Protocol(
                        "a script of the group hid its boundary".to_owned(),
                    )));
                }
            }
        }
        return;
    }
    for Waiting { script, reply } in group {
        let written = if held.settled {
            write_atomically(&mut held, Query::from(script), true).await
        } else {
            Err(sqlx::Error::PoolClosed)
        };
        // A caller that stopped waiting does not need its answer.
        let _ = reply.send(written);
    }
}

/// The group's scripts as one query, each followed by its boundary row.
fn group_query(group: &[Waiting]) -> Query {
    let mut query = Query::builder();
    for (i, waiting) in group.iter().enumerate() {
        if i > 0 {
            query.push(";\n");
        }
        waiting.script.clone().append_to(&mut query);
        query.push("\n;\nSELECT 1 AS ").push(BOUNDARY_COLUMN);
    }
    query
}

/// Runs `BEGIN IMMEDIATE; query; COMMIT` in one trip; rolls back if a statement fails. Only a
/// `cached` script's prepared statements are kept for next time: a group's text differs with
/// its size and members, so keeping them would only fill memory with statements never used again.
async fn write_atomically(
    held: &mut ClosedUnlessSettled,
    query: Query,
    cached: bool,
) -> sqlx::Result<Vec<SqliteRow>> {
    let (sql, values) = query.into_parts();
    let arguments = sqlite_arguments(values)?;
    held.settled = false;
    // Line breaks, so that a `--` comment at the end of the script cannot swallow what follows.
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
mod tests;
