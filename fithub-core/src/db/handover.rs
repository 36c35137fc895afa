//! One pool checkout for a request's authentication and the statement after it.
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

use super::executor::Access;
use super::{Backend, Connection, Database};

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
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::db::{PoolSettings, Transaction, query};
    use crate::testing::TestDatabase;

    #[tokio::test]
    async fn the_parked_connection_serves_the_next_statement_once() {
        for test in TestDatabase::all_migrated().await {
            // A pool of one: with its only connection parked, a statement can run only on that.
            let settings = PoolSettings {
                max_connections: 1,
                connect_timeout: Duration::from_secs(1),
                create_sqlite_file: false,
                ..PoolSettings::default()
            };
            let db = Database::connect_lazy(test.url(), &settings).expect("pool");
            scope(async {
                park(Connection::acquire(&db).await.expect("acquire"));
                let one: i64 = query("SELECT CAST(1 AS BIGINT)")
                    .fetch_scalar(&db)
                    .await
                    .expect("handed over");
                assert_eq!(one, 1);
                assert!(
                    take(&db, Access::Read).is_none(),
                    "taken by that statement, not parked again"
                );
                let two: i64 = query("SELECT CAST(2 AS BIGINT)")
                    .fetch_scalar(&db)
                    .await
                    .expect("released");
                assert_eq!(two, 2);
            })
            .await;
        }
    }

    #[tokio::test]
    async fn a_postgres_transaction_begins_on_the_parked_connection() {
        let Some(test) = TestDatabase::postgres_migrated().await else {
            return;
        };
        let db = test.database();
        scope(async {
            let mut parked = Connection::acquire(db).await.expect("acquire");
            let other = Connection::acquire(db).await.expect("acquire another");
            let parked_pid: i32 = query("SELECT pg_backend_pid()")
                .fetch_scalar(&mut parked)
                .await
                .expect("pid");
            park(parked);
            // Idle in the pool, `other` is what a fresh checkout would get.
            drop(other);
            let mut tx = Transaction::begin(db).await.expect("begin");
            let pid: i32 = query("SELECT pg_backend_pid()")
                .fetch_scalar(&mut tx)
                .await
                .expect("pid in the transaction");
            tx.commit().await.expect("commit");
            assert_eq!(pid, parked_pid);
            assert!(take(db, Access::Read).is_none());
        })
        .await;
    }

    #[tokio::test]
    async fn only_its_own_pool_takes_a_parked_connection() {
        let first = TestDatabase::sqlite_migrated().await;
        let second = TestDatabase::sqlite_migrated().await;
        scope(async {
            park(
                Connection::acquire(first.database())
                    .await
                    .expect("acquire"),
            );
            assert!(take(second.database(), Access::Read).is_none());
            assert!(take(first.database(), Access::Read).is_some());
        })
        .await;
    }

    #[tokio::test]
    async fn outside_a_scope_nothing_is_parked() {
        let test = TestDatabase::sqlite_migrated().await;
        park(Connection::acquire(test.database()).await.expect("acquire"));
        assert!(take(test.database(), Access::Read).is_none());
    }
}
