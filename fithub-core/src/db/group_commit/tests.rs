use std::time::Duration;

use super::*;
use crate::db::Database;
use crate::db::{PoolSettings, Transaction, query};
use crate::testing::TestDatabase;

/// A database with a table `t` of positive numbers.
async fn numbers_table() -> (TestDatabase, Database) {
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

/// `INSERT INTO t VALUES (n) RETURNING n, n * 10`, with `n` bound twice to check the numbering.
fn insert_script(n: i64) -> Script {
    let mut script = Script::new();
    script
        .push("INSERT INTO t (n) VALUES (")
        .push_bind(n)
        .push(") RETURNING n, ")
        .push_bind(n)
        .push(" * 10");
    script
}

async fn write<T: crate::db::Record>(db: &Database, script: Script) -> sqlx::Result<Vec<T>> {
    db.write_atomically(script).await
}

async fn insert(db: Database, n: i64) -> sqlx::Result<Vec<(i64, i64)>> {
    write(&db, insert_script(n)).await
}

async fn numbers(db: &Database) -> Vec<i64> {
    let rows: Vec<(i64,)> = query("SELECT n FROM t ORDER BY n")
        .fetch_all(db)
        .await
        .expect("numbers");
    rows.into_iter().map(|(n,)| n).collect()
}

/// Holds the writer while `scripts` queue, then lets them be written as one group.
async fn in_one_group<F: std::future::Future + Send + 'static>(
    db: &Database,
    scripts: Vec<F>,
) -> Vec<F::Output>
where
    F::Output: Send,
{
    let holder = Transaction::begin(db).await.expect("take the writer");
    let tasks: Vec<_> = scripts.into_iter().map(tokio::spawn).collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    holder.commit().await.expect("pass the writer on");
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("script task"));
    }
    answers
}

#[tokio::test]
async fn every_statement_of_a_script_happens_or_none() {
    let (_test, db) = numbers_table().await;
    let mut both = insert_script(1);
    both.push(";\nINSERT INTO t (n) VALUES (")
        .push_bind(11i64)
        .push(")");
    let written: Vec<(i64, i64)> = write(&db, both).await.expect("written");
    assert_eq!(written, vec![(1, 10)]);
    assert_eq!(numbers(&db).await, [1, 11]);

    let mut failing = insert_script(2);
    failing.push(";\nINSERT INTO t (n) VALUES (-1)");
    assert!(write::<(i64, i64)>(&db, failing).await.is_err());
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
    let refused = write::<(i64, i64)>(test.database(), insert_script(1)).await;
    assert!(refused.is_err());
}

#[tokio::test]
async fn scripts_waiting_together_are_written_together_and_fail_alone() {
    let (_test, db) = numbers_table().await;
    let scripts = [1, -2, 3, 4].map(|n| insert(db.clone(), n)).into();
    let answers = in_one_group(&db, scripts).await;
    assert_eq!(answers[0].as_ref().ok(), Some(&vec![(1, 10)]));
    assert!(answers[1].is_err(), "-2 breaks the CHECK");
    assert_eq!(answers[2].as_ref().ok(), Some(&vec![(3, 30)]));
    assert_eq!(answers[3].as_ref().ok(), Some(&vec![(4, 40)]));
    assert_eq!(numbers(&db).await, [1, 3, 4]);
}

#[tokio::test]
async fn a_group_gives_each_script_its_own_rows() {
    let (_test, db) = numbers_table().await;
    let scripts = (1..=5).map(|n| insert(db.clone(), n)).collect();
    let answers = in_one_group(&db, scripts).await;
    for (n, answer) in (1..=5).zip(answers) {
        assert_eq!(answer.expect("written"), vec![(n, n * 10)]);
    }
    assert_eq!(numbers(&db).await, [1, 2, 3, 4, 5]);
}

/// The placeholder problem a hand-written SQL lexer had: a `--` comment holding a quote before
/// `$1` kept `$1` from being renumbered, so in a group it bound another script's value. Here no
/// text is scanned: the value is numbered where the script lands.
#[tokio::test]
async fn a_quote_in_a_comment_before_a_value_cannot_shift_its_number() {
    let (_test, db) = numbers_table().await;
    let commented = |n: i64| {
        let db = db.clone();
        async move {
            let mut script = Script::new();
            script
                .push("-- it's the caller's own number, $1 in the old text\n")
                .push("INSERT INTO t (n) VALUES (")
                .push_bind(n)
                .push(") RETURNING n -- the new number");
            write::<(i64,)>(&db, script).await
        }
    };
    let answers = in_one_group(&db, vec![commented(5), commented(6), commented(7)]).await;
    let answers: Vec<_> = answers
        .into_iter()
        .map(|answer| answer.expect("written"))
        .collect();
    assert_eq!(answers, [vec![(5,)], vec![(6,)], vec![(7,)]]);
    assert_eq!(numbers(&db).await, [5, 6, 7]);
    // Committed: a transaction left open would hold the writer's lock.
    Transaction::begin(&db)
        .await
        .expect("no transaction left open")
        .commit()
        .await
        .expect("commit");
}

#[tokio::test]
async fn a_script_is_written_even_if_its_caller_stops_waiting() {
    let (_test, db) = numbers_table().await;
    let holder = Transaction::begin(&db).await.expect("take the writer");
    let cancelled = tokio::time::timeout(Duration::from_millis(50), insert(db.clone(), 7));
    assert!(cancelled.await.is_err(), "still waiting for the writer");
    holder.commit().await.expect("pass the writer on");
    insert(db.clone(), 8).await.expect("written");
    assert_eq!(numbers(&db).await, [7, 8]);
}
