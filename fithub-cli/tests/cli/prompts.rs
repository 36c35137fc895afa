//! Prompts on a pseudo-terminal: what is missing is asked for, and a rejected value is asked for
//! again after the rule it failed. Off a terminal nothing is asked.

use fithub_core::accounts;
use fithub_core::testing::TestDatabase;

use crate::helpers::{
    answer, assert_exit, create_user, finish, fithub, fithub_on_terminal, stderr, stdout,
};

#[tokio::test]
async fn user_create_asks_for_what_is_missing_and_again_after_a_rejected_value() {
    let database = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let env = [("DATABASE_URL", database.url().expose())];
    let mut session = fithub_on_terminal(dir.path(), &["user", "create", "--staff"], &env);
    answer(&mut session, "Username", "not a name!");
    answer(&mut session, "Email", "");
    answer(&mut session, "Password", "12345678");
    answer(&mut session, "Repeat the password", "12345678");
    // The username's format is checked first: only it is asked again.
    answer(&mut session, "Enter a valid username", "ada");
    // Then the password rules, with the rule that failed.
    answer(
        &mut session,
        "This password is too common.",
        "violet-Harbor-47-kite",
    );
    answer(&mut session, "Repeat the password", "violet-Harbor-47-kite");
    let (text, code) = finish(session);
    assert_eq!(code, 0, "exit {code}: {text:?}");
    assert!(text.contains("Created user ada (id "), "{text:?}");

    let user = accounts::find_user(database.database(), "ada")
        .await
        .expect("created");
    assert!(user.is_staff);
    assert_eq!(user.email, "");
}

#[tokio::test]
async fn off_a_terminal_user_create_names_the_missing_flag_and_asks_nothing() {
    let database = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let output = fithub(
        dir.path(),
        &["user", "create", "--password-stdin"],
        &[("DATABASE_URL", database.url().expose())],
    );
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("no terminal to ask for the username: pass --username"),
        "{}",
        stderr(&output)
    );
    assert!(
        !stderr(&output).contains("Username:") && stdout(&output).is_empty(),
        "nothing was asked"
    );
}

#[tokio::test]
async fn a_passphrase_is_typed_twice_to_encrypt_and_asked_for_to_decrypt() {
    let source = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    create_user(&source, dir.path(), "ada");

    let env = [("DATABASE_URL", source.url().expose())];
    let args = ["export", "--passphrase", "--output", "backup.age"];
    let mut session = fithub_on_terminal(dir.path(), &args, &env);
    answer(&mut session, "Passphrase", "tide-Lantern-31-moss");
    answer(
        &mut session,
        "Repeat the passphrase",
        "tide-Lantern-31-mist",
    );
    // Two entries that differ are asked for again, both.
    answer(&mut session, "do not match", "tide-Lantern-31-moss");
    answer(
        &mut session,
        "Repeat the passphrase",
        "tide-Lantern-31-moss",
    );
    let (text, code) = finish(session);
    assert_eq!(code, 0, "exit {code}: {text:?}");
    assert!(text.contains("encrypted to a passphrase"), "{text:?}");
    assert!(
        !text.contains("tide-Lantern"),
        "the passphrase is never shown: {text:?}"
    );

    let target = TestDatabase::sqlite_migrated().await;
    let env = [("DATABASE_URL", target.url().expose())];
    let users = || async {
        fithub_core::db::query("SELECT COUNT(*) FROM users")
            .fetch_scalar::<i64>(target.database())
            .await
            .expect("count")
    };
    let mut session = fithub_on_terminal(dir.path(), &["import", "backup.age"], &env);
    answer(&mut session, "Passphrase", "tide-Lantern-31-mist");
    let (text, code) = finish(session);
    assert_eq!(code, 1, "{text:?}");
    assert!(text.contains("the passphrase is wrong"), "{text:?}");
    assert_eq!(users().await, 0, "nothing written");

    let mut session = fithub_on_terminal(dir.path(), &["import", "backup.age"], &env);
    answer(&mut session, "Passphrase", "tide-Lantern-31-moss");
    let (text, code) = finish(session);
    assert_eq!(code, 0, "exit {code}: {text:?}");
    assert_eq!(users().await, 1);
    assert!(accounts::find_user(target.database(), "ada").await.is_ok());
}
