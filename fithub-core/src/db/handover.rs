//! A connection held for several statements, and the one handed over from a request's
//! authentication to the statement after it.
//!
//! Every API request first reads its user (is the account active, is the token revoked?). On its
//! own, that statement's connection goes back to the pool, where sqlx tests it with a round trip,
//! and the handler's first statement queues for a connection again: under load, a request waited
//! in the pool's queue twice. Inside a [`scope`] (the API opens one per request), authentication
//! [`park`]s its connection instead, and the next checkout of the same pool in the same task takes
//! it. Only that one checkout: after it the connection is released as usual, so nothing holds a
//! connection across slow work such as password hashing.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Postgres, Sqlite};

use super::{Access, Backend, Database, PgPools};

/// One pool connection, held for several statements in a row (outside a transaction). They
/// then share one checkout and one return, which sqlx tests with a round trip to the database,
/// instead of paying both per statement. On SQLite it is a reader. It remembers its pool's
/// options, which identify the pool.
pub enum Connection {
    Postgres(PoolConnection<Postgres>, PgPools),
    /// A connection of replica number `usize` of these pools.
    Replica(PoolConnection<Postgres>, PgPools, usize),
    /// Through a transaction pooler, holding a connection gains nothing (the pooler hands out
    /// its server connections per transaction) and breaks prepared statements: each statement
    /// takes a connection from the pool.
    Pooled(PgPools),
    Sqlite(PoolConnection<Sqlite>, Arc<SqliteConnectOptions>),
}

impl Connection {
    /// A connection from `db`'s pool: one of a replica when the request's reads may go there
    /// (see [`super::reads`]), else the one parked for this task (see [`handover`]), if any.
    pub async fn acquire(db: &Database) -> sqlx::Result<Connection> {
        if let Database::Postgres(pools) = db {
            if pools.transaction_pooling {
                return Ok(Connection::Pooled(pools.clone()));
            }
            if let Some((index, replica)) = pools.replica_for_reads() {
                match replica.pool.acquire().await {
                    Ok(connection) => {
                        drop(take(db, Access::Read));
                        return Ok(Connection::Replica(connection, pools.clone(), index));
                    }
                    Err(error) if replica.failed(&error) => pools.fell_back(),
                    Err(error) => return Err(error),
                }
            }
        }
        if let Some(parked) = take(db, Access::Read) {
            return Ok(parked);
        }
        Ok(match db {
            Database::Postgres(pools) => {
                Connection::Postgres(pools.checkout().await?, pools.clone())
            }
            Database::Sqlite(pools) => {
                let readers = &pools.readers;
                Connection::Sqlite(readers.acquire().await?, readers.connect_options())
            }
        })
    }

    pub fn dialect(&self) -> super::Dialect {
        match self {
            Connection::Postgres(..) | Connection::Replica(..) | Connection::Pooled(_) => {
                super::Dialect::Postgres
            }
            Connection::Sqlite(..) => super::Dialect::Sqlite,
        }
    }
}

tokio::task_local! {
    static PARKED: RefCell<Option<Connection>>;
}

/// Runs `future` with room for one parked connection, released when it ends if still unused.
pub async fn scope<F: Future>(future: F) -> F::Output {
    PARKED.scope(RefCell::new(None), future).await
}

/// Keeps `connection` for the next checkout in this scope; outside a scope, releases it.
pub fn park(connection: Connection) {
    // A connection parked earlier and never taken is released here, by being replaced.
    let _ = PARKED.try_with(|slot| slot.replace(Some(connection)));
}

/// Gives the parked connection, if any, back to its pool: before slow work (hashing a password,
/// pausing a refused attempt) that no statement precedes.
pub fn release() {
    let _ = PARKED.try_with(|slot| slot.take());
}

/// The parked connection, if it belongs to `db`'s pool and may serve a statement of kind
/// `access`: on SQLite it is a reader, which serves reads only.
pub(super) fn take(db: &Database, access: Access) -> Option<Connection> {
    if access == Access::Write && db.backend() == Backend::Sqlite {
        return None;
    }
    PARKED
        .try_with(|slot| {
            let mut slot = slot.borrow_mut();
            match slot.as_ref() {
                Some(parked) if parked.is_from(db) => slot.take(),
                _ => None,
            }
        })
        .ok()
        .flatten()
}

impl Connection {
    /// Whether this connection came from `db`'s pool (each pool has its own options).
    fn is_from(&self, db: &Database) -> bool {
        match (self, db) {
            (Connection::Postgres(_, own), Database::Postgres(pools)) => Arc::ptr_eq(
                &own.primary.connect_options(),
                &pools.primary.connect_options(),
            ),
            (Connection::Sqlite(_, options), Database::Sqlite(pools)) => {
                Arc::ptr_eq(options, &pools.readers.connect_options())
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
