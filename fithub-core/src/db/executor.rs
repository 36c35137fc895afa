//! Where a statement runs: on the pool, on one held [`Connection`] (see [`handover`]), or inside
//! a [`Transaction`].
//!
//! Every statement reaches sqlx through [`on_target!`], the one place that matches on the
//! backend. On SQLite the pool is two: readers, and the one writer that every change and every
//! transaction queues for (see [`super::sqlite`]).

use std::sync::atomic::{AtomicI64, Ordering};

use sqlx::postgres::{PgConnection, PgPool};
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{Postgres, Sqlite};

use super::handover::{self, Connection};
use super::replicas::Replica;
use super::{Access, Database, PgPools};

/// Where a query runs.
pub enum Executor<'e> {
    Pool(&'e Database),
    Conn(&'e mut Connection),
    Tx(&'e mut Transaction),
}

impl<'e> From<&'e Database> for Executor<'e> {
    fn from(db: &'e Database) -> Self {
        Executor::Pool(db)
    }
}

impl<'e> From<&'e mut Connection> for Executor<'e> {
    fn from(conn: &'e mut Connection) -> Self {
        Executor::Conn(conn)
    }
}

impl<'e> From<&'e mut Transaction> for Executor<'e> {
    fn from(tx: &'e mut Transaction) -> Self {
        Executor::Tx(tx)
    }
}

/// The sqlx executor a statement runs on.
pub(super) enum Target<'a> {
    PgPool(&'a PgPool),
    PgConnection(&'a mut PgConnection),
    SqlitePool(&'a SqlitePool),
    SqliteConnection(&'a mut SqliteConnection),
}

/// A replica that may serve a read (see [`super::replicas`]).
pub(super) enum OnReplica<'a> {
    Pool(&'a PgPool, &'a Replica),
    Connection(&'a mut PgConnection, &'a Replica),
}

impl<'e> Executor<'e> {
    /// The sqlx executor for a statement of kind `access`. On the pool that is the connection
    /// parked for this task (see [`handover`]) when it may serve, kept in `slot` for the
    /// statement and released after it.
    pub(super) fn target<'a>(self, access: Access, slot: &'a mut Option<Connection>) -> Target<'a>
    where
        'e: 'a,
    {
        match self {
            Executor::Pool(db) => match handover::take(db, access) {
                Some(parked) => connection_target(slot.insert(parked)),
                None => match db {
                    Database::Postgres(pools) => Target::PgPool(pools.primary()),
                    Database::Sqlite(pools) => Target::SqlitePool(pools.serving(access)),
                },
            },
            Executor::Conn(conn) => connection_target(conn),
            Executor::Tx(tx) => tx.target(),
        }
    }

    /// The replica that may serve this statement, if it is a read the request lets a replica
    /// serve (see [`super::reads`]): the next one in turn, or the one this held connection
    /// came from. A connection parked for the primary is given back first.
    pub(super) fn on_replica(&mut self, access: Access) -> Option<OnReplica<'_>> {
        if access != Access::Read {
            return None;
        }
        match self {
            Executor::Pool(db) => {
                let db: &'e Database = db;
                let Database::Postgres(pools) = db else {
                    return None;
                };
                let (_, replica) = pools.replica_for_reads()?;
                drop(handover::take(db, Access::Read));
                Some(OnReplica::Pool(&replica.pool, replica))
            }
            Executor::Conn(Connection::Pooled(pools)) => {
                let (_, replica) = pools.replica_for_reads()?;
                Some(OnReplica::Pool(&replica.pool, replica))
            }
            Executor::Conn(Connection::Replica(conn, pools, index)) => {
                let replica = pools.replicas.as_deref()?.member(*index);
                Some(OnReplica::Connection(conn, replica))
            }
            _ => None,
        }
    }

    /// Moves a held replica connection to the primary: for a write, or after the replica
    /// failed.
    pub(super) async fn leave_replica(&mut self) -> sqlx::Result<()> {
        if let Executor::Conn(conn) = self
            && let Connection::Replica(_, pools, _) = &**conn
        {
            let pools = pools.clone();
            **conn = Connection::Postgres(pools.checkout().await?, pools);
        }
        Ok(())
    }

    /// Whether each statement takes a connection from the pool.
    pub(super) fn is_pool(&self) -> bool {
        matches!(
            self,
            Executor::Pool(_) | Executor::Conn(Connection::Pooled(_))
        )
    }

    /// Whether a statement of kind `access` here changes the database or may: every statement
    /// of a transaction counts, for a transaction's reads belong with its writes.
    pub(super) fn writes(&self, access: Access) -> bool {
        access == Access::Write || matches!(self, Executor::Tx(_))
    }

    /// The PostgreSQL pool behind this executor, whose health a failed statement reports to.
    pub(super) fn postgres(&self) -> Option<PgPools> {
        match self {
            Executor::Pool(Database::Postgres(pools))
            | Executor::Conn(
                Connection::Postgres(_, pools)
                | Connection::Replica(_, pools, _)
                | Connection::Pooled(pools),
            )
            | Executor::Tx(Transaction::Postgres(_, pools)) => Some(pools.clone()),
            _ => None,
        }
    }
}

