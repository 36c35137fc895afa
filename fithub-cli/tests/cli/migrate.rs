use fithub_core::testing::TestDatabase;

use crate::helpers::{assert_exit, fithub, fithub_with_stdin, stdout};

#[test]
fn check_exits_3_while_pending_and_0_once_applied() {
    let dir = tempfile::tempdir().expect("temp dir");
    let check = fithub(dir.path(), &["migrate", "--check"], &[]);
    assert_exit(&check, 3);
    assert_eq!(
        stdout(&check),
        "Pending V1__initial_schema\nPending V2__ingredient_search\nPending V3__ingredient_search_trigrams\nPending V4__user_change_notifications\nPending V5__idempotency_keys\nPending V6__browser_sessions\nPending V7__user_time_zones\nPending V8__audit_partitions\nPending V9__diary_versions\n"
    );

    let apply = fithub(dir.path(), &["migrate"], &[]);
    assert_exit(&apply, 0);
    assert_eq!(
        stdout(&apply),
        "Applied V1__initial_schema\nApplied V2__ingredient_search\nApplied V3__ingredient_search_trigrams\nApplied V4__user_change_notifications\nApplied V5__idempotency_keys\nApplied V6__browser_sessions\nApplied V7__user_time_zones\nApplied V8__audit_partitions\nApplied V9__diary_versions\n"
    );
    assert!(
        dir.path().join("fithub.db").exists(),
        "the embedded default database"
    );

    let again = fithub(dir.path(), &["migrate"], &[]);
    assert_exit(&again, 0);
    assert_eq!(stdout(&again), "Nothing to apply: the schema is current.\n");

    let check = fithub(dir.path(), &["migrate", "--check"], &[]);
    assert_exit(&check, 0);
    assert_eq!(stdout(&check), "The schema is current.\n");
}

#[test]
fn check_as_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let check = fithub(dir.path(), &["migrate", "--check", "--format", "json"], &[]);
    assert_exit(&check, 3);
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).expect("json");
    assert_eq!(report["current"], false);
    assert_eq!(report["pending"][0]["name"], "initial_schema");
}

#[test]
fn status_is_a_table_or_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let table = fithub(dir.path(), &["migrate", "status"], &[]);
    assert_exit(&table, 0);
    let text = stdout(&table);
    for expected in [
        "Version",
        "Name",
        "Applied at",
        "State",
        "initial_schema",
        "pending",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }

    assert_exit(&fithub(dir.path(), &["migrate"], &[]), 0);
    let json = fithub(dir.path(), &["migrate", "status", "--format", "json"], &[]);
    assert_exit(&json, 0);
    let statuses: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(statuses[0]["version"], 1);
    assert_eq!(statuses[0]["state"], "applied");
    assert!(statuses[0]["applied_on"].is_string());
}

#[test]
fn an_unreachable_database_is_a_failure_naming_no_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = fithub(
        dir.path(),
        &[
            "migrate",
            "--database-url",
            "postgres://fithub:pw-secret@127.0.0.1:1/fithub",
        ],
        &[("FITHUB_DATABASE_CONNECT_TIMEOUT_SECS", "1")],
    );
    assert_exit(&output, 1);
    let shown = format!("{}{}", stdout(&output), crate::helpers::stderr(&output));
    assert!(!shown.contains("pw-secret"), "{shown}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_exit(&fithub(dir.path(), &["migrate", "--bogus"], &[]), 2);
    assert_exit(
        &fithub(dir.path(), &["migrate", "status", "--format", "xml"], &[]),
        2,
    );
    assert_exit(&fithub(dir.path(), &[], &[]), 2);
}

/// Four replicas deploying at once: each migration is applied exactly once, and all succeed.
#[tokio::test]
async fn four_concurrent_runs_on_postgres_apply_each_migration_once() {
    let Some(database) = TestDatabase::postgres().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let url = database.url().expose().to_owned();
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let dir = tempfile::tempdir().expect("temp dir");
                fithub(dir.path(), &["migrate"], &[("DATABASE_URL", &url)])
            })
        })
        .collect();
    let outputs: Vec<_> = runs
        .into_iter()
        .map(|run| run.join().expect("thread"))
        .collect();
    for output in &outputs {
        assert_exit(output, 0);
    }
    let applied = outputs
        .iter()
        .filter(|o| stdout(o).contains("Applied V1__initial_schema"))
        .count();
    assert_eq!(applied, 1, "exactly one run applies the migrations");

    let fithub_core::Database::Postgres(pool) = database.database() else {
        unreachable!()
    };
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM refinery_schema_history")
        .fetch_one(pool.primary())
        .await
        .expect("count");
    assert_eq!(rows, 9, "V1 to V9, once each");
}

/// Through PgBouncer in transaction mode (issue 20): migrating works, and so do the commands
/// after it, whichever server connection each statement meets.
#[tokio::test]
async fn migrate_works_through_pgbouncer_in_transaction_mode() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    let Some(url) = database.through_pgbouncer() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let env = [
        ("FITHUB_DATABASE_URL", url.expose()),
        ("FITHUB_DATABASE_TRANSACTION_POOLING", "true"),
    ];
    let apply = fithub(dir.path(), &["migrate"], &env);
    assert_exit(&apply, 0);
    assert!(stdout(&apply).contains("Applied V8__audit_partitions"));
    let again = fithub(dir.path(), &["migrate", "--check"], &env);
    assert_exit(&again, 0);
    for name in ["ada", "bob", "cy"] {
        let email = format!("{name}@example.com");
        let created = fithub_with_stdin(
            dir.path(),
            &[
                "user",
                "create",
                "--username",
                name,
                "--email",
                &email,
                "--password-stdin",
            ],
            &env,
            "violet-Harbor-47-kite\n",
        );
        assert_exit(&created, 0);
    }
    let listed = fithub(dir.path(), &["user", "list", "--format", "json"], &env);
    assert_exit(&listed, 0);
    let users: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(users.as_array().map(Vec::len), Some(3), "{users}");
}
