//! What an archive may do to accounts (`fithub import`): credentials only when trusted, never a
//! merge into another account, revoked tokens stay revoked, registration's rules apply.

use fithub_core::accounts::{Auth, Passwords, obtain_token_pair, verify_token};
use fithub_core::audit::Origin;
use fithub_core::config::{Config, Secret};
use fithub_core::testing::TestDatabase;
use serde_json::json;

use crate::helpers::{assert_exit, fithub, fithub_with_stdin, stderr, stdout};

const PASSWORD: &str = "violet-Harbor-47-kite";

fn run(database: &TestDatabase, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    fithub(dir, args, &[("DATABASE_URL", database.url().expose())])
}

fn create(database: &TestDatabase, dir: &std::path::Path, args: &[&str]) {
    let mut all = vec!["user", "create", "--password-stdin"];
    all.extend_from_slice(args);
    let output = fithub_with_stdin(
        dir,
        &all,
        &[("DATABASE_URL", database.url().expose())],
        &format!("{PASSWORD}\n"),
    );
    assert_exit(&output, 0);
}

fn auth() -> Auth {
    Auth::new(
        &Secret::new("s".repeat(32)),
        &Config::default(),
        Passwords::new(1),
    )
}

/// A token pair for `username`, or the login's error.
async fn log_in(database: &TestDatabase, username: &str) -> fithub_core::Result<String> {
    let body = json!({"username": username, "password": PASSWORD});
    let pair = obtain_token_pair(
        database.database(),
        &auth(),
        body.as_object().expect("object"),
        &Origin::default(),
    )
    .await?;
    Ok(pair.access)
}

async fn token_works(database: &TestDatabase, access: &str) -> bool {
    let body = json!({"token": access});
    verify_token(
        database.database(),
        &auth(),
        body.as_object().expect("object"),
    )
    .await
    .is_ok()
}

async fn flag(database: &TestDatabase, username: &str, column: &str) -> bool {
    let mut sql = fithub_core::db::Query::builder();
    sql.push("SELECT ")
        .push(column)
        .push(" FROM users WHERE username = ")
        .push_bind(username);
    sql.fetch_scalar(database.database()).await.expect("flag")
}

#[tokio::test]
async fn roles_and_password_hashes_come_only_with_trust_credentials() {
    let source = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    create(&source, dir.path(), &["--username", "root", "--superuser"]);
    assert_exit(&run(&source, dir.path(), &["export", "-o", "all.jsonl"]), 0);
    for target in TestDatabase::all_migrated().await {
        let imported = run(&target, dir.path(), &["import", "all.jsonl"]);
        assert_exit(&imported, 0);
        assert!(
            stdout(&imported)
                .contains("1 users' password hashes or roles in the archive were not taken"),
            "{}",
            stdout(&imported)
        );
        assert!(
            !flag(&target, "root", "is_superuser").await,
            "{:?}",
            target.backend()
        );
        assert!(
            log_in(&target, "root").await.is_err(),
            "no password came along"
        );
        // A user without a password travels on without one.
        let again = run(&target, dir.path(), &["export", "-o", "again.jsonl"]);
        assert_exit(&again, 0);
        let elsewhere = TestDatabase::sqlite_migrated().await;
        assert_exit(
            &run(
                &elsewhere,
                dir.path(),
                &["import", "again.jsonl", "--trust-credentials"],
            ),
            0,
        );
        assert!(log_in(&elsewhere, "root").await.is_err());

        // Updating with trust takes them, and revokes what the user held before.
        let trusted = run(
            &target,
            dir.path(),
            &[
                "import",
                "all.jsonl",
                "--on-conflict",
                "update",
                "--trust-credentials",
            ],
        );
        assert_exit(&trusted, 0);
        assert!(flag(&target, "root", "is_superuser").await);
        assert!(
            log_in(&target, "root").await.is_ok(),
            "the password came along"
        );
    }
}