/// The sqlx executor of a held connection.
fn connection_target(connection: &mut Connection) -> Target<'_> {
    match connection {
        Connection::Postgres(conn, _) | Connection::Replica(conn, ..) => Target::PgConnection(conn),
        Connection::Pooled(pools) => Target::PgPool(pools.primary()),
        Connection::Sqlite(conn, _) => Target::SqliteConnection(conn),
    }
}

/// Runs `$run` with `$on` bound to the statement's sqlx executor, `$sql` to its text, and
/// `$arguments` to its values encoded for that backend; `$persistent` says whether sqlx may
/// prepare and keep a named statement (not through a transaction pooler, where the next
/// statement may find another server connection). The arms are the same text: each compiles
/// against its backend.
macro_rules! on_target {
    ($executor:expr, $access:expr, $sql:expr, $values:expr,
     |$on:ident, $text:ident, $arguments:ident, $persistent:ident| $run:expr) => {{
        use $crate::db::executor::{Demand, OnReplica, Target};
        use $crate::db::query::{pg_arguments, sqlite_arguments};
        let mut executor: $crate::db::Executor<'_> = $executor;
        let (access, sql, values) = ($access, $sql, $values);
        let _demand = Demand::on(&executor);
        // PostgreSQL's health: a statement on the pool fails at once while the server is known
        // to be down, and any statement's failure may say that it is.
        let postgres = executor.postgres();
        if let (true, Some(pools)) = (executor.is_pool(), &postgres) {
            pools.check()?;
        }
        let $persistent = postgres
            .as_ref()
            .is_none_or(|pools| !pools.transaction_pooling);
        let begin = postgres.as_ref().and_then(|pools| pools.begin_statement());
        let mut handed_over = None;
        let result: sqlx::Result<_> = async {
            // A replica first, when one may serve; the primary serves what it fails.
            let attempt = match executor.on_replica(access) {
                Some(OnReplica::Pool(pool, replica)) => {
                    let $text = sqlx::AssertSqlSafe(sql.clone());
                    let $arguments = pg_arguments(values.clone())?;
                    Some((
                        replica,
                        $crate::db::executor::on_pool!(pool, $persistent, begin.clone(), |$on| {
                            $run
                        }),
                    ))
                }
                Some(OnReplica::Connection($on, replica)) => {
                    let $text = sqlx::AssertSqlSafe(sql.clone());
                    let $arguments = pg_arguments(values.clone())?;
                    Some((replica, $run))
                }
                None => None,
            };
            match attempt {
                Some((replica, Err(error))) if replica.failed(&error) => {
                    if let Some(pools) = &postgres {
                        pools.fell_back();
                    }
                }
                Some((replica, done)) => {
                    replica.served();
                    return done;
                }
                None => {}
            }
            executor.leave_replica().await?;
            if executor.writes(access) {
                $crate::db::reads::wrote();
            }
            let $text = sqlx::AssertSqlSafe(sql);
            match executor.target(access, &mut handed_over) {
                Target::PgPool(pool) => {
                    let $arguments = pg_arguments(values)?;
                    $crate::db::executor::on_pool!(pool, $persistent, begin.clone(), |$on| $run)
                }
                Target::PgConnection($on) => {
                    let $arguments = pg_arguments(values)?;
                    $run
                }
                Target::SqlitePool($on) => {
                    let $arguments = sqlite_arguments(values)?;
                    $run
                }
                Target::SqliteConnection($on) => {
                    let $arguments = sqlite_arguments(values)?;
                    $run
                }
            }
        }
        .await;
        if let (Err(error), Some(pools)) = (&result, &postgres) {
            pools.observe(error);
        }
        result
    }};
}
pub(super) use on_target;

