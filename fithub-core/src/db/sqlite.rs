//! SQLite: one writer connection beside a pool of readers.
//!
//! SQLite lets one connection write at a time. Left to SQLite, connections that want to write at
//! once poll with sleeps that grow to 100 ms (its busy handler), so the unlucky ones wait long
//! after the lock is free. With one writer connection, the API's writers queue for it in sqlx's
//! pool, in order, and each starts as soon as the previous one commits; other processes (the
//! CLI) still meet the busy handler. Reads never wait for a writer: in WAL mode they see the
//! last commit.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteRow, SqliteSynchronous,
};

use super::Access;
use super::group_commit::GroupCommit;
use super::script::Script;
use super::{PoolSettings, pool_options};

/// How long a connection waits for another process's writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Rows a connection's thread may queue for its caller before waiting. sqlx runs each SQLite
/// connection on a thread that hands rows over through a queue of 50 by default, and each time the
/// queue fills costs a thread switch both ways; 1,024 rows (a few hundred kB at most) let a page
/// or a trend cross in one go.
const ROW_BUFFER: usize = 1024;

/// Pages of write-ahead log after which a commit copies the log back into the database file
/// (SQLite's default is 1,000). That copy, and the two fsyncs around it, run inside the commit
/// that fills the log, while every other writer waits for it: smaller, more frequent copies keep
/// that wait short (the README's Performance section has the figures).
const WAL_CHECKPOINT_PAGES: &str = "300";

/// Creates the database file, when missing, readable by its owner only: it holds every password
/// hash. SQLite would create it with the process's umask (0644, commonly), and gives its `-wal`
/// and `-shm` files the mode of the database file.
fn create_private(path: &std::path::Path) {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    // An existing file is left as it is.
    let _ = options.open(path);
}

/// The pools of one SQLite database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SqlitePools {
    /// Every read outside a transaction. Its connections are `query_only`: a write sent here by
    /// mistake fails at once instead of competing for the write lock.
    pub(super) readers: SqlitePool,
    /// The one connection that changes the database: transactions and statements that write.
    pub(super) writer: SqlitePool,
    groups: GroupCommit,
}

impl SqlitePools {
    pub(super) fn connect_lazy(url: &str, settings: &PoolSettings) -> sqlx::Result<SqlitePools> {
        if settings.create_sqlite_file
            && let Some(path) = super::sqlite_file_path(url)
        {
            // A failure (no such directory, no right to write there) is sqlx's to report, on
            // connecting, as it did before.
            create_private(&path);
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(settings.create_sqlite_file)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL makes NORMAL durable against application crashes; only a power loss can lose
            // the last transactions, never corrupt the file.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .row_buffer_size(ROW_BUFFER)
            .pragma("wal_autocheckpoint", WAL_CHECKPOINT_PAGES);
        let readers = pool_options::<sqlx::Sqlite>(settings, settings.max_connections)
            .connect_lazy_with(options.clone().pragma("query_only", "ON"));
        let writer = pool_options::<sqlx::Sqlite>(settings, 1).connect_lazy_with(options);
        Ok(SqlitePools {
            readers,
            writer,
            groups: GroupCommit::default(),
        })
    }

    /// The pool that serves a statement outside a transaction.
    pub(super) fn serving(&self, access: Access) -> &SqlitePool {
        match access {
            Access::Read => &self.readers,
            Access::Write => &self.writer,
        }
    }

    /// Writes `script` as one transaction, grouped with the scripts of other callers waiting for
    /// the writer at the same time (see [`super::group_commit`]).
    pub(super) async fn write_atomically(&self, script: Script) -> sqlx::Result<Vec<SqliteRow>> {
        self.groups.write(&self.writer, script).await
    }

    /// The writer, for tests that run fixture SQL of their own.
    #[cfg(feature = "test-support")]
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    pub(super) async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }
}
