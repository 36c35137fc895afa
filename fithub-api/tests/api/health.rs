use axum::http::StatusCode;
use fithub_core::config::DatabaseUrl;
use fithub_core::db::PoolSettings;
use fithub_core::testing::TestDatabase;
use fithub_core::{Database, db::migrations};

use crate::helpers::{TestApp, unmigrated_sqlite};

#[tokio::test]
async fn health_answers_without_touching_the_database() {
    // A database that cannot be reached: liveness must not care.
    let unreachable = Database::connect_lazy(
        &DatabaseUrl::new("postgres://postgres@127.0.0.1:1/fithub"),
        &PoolSettings::default(),
    )
    .expect("lazy pool");
    let app = TestApp::with_database(unreachable);
    let response = app.get("/health").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json(), serde_json::json!({"status": "ok"}));
    assert_eq!(response.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn ready_when_database_answers_and_schema_is_current() {
    for database in TestDatabase::all_migrated().await {
        let backend = database.backend();
        let app = TestApp::on(database).await;
        let response = app.get("/ready").await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{backend:?}: {}",
            response.text()
        );
        assert_eq!(
            response.json(),
            serde_json::json!({"status": "ready", "checks": {"database": "ok", "migrations": "ok"}})
        );
    }
}

#[tokio::test]
async fn not_ready_when_database_is_unreachable() {
    let unreachable = Database::connect_lazy(
        &DatabaseUrl::new("postgres://postgres@127.0.0.1:1/fithub"),
        &PoolSettings::default(),
    )
    .expect("lazy pool");
    let app = TestApp::with_database(unreachable);
    let response = app.get("/ready").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = response.json();
    assert_eq!(body["status"], "unavailable");
    // sqlx keeps retrying a refused connection, so the configured timeout usually ends the wait.
    let database = body["checks"]["database"].as_str().unwrap_or_default();
    assert!(["unreachable", "timed out"].contains(&database), "{body}");
    assert_eq!(
        body["detail"],
        "Service temporarily unavailable, try again later."
    );
    // The cause is logged, never sent.
    assert!(!response.text().contains("refused"), "{}", response.text());
}

#[tokio::test]
async fn not_ready_when_a_running_postgres_database_goes_away() {
    let Some(database) = TestDatabase::postgres_migrated().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let app = TestApp::with_database(database.database().clone());
    assert_eq!(app.get("/ready").await.status, StatusCode::OK);
    drop(database); // DROP DATABASE ... WITH (FORCE): connections die, new ones fail.
    let response = app.get("/ready").await;
    assert_eq!(
        response.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        response.text()
    );
    assert_eq!(response.json()["checks"]["database"], "unreachable");
}

#[tokio::test]
async fn not_ready_while_migrations_are_pending() {
    let database = unmigrated_sqlite().await;
    let app = TestApp::with_database(database.database().clone());
    let response = app.get("/ready").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = response.json();
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(
        body["checks"]["migrations"],
        "V1 pending, V2 pending, V3 pending, V4 pending, V5 pending, V6 pending, V7 pending, V8 pending, V9 pending"
    );

    migrations::migrate(database.database())
        .await
        .expect("migrate");
    assert_eq!(app.get("/ready").await.status, StatusCode::OK);
}

#[tokio::test]
async fn head_is_answered_like_get_without_a_body() {
    let app = TestApp::spawn().await;
    let response = app.send(axum::http::Method::HEAD, "/health").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.is_empty());
}
