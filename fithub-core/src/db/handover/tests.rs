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
