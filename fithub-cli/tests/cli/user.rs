//! `fithub user`, the real binary, on every backend, with no terminal attached.

use std::process::Output;

use fithub_core::accounts::{self, Passwords};
use fithub_core::audit::{self, AuditFilter, Origin};
use fithub_core::testing::TestDatabase;
use serde_json::Value;

use crate::helpers::{assert_exit, fithub, fithub_with_stdin, stderr, stdout};

const PASSWORD: &str = "violet-Harbor-47-kite";

/// Runs `fithub` against `database` as the operator `operator`.
fn run(database: &TestDatabase, args: &[&str]) -> Output {
    run_with_stdin(database, args, None)
}

fn run_with_stdin(database: &TestDatabase, args: &[&str], input: Option<&str>) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = [
        ("DATABASE_URL", database.url().expose()),
        ("USER", "operator"),
    ];
    match input {
        Some(input) => fithub_with_stdin(dir.path(), args, &env, input),
        None => fithub(dir.path(), args, &env),
    }
}

fn create(database: &TestDatabase, username: &str, extra: &[&str]) -> Output {
    let email = format!("{username}@example.com");
    let mut args = vec![
        "user",
        "create",
        "--username",
        username,
        "--email",
        &email,
        "--password-stdin",
    ];
    args.extend_from_slice(extra);
    run_with_stdin(database, &args, Some(&format!("{PASSWORD}\n")))
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", stdout(output)))
}

#[tokio::test]
async fn create_reads_the_password_from_stdin_and_applies_the_rules() {
    for database in TestDatabase::all_migrated().await {
        let output = create(&database, "ada", &["--staff"]);
        assert_exit(&output, 0);
        assert!(
            stdout(&output).starts_with("Created user ada (id "),
            "{}",
            stdout(&output)
        );

        let db = database.database();
        let user = accounts::find_user(db, "ada").await.expect("created");
        assert!(user.is_staff);
        let login = serde_json::json!({"username": "ada", "password": PASSWORD});
        let auth = accounts::Auth::new(
            &fithub_core::config::Secret::new("s".repeat(32)),
            &fithub_core::Config::default(),
            Passwords::new(1),
        );
        accounts::obtain_token_pair(
            db,
            &auth,
            login.as_object().expect("object"),
            &Origin::default(),
        )
        .await
        .expect("the password from stdin logs in");

        let duplicate = create(&database, "ada", &[]);
        assert_exit(&duplicate, 1);
        assert!(
            stderr(&duplicate).contains(
                "invalid --email: A user with this email already exists.; \
                 --username: A user with that username already exists."
            ),
            "{}",
            stderr(&duplicate)
        );

        let weak = run_with_stdin(
            &database,
            &["user", "create", "--username", "bob", "--password-stdin"],
            Some("12345678\n"),
        );
        assert_exit(&weak, 1);
        assert!(
            stderr(&weak).contains("the password: This password is too common."),
            "{}",
            stderr(&weak)
        );

        let created = AuditFilter {
            action: Some("user.create".into()),
            ..AuditFilter::default()
        };
        let rows = audit::list(db, &created).await.expect("audit");
        assert_eq!(rows.len(), 1, "one user created");
        assert_eq!(rows[0].actor_username.as_deref(), Some("cli:operator"));
    }
}