#[tokio::test]
async fn a_users_archive_never_merges_into_another_account_of_the_same_name() {
    let source = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    create(&source, dir.path(), &["--username", "ada"]);
    assert_exit(
        &run(
            &source,
            dir.path(),
            &["export", "--user", "ada", "-o", "ada.jsonl"],
        ),
        0,
    );
    for target in TestDatabase::all_migrated().await {
        create(&target, dir.path(), &["--username", "ada"]);
        for conflict in ["skip", "update"] {
            let output = run(
                &target,
                dir.path(),
                &[
                    "import",
                    "ada.jsonl",
                    "--on-conflict",
                    conflict,
                    "--trust-credentials",
                ],
            );
            assert_exit(&output, 1);
            assert!(
                stderr(&output).contains("user \"ada\" exists already, as another account"),
                "{conflict}: {}",
                stderr(&output)
            );
        }
    }
}

#[tokio::test]
async fn an_update_of_credentials_revokes_the_users_tokens() {
    let source = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    create(&source, dir.path(), &["--username", "ada"]);
    assert_exit(
        &run(&source, dir.path(), &["export", "-o", "before.jsonl"]),
        0,
    );
    let reset = fithub_with_stdin(
        dir.path(),
        &["user", "reset-password", "ada", "--password-stdin"],
        &[("DATABASE_URL", source.url().expose())],
        "another-Harbor-48-kite\n",
    );
    assert_exit(&reset, 0);
    assert_exit(
        &run(&source, dir.path(), &["export", "-o", "after.jsonl"]),
        0,
    );
    for target in TestDatabase::all_migrated().await {
        let first = run(
            &target,
            dir.path(),
            &["import", "before.jsonl", "--trust-credentials"],
        );
        assert_exit(&first, 0);
        let access = log_in(&target, "ada").await.expect("logs in");
        assert!(token_works(&target, &access).await);
        let update = run(
            &target,
            dir.path(),
            &[
                "import",
                "after.jsonl",
                "--on-conflict",
                "update",
                "--trust-credentials",
            ],
        );
        assert_exit(&update, 0);
        assert!(
            !token_works(&target, &access).await,
            "{:?}: a token of the old password still works",
            target.backend()
        );
    }
}

#[tokio::test]
async fn a_restore_keeps_revoked_tokens_revoked() {
    for source in TestDatabase::all_migrated().await {
        let dir = tempfile::tempdir().expect("temp dir");
        create(&source, dir.path(), &["--username", "ada"]);
        let access = log_in(&source, "ada").await.expect("logs in");
        assert_exit(
            &run(&source, dir.path(), &["user", "revoke-tokens", "ada"]),
            0,
        );
        assert!(!token_works(&source, &access).await);
        assert_exit(
            &run(&source, dir.path(), &["export", "-o", "backup.jsonl"]),
            0,
        );
        let text = std::fs::read_to_string(dir.path().join("backup.jsonl")).expect("read");
        assert!(text.contains(r#""token_generation":1"#), "{text}");

        let restored = TestDatabase::sqlite_migrated().await;
        let output = run(
            &restored,
            dir.path(),
            &["import", "backup.jsonl", "--trust-credentials"],
        );
        assert_exit(&output, 0);
        assert!(
            !token_works(&restored, &access).await,
            "a revoked token works again after the restore"
        );
    }
}

#[tokio::test]
async fn an_archive_username_follows_the_registration_rules() {
    let source = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    create(&source, dir.path(), &["--username", "ada"]);
    let output = run(&source, dir.path(), &["export"]);
    let crafted = stdout(&output).replace(r#""username":"ada""#, r#""username":"a\"b\r\nX: y""#);
    std::fs::write(dir.path().join("crafted.jsonl"), crafted).expect("write");
    for target in TestDatabase::all_migrated().await {
        let output = run(&target, dir.path(), &["import", "crafted.jsonl"]);
        assert_exit(&output, 1);
        assert!(
            stderr(&output).contains("line 2: user: username: Enter a valid username."),
            "{}",
            stderr(&output)
        );
        let users = run(&target, dir.path(), &["user", "list", "--format", "json"]);
        assert_eq!(stdout(&users).trim(), "[]");
    }
}
