//! A statement PostgreSQL cannot finish in time (item 1): the request's timeout is also the
//! statement's, so nothing keeps running after the API has answered, and a statement that times
//! out is a 503.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use fithub_core::Config;
use fithub_core::config::DatabaseUrl;
use fithub_core::db::{Database, PoolSettings};
use fithub_core::testing::TestDatabase;
use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::helpers::{TestApp, test_config};

/// A connection holding every lock on `diets` until it is dropped: listing diets waits for it.
async fn lock_diets(url: &DatabaseUrl) -> PgConnection {
    let mut blocker = PgConnection::connect(url.expose()).await.expect("connect");
    sqlx::raw_sql("BEGIN; LOCK TABLE diets IN ACCESS EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .expect("lock");
    blocker
}

/// The API's statements on `diets` still running.
async fn running(url: &DatabaseUrl) -> i64 {
    let mut probe = PgConnection::connect(url.expose()).await.expect("connect");
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND application_name = 'fithub' AND state = 'active' AND query LIKE '%FROM diets%'",
    )
    .fetch_one(&mut probe)
    .await
    .expect("pg_stat_activity")
}

#[tokio::test]
async fn a_request_given_up_on_leaves_no_statement_running() {
    let Some(database) = TestDatabase::postgres_migrated().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let url = database.url().clone();
    let config = Config {
        request_timeout_secs: 1,
        ..test_config()
    };
    // Registered without the one-second timeout: on a busy machine argon2 alone can take it.
    let registrar = TestApp::with_database(database.database().clone());
    let ada = registrar.register("ada").await;
    let app = TestApp::started(database, config).await;
    let _blocker = lock_diets(&url).await;

    let response = app
        .call(Method::GET, "/api/nutrition/diets/")
        .by(&ada)
        .send()
        .await;
    // Whichever of the two timeouts of one second fires first.
    assert!(
        [StatusCode::SERVICE_UNAVAILABLE, StatusCode::GATEWAY_TIMEOUT].contains(&response.status),
        "{}",
        response.text()
    );
    let answered = Instant::now();
    while running(&url).await > 0 {
        assert!(
            answered.elapsed() < Duration::from_secs(2),
            "the statement is still running after the answer"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_statement_that_times_out_is_a_503() {
    let Some(database) = TestDatabase::postgres_migrated().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    // Statements time out long before the request would.
    let settings = PoolSettings {
        statement_timeout: Some(Duration::from_millis(300)),
        ..PoolSettings::default()
    };
    let db = Database::connect(database.url(), &settings)
        .await
        .expect("pool");
    let app = TestApp::with_database(db);
    let ada = app.register("ada").await;
    let _blocker = lock_diets(database.url()).await;

    let response = app
        .call(Method::GET, "/api/nutrition/diets/")
        .by(&ada)
        .send()
        .await;
    response.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response.json(),
        json!({"detail": "Service temporarily unavailable, try again later."})
    );
}
