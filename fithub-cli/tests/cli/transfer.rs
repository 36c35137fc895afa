//! `fithub export` and `fithub import`, the real binary.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;

use fithub_core::testing::TestDatabase;

use crate::helpers::{
    assert_exit, create_user, finish, fithub, fithub_on_terminal, fithub_with_stdin, stderr, stdout,
};

fn run(database: &TestDatabase, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    fithub(dir, args, &[("DATABASE_URL", database.url().expose())])
}

#[tokio::test]
async fn export_to_a_gzip_file_and_import_it_elsewhere() {
    for target in TestDatabase::all_migrated().await {
        let source = TestDatabase::sqlite_migrated().await;
        let dir = tempfile::tempdir().expect("temp dir");
        create_user(&source, dir.path(), "ada");
        create_user(&source, dir.path(), "bob");

        let output = run(
            &source,
            dir.path(),
            &["export", "--output", "backup.jsonl.gz"],
        );
        assert_exit(&output, 0);
        assert!(
            stderr(&output).contains("Exported 2 records to backup.jsonl.gz"),
            "{}",
            stderr(&output)
        );
        // It holds password hashes: readable by its owner only.
        let mode = std::fs::metadata(dir.path().join("backup.jsonl.gz"))
            .expect("archive")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        let mut text = String::new();
        gunzip_with_system_gzip(&dir.path().join("backup.jsonl.gz"), &mut text);
        assert!(text.starts_with(r#"{"type":"header""#), "{text}");

        let dry = run(
            &target,
            dir.path(),
            &["import", "backup.jsonl.gz", "--dry-run"],
        );
        assert_exit(&dry, 0);
        let said = stdout(&dry);
        assert!(
            said.contains("Would create") && !said.contains("Created"),
            "{said}"
        );
        assert!(
            said.contains(
                "Dry run: 2 records checked, nothing written. Would create 2, update 0, skip 0 \
                 (they exist), reuse 0 shared."
            ),
            "{said}"
        );
        let users = run(&target, dir.path(), &["user", "list", "--format", "json"]);
        assert_eq!(stdout(&users).trim(), "[]");

        let imported = run(
            &target,
            dir.path(),
            &["import", "backup.jsonl.gz", "--format", "json"],
        );
        assert_exit(&imported, 0);
        let report: serde_json::Value = serde_json::from_slice(&imported.stdout).expect("json");
        assert_eq!(report["created"]["user"], 2);

        let again = run(&target, dir.path(), &["import", "backup.jsonl.gz"]);
        assert_exit(&again, 1);
        assert!(
            stderr(&again).contains("line 2: user: user \"ada\" exists already"),
            "{}",
            stderr(&again)
        );
        let skipped = run(
            &target,
            dir.path(),
            &["import", "backup.jsonl.gz", "--on-conflict", "skip"],
        );
        assert_exit(&skipped, 0);
        let said = stdout(&skipped);
        assert!(
            said.contains(
                "Read 2 records: created 0, updated 0, skipped 2 (they exist), reused 0 shared."
            ),
            "{said}"
        );
        assert!(said.contains("Skipped"), "{said}");
    }
}

#[tokio::test]
async fn on_a_terminal_export_shows_its_total_and_the_time_left() {
    let source = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    create_user(&source, dir.path(), "ada");
    create_user(&source, dir.path(), "bob");
    let session = fithub_on_terminal(
        dir.path(),
        &["export", "--output", "backup.jsonl"],
        // A terminal that can redraw a line: console draws no bar on a dumb one.
        &[("DATABASE_URL", source.url().expose()), ("TERM", "xterm")],
    );
    let (text, code) = finish(session);
    assert_eq!(code, 0, "{text:?}");
    // Counted first: the bar knows the total from its first frame.
    assert!(
        text.contains(" 2/2 records ") && text.contains("(ETA "),
        "{text:?}"
    );
    assert!(
        text.contains("Exported 2 records to backup.jsonl"),
        "{text:?}"
    );
}

#[tokio::test]
async fn export_of_one_user_to_stdout() {
    let database = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    create_user(&database, dir.path(), "ada");
    create_user(&database, dir.path(), "bob");
    let output = run(&database, dir.path(), &["export", "--user", "bob"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 3, "header, bob, end:\n{text}");
    assert!(text.contains(r#""username":"bob""#) && !text.contains(r#""username":"ada""#));
    let missing = run(&database, dir.path(), &["export", "--user", "nobody"]);
    assert_exit(&missing, 1);
    assert!(
        stderr(&missing).contains("--user nobody"),
        "{}",
        stderr(&missing)
    );
}

#[tokio::test]
async fn a_bad_archive_names_its_line_and_writes_nothing() {
    let database = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = "{\"type\":\"header\",\"data\":{\"format\":\"fithub-archive\",\"format_version\":1,\"schema_version\":1,\"created_at\":\"2025-03-02T07:45:00Z\",\"scope\":{\"kind\":\"all\"}}}\n\
                   {\"type\":\"user\",\"data\":{\"id\":1,\"username\":\"ada\",\"email\":\"\",\"first_name\":\"\",\"last_name\":\"\",\"password_hash\":\"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4bCTXPGvmn3iKiUYLxSnW3NDKNnHmt8pT6Fk4uqRNNs\",\"is_active\":true,\"is_staff\":false,\"is_superuser\":false,\"date_joined\":\"2025-03-02T07:45:00Z\",\"last_login\":null}}\n\
                   {\"type\":\"diet\",\"data\":{\"id\":1,\"user_id\":7}}\n";
    std::fs::write(dir.path().join("bad.jsonl"), archive).expect("write");
    let output = run(&database, dir.path(), &["import", "bad.jsonl"]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("line 3: record: not a valid record"),
        "{}",
        stderr(&output)
    );
    let users = run(&database, dir.path(), &["user", "list", "--format", "json"]);
    assert_eq!(
        stdout(&users).trim(),
        "[]",
        "the user on line 2 was not written"
    );

    let from_stdin = fithub_with_stdin(
        dir.path(),
        &["import", "-"],
        &[("DATABASE_URL", database.url().expose())],
        "not json\n",
    );
    assert_exit(&from_stdin, 1);
    assert!(crate::helpers::stderr(&from_stdin).contains("line 1:"));
}

#[tokio::test]
async fn the_catalogue_reports_what_it_did_by_line() {
    let database = TestDatabase::sqlite_migrated().await;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("foods.csv"),
        "name,category,calories,proteins,fats,carbs,fibers,sugars\n\
         Rolled oats,Grains,379,13,7,68,10,1\n\
         Broken,Grains,x,1,1,1,1,1\n",
    )
    .expect("write");
    let output = run(
        &database,
        dir.path(),
        &["import", "--catalogue", "foods.csv"],
    );
    assert_exit(&output, 1);
    let text = stdout(&output);
    assert!(
        text.contains("created 1, updated 0, unchanged 0, rejected 1"),
        "{text}"
    );
    assert!(text.contains("line 3: calories"), "{text}");
    let again = run(
        &database,
        dir.path(),
        &["import", "--catalogue", "foods.csv", "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
    assert_eq!(report["unchanged"], 1);
}

/// Reads a gzip file with the system gzip: proof that the file is standard gzip.
fn gunzip_with_system_gzip(path: &std::path::Path, text: &mut String) {
    let mut child = std::process::Command::new("gzip")
        .args(["-dc"])
        .arg(path)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip");
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(text)
        .expect("read");
    assert!(child.wait().expect("wait").success());
}
