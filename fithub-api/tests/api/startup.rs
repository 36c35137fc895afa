use fithub_api::App;
use fithub_core::config::{Config, Environment};
use fithub_core::db::migrations;
use fithub_core::testing::TestDatabase;

use crate::helpers::test_config;

fn config_for(database: &TestDatabase) -> Config {
    Config {
        database_url: database.url().clone(),
        ..test_config()
    }
}

#[tokio::test]
async fn sqlite_is_migrated_at_start() {
    let database = TestDatabase::sqlite().await;
    let app = App::start(config_for(&database)).await.expect("starts");
    let statuses = migrations::status(&app.db).await.expect("status");
    assert!(migrations::is_current(&statuses));
}

#[tokio::test]
async fn postgres_with_pending_migrations_refuses_to_start() {
    let Some(database) = TestDatabase::postgres().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let error = App::start(config_for(&database))
        .await
        .err()
        .expect("refuses");
    let message = error.to_string();
    assert!(message.contains("fithub migrate"), "{message}");
    assert!(
        message.contains("V1__initial_schema (pending)"),
        "{message}"
    );
    let statuses = migrations::status(database.database())
        .await
        .expect("status");
    assert!(!migrations::is_current(&statuses), "nothing was applied");
}

#[tokio::test]
async fn postgres_auto_migrate_applies_at_start() {
    let Some(database) = TestDatabase::postgres().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let config = Config {
        auto_migrate: true,
        ..config_for(&database)
    };
    let app = App::start(config).await.expect("starts");
    assert!(migrations::is_current(
        &migrations::status(&app.db).await.expect("status")
    ));
}

#[tokio::test]
async fn production_without_a_jwt_secret_refuses_to_start() {
    let database = TestDatabase::sqlite().await;
    let config = Config {
        env: Environment::Production,
        jwt_secret: None,
        ..config_for(&database)
    };
    let error = App::start(config).await.err().expect("refuses");
    assert!(error.to_string().contains("FITHUB_JWT_SECRET"), "{error}");
}

/// The database file holds every password hash: created readable by its owner only, and so are
/// the write-ahead log files SQLite creates beside it.
#[tokio::test]
async fn the_sqlite_file_the_api_creates_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fithub.db");
    let config = Config {
        database_url: fithub_core::config::DatabaseUrl::new(format!("sqlite://{}", path.display())),
        ..test_config()
    };
    let app = App::start(config).await.expect("starts");
    for file in ["fithub.db", "fithub.db-wal", "fithub.db-shm"] {
        let mode = std::fs::metadata(dir.path().join(file))
            .unwrap_or_else(|error| panic!("{file}: {error}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}: {mode:o}");
    }
    app.db.close().await;
}
