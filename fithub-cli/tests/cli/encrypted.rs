//! Encrypted backups: `fithub backup keygen`, `fithub export --encrypt-to / --passphrase-file`,
//! and `fithub import` recognising and decrypting them, or refusing with nothing written.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use fithub_core::db::query;
use fithub_core::testing::TestDatabase;

use crate::helpers::{assert_exit, create_user, fithub, stderr, stdout};

const MEASUREMENTS: usize = 3000;

fn run(database: &TestDatabase, dir: &Path, args: &[&str]) -> Output {
    fithub(dir, args, &[("DATABASE_URL", database.url().expose())])
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// A database holding the user ada and 3,000 measurements: an archive of several of age's
/// 64 KiB chunks, so that a late chunk can be damaged after earlier ones were imported.
async fn source(dir: &Path) -> TestDatabase {
    let database = TestDatabase::sqlite_migrated().await;
    create_user(&database, dir, "ada");
    let plain = run(&database, dir, &["export"]);
    assert_exit(&plain, 0);
    let text = stdout(&plain);
    let lines: Vec<&str> = text.lines().collect();
    let mut archive = format!("{}\n{}\n", lines[0], lines[1]);
    for i in 1..=MEASUREMENTS {
        let at = format!(
            "2025-03-02T{:02}:{:02}:{:02}Z",
            i / 3600,
            i / 60 % 60,
            i % 60
        );
        archive.push_str(&format!(
            "{{\"type\":\"body_measurement\",\"data\":{{\"id\":{i},\"user_id\":1,\
             \"metric\":\"weight_kg\",\"measurement_type\":\"log\",\"value\":70.5,\
             \"timestamp\":\"{at}\",\"created_at\":\"{at}\",\"updated_at\":\"{at}\"}}}}\n"
        ));
    }
    archive.push_str(&format!(
        "{{\"type\":\"end\",\"data\":{{\"records\":{}}}}}\n",
        MEASUREMENTS + 1
    ));
    std::fs::write(dir.join("measurements.jsonl"), archive).expect("write");
    let added = run(
        &database,
        dir,
        &["import", "measurements.jsonl", "--on-conflict", "skip"],
    );
    assert_exit(&added, 0);
    database
}

/// Users and measurements in `database`.
async fn rows(database: &TestDatabase) -> (i64, i64) {
    let count = |table: &'static str| async move {
        query(table)
            .fetch_scalar::<i64>(database.database())
            .await
            .expect("count")
    };
    (
        count("SELECT COUNT(*) FROM users").await,
        count("SELECT COUNT(*) FROM body_measurements").await,
    )
}

#[tokio::test]
async fn an_archive_encrypted_to_a_key_round_trips_and_refuses_other_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source(dir.path()).await;

    let keygen = fithub(
        dir.path(),
        &["backup", "keygen", "--output", "key.txt"],
        &[],
    );
    assert_exit(&keygen, 0);
    let recipient = stdout(&keygen).trim().to_owned();
    assert!(recipient.starts_with("age1"), "{recipient}");
    assert_eq!(mode(&dir.path().join("key.txt")), 0o600);
    let key = std::fs::read_to_string(dir.path().join("key.txt")).expect("key");
    assert!(
        key.contains(&format!("# public key: {recipient}")) && key.contains("AGE-SECRET-KEY-1")
    );
    let again = fithub(
        dir.path(),
        &["backup", "keygen", "--output", "key.txt"],
        &[],
    );
    assert_exit(&again, 1);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("key.txt")).expect("key"),
        key,
        "an existing key is never overwritten"
    );
    assert_exit(
        &fithub(dir.path(), &["backup", "keygen", "-o", "other.txt"], &[]),
        0,
    );

    let export = run(
        &source,
        dir.path(),
        &[
            "export",
            "--encrypt-to",
            &recipient,
            "--output",
            "backup.jsonl.gz.age",
        ],
    );
    assert_exit(&export, 0);
    assert!(
        stderr(&export).contains(&format!(
            "Exported {} records to backup.jsonl.gz.age, encrypted to 1 recipient",
            MEASUREMENTS + 1
        )),
        "{}",
        stderr(&export)
    );
    let archive = dir.path().join("backup.jsonl.gz.age");
    assert_eq!(mode(&archive), 0o600);
    let bytes = std::fs::read(&archive).expect("archive");
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    let bad_key = run(&source, dir.path(), &["export", "--encrypt-to", "age1nope"]);
    assert_exit(&bad_key, 2);
    assert!(stderr(&bad_key).contains("--encrypt-to age1nope: not an age public key"));

    for target in TestDatabase::all_migrated().await {
        let no_key = run(&target, dir.path(), &["import", "backup.jsonl.gz.age"]);
        assert_exit(&no_key, 2);
        assert!(
            stderr(&no_key).contains("pass --identity FILE"),
            "{}",
            stderr(&no_key)
        );

        let wrong = run(
            &target,
            dir.path(),
            &["import", "backup.jsonl.gz.age", "--identity", "other.txt"],
        );
        assert_exit(&wrong, 1);
        assert!(
            stderr(&wrong).contains(
                "cannot decrypt the archive: it is not encrypted to any key of the --identity"
            ),
            "{}",
            stderr(&wrong)
        );
        assert_eq!(rows(&target).await, (0, 0));

        let imported = run(
            &target,
            dir.path(),
            &[
                "import",
                "backup.jsonl.gz.age",
                "--identity",
                "other.txt",
                "--identity",
                "key.txt",
                "--format",
                "json",
            ],
        );
        assert_exit(&imported, 0);
        let report: serde_json::Value = serde_json::from_slice(&imported.stdout).expect("json");
        assert_eq!(report["created"]["body_measurement"], MEASUREMENTS);
        assert_eq!(rows(&target).await, (1, MEASUREMENTS as i64));
    }
}