#[tokio::test]
async fn without_a_terminal_commands_that_would_prompt_refuse() {
    let database = TestDatabase::sqlite_migrated().await;
    let output = run(&database, &["user", "create", "--username", "ada"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("--password-stdin"),
        "{}",
        stderr(&output)
    );

    assert_exit(&create(&database, "ada", &[]), 0);
    let output = run(&database, &["user", "delete", "ada"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("--yes"), "{}", stderr(&output));
    assert!(
        accounts::find_user(database.database(), "ada")
            .await
            .is_ok(),
        "nothing was deleted"
    );

    let output = run_with_stdin(
        &database,
        &["user", "reset-password", "ada", "--password-stdin"],
        Some(""),
    );
    assert_exit(&output, 2);
}

#[tokio::test]
async fn list_and_show_as_tables_and_json() {
    for database in TestDatabase::all_migrated().await {
        assert_exit(&create(&database, "ada", &["--superuser"]), 0);
        assert_exit(&create(&database, "bob", &[]), 0);
        assert_exit(&run(&database, &["user", "deactivate", "bob"]), 0);

        let table = run(&database, &["user", "list"]);
        assert_exit(&table, 0);
        let text = stdout(&table);
        for expected in [
            "Id",
            "Username",
            "Email",
            "Roles",
            "Active",
            "Joined",
            "Last login",
            "ada",
            "bob",
            "user, superuser",
            "never",
        ] {
            assert!(text.contains(expected), "{expected} in\n{text}");
        }

        let names = |args: &[&str]| -> Vec<String> {
            let output = run(&database, args);
            assert_exit(&output, 0);
            json(&output)
                .as_array()
                .expect("array")
                .iter()
                .map(|user| user["username"].as_str().expect("name").to_owned())
                .collect()
        };
        assert_eq!(names(&["user", "list", "--format", "json"]), ["ada", "bob"]);

        // The table shows a time to the second in UTC; JSON keeps its full precision.
        let listed = run(&database, &["user", "list", "--format", "json"]);
        let joined = json(&listed)[0]["date_joined"]
            .as_str()
            .expect("date_joined")
            .to_owned();
        let second = joined[..19].replace('T', " ");
        assert!(text.contains(&format!("{second}Z")), "{second}Z in\n{text}");
        assert!(
            !text.contains(&format!("{second}.")),
            "no fraction in\n{text}"
        );
        assert_eq!(
            names(&["user", "list", "--active", "--format", "json"]),
            ["ada"]
        );
        assert_eq!(
            names(&["user", "list", "--inactive", "--format", "json"]),
            ["bob"]
        );
        assert_eq!(
            names(&["user", "list", "--staff", "--format", "json"]),
            ["ada"]
        );
        assert_eq!(
            names(&["user", "list", "--search", "BOB@", "--format", "json"]),
            ["bob"]
        );

        let show = run(
            &database,
            &["user", "show", "ada@example.com", "--format", "json"],
        );
        assert_exit(&show, 0);
        let shown = json(&show);
        assert_eq!(shown["username"], "ada");
        assert_eq!(shown["roles"], serde_json::json!(["user", "superuser"]));
        assert_eq!(shown["last_login"], Value::Null);

        let missing = run(&database, &["user", "show", "nobody"]);
        assert_exit(&missing, 1);
        assert!(stderr(&missing).contains("no user with id, username or email \"nobody\""));
    }
}

#[tokio::test]
async fn roles_activation_passwords_tokens_and_deletion() {
    for database in TestDatabase::all_migrated().await {
        let db = database.database();
        assert_exit(&create(&database, "ada", &[]), 0);
        let before = accounts::find_user(db, "ada").await.expect("ada");

        let output = run(&database, &["user", "set-role", "ada", "--staff"]);
        assert_exit(&output, 0);
        assert_eq!(stdout(&output), "ada: roles user, staff\n");
        let output = run(
            &database,
            &["user", "set-role", "ada", "--no-staff", "--superuser"],
        );
        assert_exit(&output, 0);
        assert_eq!(stdout(&output), "ada: roles user, superuser\n");
        assert_exit(&run(&database, &["user", "set-role", "ada"]), 2);

        assert_exit(&run(&database, &["user", "deactivate", "ada"]), 0);
        let deactivated = accounts::find_user(db, "ada").await.expect("ada");
        assert!(!deactivated.is_active);
        assert!(
            deactivated.token_generation > before.token_generation,
            "tokens revoked"
        );
        assert_exit(&run(&database, &["user", "activate", "ada"]), 0);
        assert!(accounts::find_user(db, "ada").await.expect("ada").is_active);

        let output = run_with_stdin(
            &database,
            &["user", "reset-password", "ada", "--password-stdin"],
            Some("password\n"),
        );
        assert_exit(&output, 1);
        assert!(stderr(&output).contains("This password is too common."));
        let output = run_with_stdin(
            &database,
            &["user", "reset-password", "ada", "--password-stdin"],
            Some("a-new-Pass-phrase-3\n"),
        );
        assert_exit(&output, 0);

        let generation = accounts::find_user(db, "ada")
            .await
            .expect("ada")
            .token_generation;
        assert_exit(&run(&database, &["user", "revoke-tokens", "ada"]), 0);
        assert!(
            accounts::find_user(db, "ada")
                .await
                .expect("ada")
                .token_generation
                > generation
        );

        let output = run(&database, &["user", "delete", "ada", "--yes"]);
        assert_exit(&output, 0);
        assert_eq!(stdout(&output), "Deleted ada and everything they owned\n");
        assert!(accounts::find_user(db, "ada").await.is_err());

        let actions: Vec<String> = audit::list(db, &AuditFilter::default())
            .await
            .expect("audit")
            .into_iter()
            .map(|row| row.action)
            .collect();
        for expected in [
            "user.create",
            "user.role_change",
            "user.deactivate",
            "user.activate",
            "user.password_reset",
            "auth.tokens_revoked",
            "user.delete",
        ] {
            assert!(
                actions.contains(&expected.to_owned()),
                "{expected}: {actions:?}"
            );
        }
    }
}

#[tokio::test]
async fn an_unmigrated_database_is_named_with_the_fix() {
    let database = TestDatabase::sqlite().await;
    let output = run(&database, &["user", "list"]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("run `fithub migrate` first"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn sessions_are_listed_and_ended() {
    for database in TestDatabase::all_migrated().await {
        assert_exit(&create(&database, "ada", &[]), 0);
        let db = database.database();
        let auth = accounts::Auth::new(
            &fithub_core::config::Secret::new("a-cli-test-secret-a-cli-test-secret"),
            &fithub_core::Config::default(),
            Passwords::new(1),
        );
        let body = serde_json::json!({"username": "ada", "password": PASSWORD});
        for agent in ["Firefox/140", "Chromium/156"] {
            let browser = accounts::Browser {
                session_id: None,
                user_agent: Some(agent),
            };
            let origin = Origin {
                client_addr: Some("192.0.2.7".to_owned()),
                ..Origin::default()
            };
            let body = body.as_object().expect("object");
            accounts::sign_in(db, &auth, body, &origin, &browser)
                .await
                .expect("sign in");
        }
        let listed = run(&database, &["user", "sessions", "ada", "--format", "json"]);
        assert_exit(&listed, 0);
        let sessions = json(&listed);
        assert_eq!(sessions.as_array().map(Vec::len), Some(2), "{sessions}");
        assert_eq!(sessions[0]["user_agent"], "Chromium/156", "newest first");
        assert_eq!(sessions[0]["client_addr"], "192.0.2.7");
        assert_eq!(sessions[0]["id"].as_str().map(str::len), Some(12));
        let table = run(&database, &["user", "sessions", "ada"]);
        assert_exit(&table, 0);
        for expected in ["Session", "Expires", "Firefox/140", "192.0.2.7"] {
            assert!(stdout(&table).contains(expected), "{}", stdout(&table));
        }

        let ended = run(&database, &["user", "logout", "ada"]);
        assert_exit(&ended, 0);
        assert_eq!(stdout(&ended), "Ended 2 browser sessions of ada\n");
        let none = run(&database, &["user", "sessions", "ada"]);
        assert_eq!(stdout(&none), "ada has no browser session\n");
        let audited = audit::list(
            db,
            &AuditFilter {
                action: Some("auth.sessions_ended".into()),
                ..AuditFilter::default()
            },
        )
        .await
        .expect("audit");
        assert_eq!(audited.len(), 1);
    }
}

#[tokio::test]
async fn create_takes_a_time_zone_that_list_and_show_print() {
    for database in TestDatabase::all_migrated().await {
        let created = create(
            &database,
            "ny",
            &["--time-zone", "America/New_York", "--format", "json"],
        );
        assert_exit(&created, 0);
        assert_eq!(json(&created)["time_zone"], "America/New_York");
        assert_exit(&create(&database, "plain", &[]), 0);

        let shown = run(&database, &["user", "show", "ny", "--format", "json"]);
        assert_eq!(json(&shown)["time_zone"], "America/New_York");
        let table = stdout(&run(&database, &["user", "list"]));
        assert!(table.contains("Time zone"), "{table}");
        assert!(
            table.contains("America/New_York") && table.contains("UTC"),
            "{table}"
        );
        let listed = json(&run(&database, &["user", "list", "--format", "json"]));
        let zones: Vec<&Value> = listed
            .as_array()
            .expect("users")
            .iter()
            .map(|user| &user["time_zone"])
            .collect();
        assert_eq!(
            zones,
            [&Value::from("America/New_York"), &Value::from("UTC")]
        );

        // A name the IANA database does not spell so is a usage error, and nothing is created.
        let refused = create(&database, "eve", &["--time-zone", "america/new_york"]);
        assert_exit(&refused, 2);
        assert!(
            stderr(&refused).contains("A valid timezone is required."),
            "{}",
            stderr(&refused)
        );
        assert!(
            accounts::find_user(database.database(), "eve")
                .await
                .is_err()
        );
    }
}
