//! Errors an operator can act on: what is wrong, where, and what to do; read-only commands that
//! never create a database; a closed pipe that ends quietly; who the audit trail names.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fithub_core::audit::{self, AuditFilter};
use fithub_core::testing::{TEST_DATABASE_URL_VAR, TestDatabase};

use crate::helpers::{assert_exit, create_user, fithub, stderr};

#[test]
fn a_missing_sqlite_file_is_named_with_the_fix_and_never_created() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("fithub.db");
    for args in [
        &["user", "list"][..],
        &["user", "show", "ada"],
        &["audit"],
        &["export", "--output", "backup.jsonl"],
    ] {
        let output = fithub(dir.path(), args, &[]);
        assert_exit(&output, 1);
        assert_eq!(
            stderr(&output),
            format!(
                "fithub: no database at {}; run `fithub migrate` first\n",
                file.display()
            ),
            "{args:?}"
        );
    }
    // Inspecting a database that is not there shows every migration pending, creating nothing.
    assert_exit(&fithub(dir.path(), &["migrate", "status"], &[]), 0);
    assert_exit(&fithub(dir.path(), &["migrate", "--check"], &[]), 3);
    let health = fithub(dir.path(), &["health", "--database"], &[]);
    assert_exit(&health, 3);
    assert!(
        crate::helpers::stdout(&health).contains("run `fithub migrate` first"),
        "{}",
        crate::helpers::stdout(&health)
    );
    assert!(!file.exists(), "a read-only command created the database");
    assert!(!dir.path().join("backup.jsonl").exists());
}

/// `fithub user list` against `url`: its stderr, and how long it took.
fn list_users_at(url: &str) -> (String, Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let output = fithub(
        dir.path(),
        &["user", "list", "--database-url", url],
        &[("FITHUB_DATABASE_CONNECT_TIMEOUT_SECS", "2")],
    );
    assert_exit(&output, 1);
    let text = stderr(&output);
    assert!(!text.contains("pw-secret"), "the password shown: {text}");
    (text, started.elapsed())
}

#[test]
fn a_refused_postgres_connection_says_so_at_once_naming_the_host() {
    let (text, took) = list_users_at("postgres://fithub:pw-secret@127.0.0.1:1/app");
    assert_eq!(
        text,
        "fithub: cannot connect to PostgreSQL at 127.0.0.1:1/app as fithub: connection refused \
         (is PostgreSQL running, and listening on that address and port?)\n"
    );
    assert!(took < Duration::from_secs(2), "waited {took:?}");
}

#[test]
fn an_unknown_postgres_host_says_so() {
    let (text, _) = list_users_at("postgres://fithub:pw-secret@no-such-host.invalid/app");
    assert!(
        text.starts_with(
            "fithub: cannot connect to PostgreSQL at no-such-host.invalid:5432/app as fithub: \
             cannot resolve the host \"no-such-host.invalid\""
        ),
        "{text}"
    );
}

#[test]
fn a_postgres_server_that_never_answers_is_a_timeout() {
    // Accepts connections and never says a word, like a black-holed port behind a firewall.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().collect();
        drop(held);
    });
    let (text, took) = list_users_at(&format!("postgres://fithub:pw-secret@127.0.0.1:{port}/app"));
    assert!(
        text.contains(&format!(
            "127.0.0.1:{port}/app as fithub: no answer within 2 s"
        )),
        "{text}"
    );
    assert!(took < Duration::from_secs(10), "waited {took:?}");
}

#[test]
fn a_postgres_login_refused_is_an_authentication_failure() {
    let Ok(admin) = std::env::var(TEST_DATABASE_URL_VAR) else {
        return; // PostgreSQL tests run where FITHUB_TEST_DATABASE_URL is set (CI sets it).
    };
    let mut url = url::Url::parse(&admin).expect("a URL");
    url.set_username("fithub_no_such_role").expect("user");
    url.set_password(Some("pw-secret")).expect("password");
    let (text, _) = list_users_at(url.as_str());
    assert!(
        text.contains("as fithub_no_such_role: authentication failed: "),
        "{text}"
    );
}

#[tokio::test]
async fn without_user_the_audit_trail_names_the_uid_and_host() {
    let database = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    // The helper clears the environment: no $USER, as in a container.
    create_user(&database, dir.path(), "ada");
    let rows = audit::list(database.database(), &AuditFilter::default())
        .await
        .expect("audit");
    let uid = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").expect("proc").uid()
    };
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    assert_eq!(
        rows[0].actor_username.as_deref(),
        Some(format!("cli:uid={uid}@{}", host.trim()).as_str())
    );
}

/// Runs `fithub` with its stdout already closed by the reader, as `fithub … | head -0` does.
fn with_closed_stdout(dir: &std::path::Path, args: &[&str], url: &str) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fithub"))
        .current_dir(dir)
        .env_clear()
        .env("DATABASE_URL", url)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fithub");
    drop(child.stdout.take());
    let mut errors = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut errors)
        .expect("read");
    let status = child.wait().expect("wait");
    std::process::Output {
        status,
        stdout: Vec::new(),
        stderr: errors.into_bytes(),
    }
}

#[tokio::test]
async fn a_closed_pipe_ends_quietly_with_status_0() {
    let database = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database.url().expose();
    create_user(&database, dir.path(), "ada");
    for args in [
        &["export"][..],
        &["user", "list"],
        &["user", "list", "--format", "json"],
        &["completions", "bash"],
    ] {
        let output = with_closed_stdout(dir.path(), args, url);
        assert_exit(&output, 0);
        assert_eq!(stderr(&output), "", "{args:?} is quiet");
    }
}