/// Runs `$run` on PostgreSQL pool `$pool`; through a transaction pooler, inside a transaction
/// of its own, so that sqlx's round trips for one statement (parse, then bind and execute) all
/// reach the same server connection.
macro_rules! on_pool {
    ($pool:expr, $persistent:expr, $begin:expr, |$on:ident| $run:expr) => {{
        let pool: &sqlx::PgPool = $pool;
        if $persistent {
            let $on = pool;
            $run
        } else {
            let mut tx = match $begin {
                Some(statement) => pool.begin_with(statement).await?,
                None => pool.begin().await?,
            };
            let done = {
                let $on = &mut *tx;
                $run
            };
            match done {
                Ok(rows) => tx.commit().await.map(|()| rows),
                Err(error) => Err(error),
            }
        }
    }};
}
pub(super) use on_pool;

/// Statements running on (or waiting for) a pool connection, in this process: with the pool's
/// own counts, how many wait. A process has one pool in practice, so one counter serves.
static POOL_DEMAND: AtomicI64 = AtomicI64::new(0);

pub(super) fn pool_demand() -> i64 {
    POOL_DEMAND.load(Ordering::Relaxed)
}

/// Counts a statement on the pool while it lives.
pub(super) struct Demand;

impl Demand {
    pub(super) fn on(executor: &Executor<'_>) -> Option<Demand> {
        executor.is_pool().then(|| {
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

/// A write transaction. On SQLite it runs on the writer and starts `IMMEDIATE`, taking the write
/// lock up front: a deferred transaction that reads and then writes can fail at once with
/// "database is locked" when another process (the CLI) writes meanwhile.
pub enum Transaction {
    Postgres(sqlx::Transaction<'static, Postgres>, PgPools),
    Sqlite(sqlx::Transaction<'static, Sqlite>),
}

impl Transaction {
    pub async fn begin(db: &Database) -> sqlx::Result<Transaction> {
        Ok(match db {
            // On the connection authentication parked, if any: one checkout per request.
            Database::Postgres(pools) => {
                let connection = match handover::take(db, Access::Write) {
                    Some(Connection::Postgres(connection, _)) => connection,
                    _ => pools.checkout().await?,
                };
                let tx = sqlx::Transaction::begin(connection, pools.begin_statement())
                    .await
                    .inspect_err(|error| pools.observe(error))?;
                Transaction::Postgres(tx, pools.clone())
            }
            // A parked reader goes back first: holding it while queued for the writer would keep
            // it from the other readers.
            Database::Sqlite(pools) => {
                drop(handover::take(db, Access::Read));
                Transaction::Sqlite(pools.writer.begin_with("BEGIN IMMEDIATE").await?)
            }
        })
    }

    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Transaction::Postgres(tx, pools) => {
                let pools = pools.clone();
                tx.commit().await.inspect_err(|error| pools.observe(error))
            }
            Transaction::Sqlite(tx) => tx.commit().await,
        }
    }

    pub fn dialect(&self) -> super::Dialect {
        match self {
            Transaction::Postgres(..) => super::Dialect::Postgres,
            Transaction::Sqlite(_) => super::Dialect::Sqlite,
        }
    }

    /// Locks row `id` of `table` until the end of the transaction, on PostgreSQL: a write that
    /// reads before it writes then sees no other write of that row in between. SQLite's write
    /// transactions are serialized already.
    pub async fn lock_row(&mut self, table: &'static str, id: i64) -> sqlx::Result<()> {
        if self.dialect() == super::Dialect::Postgres {
            let mut lock = super::Query::builder();
            lock.push("SELECT id FROM ")
                .push(table)
                .push(" WHERE id = ")
                .push_bind(id)
                .push(" FOR UPDATE");
            lock.execute(&mut *self).await?;
        }
        Ok(())
    }

    /// Streams `data` into a `COPY … FROM STDIN` statement (PostgreSQL's bulk load); returns the
    /// rows written. SQLite has no COPY: there, use multi-row `INSERT`s.
    pub async fn copy_in(&mut self, statement: &str, data: &[u8]) -> sqlx::Result<u64> {
        match self {
            Transaction::Postgres(tx, _) => {
                let mut copy = tx.copy_in_raw(statement).await?;
                copy.send(data).await?;
                copy.finish().await
            }
            Transaction::Sqlite(_) => Err(sqlx::Error::Protocol(
                "COPY is PostgreSQL's; SQLite loads with INSERT".to_owned(),
            )),
        }
    }

    fn target(&mut self) -> Target<'_> {
        match self {
            Transaction::Postgres(tx, _) => Target::PgConnection(tx),
            Transaction::Sqlite(tx) => Target::SqliteConnection(tx),
        }
    }
}
