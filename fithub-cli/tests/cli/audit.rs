//! `fithub audit`, and the audit rows of the CLI's own actions.

use fithub_core::testing::TestDatabase;

use crate::helpers::{assert_exit, fithub, fithub_with_stdin, stdout};

#[tokio::test]
async fn the_audit_trail_lists_cli_and_api_actions() {
    for database in TestDatabase::all_migrated().await {
        let dir = tempfile::tempdir().expect("temp dir");
        let env = [
            ("DATABASE_URL", database.url().expose()),
            ("USER", "operator"),
        ];
        let created = fithub_with_stdin(
            dir.path(),
            &["user", "create", "--username", "ada", "--password-stdin"],
            &env,
            "violet-Harbor-47-kite\n",
        );
        assert_exit(&created, 0);
        assert_exit(&fithub(dir.path(), &["user", "deactivate", "ada"], &env), 0);
        assert_exit(
            &fithub(dir.path(), &["export", "--output", "all.jsonl"], &env),
            0,
        );

        let listing = fithub(dir.path(), &["audit"], &env);
        assert_exit(&listing, 0);
        let text = stdout(&listing);
        for expected in [
            "Time",
            "Actor",
            "Action",
            "user.create",
            "user.deactivate",
            "cli.export",
            "cli:operator",
        ] {
            assert!(text.contains(expected), "{expected} in\n{text}");
        }

        let json = fithub(
            dir.path(),
            &["audit", "--user", "ada", "--format", "json"],
            &env,
        );
        assert_exit(&json, 0);
        let rows: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
        let actions: Vec<&str> = rows
            .as_array()
            .expect("array")
            .iter()
            .map(|row| row["action"].as_str().expect("action"))
            .collect();
        assert_eq!(
            actions,
            ["user.deactivate", "user.create"],
            "newest first, only ada's"
        );

        let recent = fithub(
            dir.path(),
            &[
                "audit",
                "--since",
                "1h",
                "--action",
                "cli.export",
                "--format",
                "json",
            ],
            &env,
        );
        assert_exit(&recent, 0);
        let rows: serde_json::Value = serde_json::from_slice(&recent.stdout).expect("json");
        assert_eq!(rows.as_array().map(Vec::len), Some(1));
        let future = fithub(
            dir.path(),
            &[
                "audit",
                "--since",
                "2999-01-01T00:00:00Z",
                "--format",
                "json",
            ],
            &env,
        );
        assert_eq!(stdout(&future).trim(), "[]");
        assert_exit(
            &fithub(dir.path(), &["audit", "--since", "whenever"], &env),
            2,
        );
    }
}

#[tokio::test]
async fn audit_prune_keeps_the_retention_on_both_databases() {
    for database in TestDatabase::all_migrated().await {
        let dir = tempfile::tempdir().expect("temp dir");
        let env = [("DATABASE_URL", database.url().expose())];
        let db = database.database();
        let now = fithub_core::datetime::Timestamp::now();
        for days in [3, 450] {
            fithub_core::db::query("INSERT INTO audit_log (action, occurred_at) VALUES ('x', $1)")
                .bind(now - time::Duration::days(days))
                .execute(db)
                .await
                .expect("audit entry");
        }
        let pruned = fithub(
            dir.path(),
            &[
                "audit",
                "prune",
                "--retention-days",
                "400",
                "--format",
                "json",
            ],
            &env,
        );
        assert_exit(&pruned, 0);
        let report: serde_json::Value = serde_json::from_str(&stdout(&pruned)).expect("json");
        // The old entry's month has no partition of its own: it sits in the default partition.
        assert_eq!(report["audit_rows"], 1, "{report}");
        let left: i64 = fithub_core::db::query("SELECT COUNT(*) FROM audit_log")
            .fetch_scalar(db)
            .await
            .expect("count");
        assert_eq!(left, 1);
    }
}