#[tokio::test]
async fn a_passphrase_archive_round_trips_and_a_wrong_passphrase_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source(dir.path()).await;
    std::fs::write(
        dir.path().join("pass.txt"),
        "correct horse battery staple\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("wrong.txt"), "incorrect horse\n").expect("write");
    let export = run(
        &source,
        dir.path(),
        &[
            "export",
            "--passphrase-file",
            "pass.txt",
            "--output",
            "backup.age",
        ],
    );
    assert_exit(&export, 0);
    assert!(stderr(&export).contains("encrypted to a passphrase"));

    let target = TestDatabase::sqlite_migrated().await;
    let asked = run(&target, dir.path(), &["import", "backup.age"]);
    assert_exit(&asked, 2);
    assert!(
        stderr(&asked).contains("pass --passphrase-file FILE"),
        "{}",
        stderr(&asked)
    );
    let wrong = run(
        &target,
        dir.path(),
        &["import", "backup.age", "--passphrase-file", "wrong.txt"],
    );
    assert_exit(&wrong, 1);
    assert!(
        stderr(&wrong).contains("the passphrase is wrong"),
        "{}",
        stderr(&wrong)
    );
    assert_eq!(rows(&target).await, (0, 0));
    let imported = run(
        &target,
        dir.path(),
        &["import", "backup.age", "--passphrase-file", "pass.txt"],
    );
    assert_exit(&imported, 0);
    assert_eq!(rows(&target).await, (1, MEASUREMENTS as i64));
}

#[tokio::test]
async fn a_tampered_archive_fails_clearly_and_leaves_0_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source(dir.path()).await;
    let keygen = fithub(
        dir.path(),
        &["backup", "keygen", "--output", "key.txt"],
        &[],
    );
    let recipient = stdout(&keygen).trim().to_owned();
    // Not compressed: the payload spans several chunks, and the damage is in the last one.
    let export = run(
        &source,
        dir.path(),
        &[
            "export",
            "--encrypt-to",
            &recipient,
            "--output",
            "backup.jsonl.age",
        ],
    );
    assert_exit(&export, 0);
    let original = std::fs::read(dir.path().join("backup.jsonl.age")).expect("archive");
    assert!(original.len() > 3 * 64 * 1024, "{} bytes", original.len());

    let header_end = original
        .windows(4)
        .position(|window| window == b"\n---")
        .expect("age header");
    let cases = [
        (
            original.len() - 100,
            "the encrypted archive is damaged or was tampered with",
        ),
        (header_end + 6, "its header is damaged or was tampered with"),
    ];
    for (offset, message) in cases {
        let mut tampered = original.clone();
        // Another base64 letter: the header still parses, and only its MAC can catch it.
        tampered[offset] = if tampered[offset] == b'A' { b'B' } else { b'A' };
        std::fs::write(dir.path().join("tampered.age"), &tampered).expect("write");
        for target in TestDatabase::all_migrated().await {
            let output = run(
                &target,
                dir.path(),
                &["import", "tampered.age", "--identity", "key.txt"],
            );
            assert_exit(&output, 1);
            assert!(stderr(&output).contains(message), "{}", stderr(&output));
            assert_eq!(rows(&target).await, (0, 0), "nothing written");
        }
    }
    // Cut short (the last chunk lost in part), the archive is refused too.
    std::fs::write(
        dir.path().join("short.age"),
        &original[..original.len() - 1000],
    )
    .expect("write");
    let target = TestDatabase::sqlite_migrated().await;
    let output = run(
        &target,
        dir.path(),
        &["import", "short.age", "--identity", "key.txt"],
    );
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("the encrypted archive is damaged or was tampered with"),
        "{}",
        stderr(&output)
    );
    assert_eq!(rows(&target).await, (0, 0));
}
