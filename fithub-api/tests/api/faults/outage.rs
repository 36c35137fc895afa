//! PostgreSQL going away under the API (items 17 and 18). The test database is reached through a
//! proxy that can "stop" like the server does: it refuses new connections while PostgreSQL
//! terminates the API's backends ("terminating connection due to administrator command"). Every
//! answer meanwhile is a quick 503 with `Retry-After: 1`, and the API is back within a second
//! of the database.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::helpers::{Session, TestApp, TestResponse};
use crate::proxy::{Proxy, server_address};
use axum::http::{Method, StatusCode};
use fithub_core::config::DatabaseUrl;
use fithub_core::db::{Database, PoolSettings};
use fithub_core::testing::TestDatabase;
use sqlx::{Connection, PgConnection};

/// Ends the API's backends on the test database as a stopping server does.
async fn terminate_backends(url: &DatabaseUrl) -> i64 {
    let mut admin = PgConnection::connect(url.expose()).await.expect("connect");
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = 'fithub') AS ended",
    )
    .fetch_one(&mut admin)
    .await
    .expect("terminate")
}

async fn list_diets(app: &TestApp, ada: &Session) -> TestResponse {
    app.call(Method::GET, "/api/nutrition/diets/")
        .by(ada)
        .send()
        .await
}

#[track_caller]
fn assert_unavailable(response: &TestResponse) {
    response.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.header("retry-after"), Some("1"));
}

#[tokio::test]
async fn an_outage_is_a_quick_503_and_the_api_recovers_within_a_second() {
    let Some(database) = TestDatabase::postgres_migrated().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let mut proxy = Proxy::start(server_address(database.url()).await).await;
    let settings = PoolSettings {
        connect_timeout: Duration::from_secs(5),
        ..PoolSettings::default()
    };
    let db = Database::connect(&proxy.url(database.url()), &settings)
        .await
        .expect("connect through the proxy");
    let app = Arc::new(TestApp::with_database(db));
    let ada = app.register("ada").await;
    list_diets(&app, &ada).await.assert_status(StatusCode::OK);

    // A request in flight when the server stops: a lock keeps it waiting until then.
    let mut blocker = PgConnection::connect(database.url().expose())
        .await
        .expect("connect");
    sqlx::raw_sql("BEGIN; LOCK TABLE diets IN ACCESS EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .expect("lock");
    let in_flight = tokio::spawn({
        let (app, ada) = (app.clone(), ada.clone());
        async move { list_diets(&app, &ada).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.stop_listening();
    assert!(terminate_backends(database.url()).await > 0);
    proxy.sever();
    drop(blocker);
    assert_unavailable(&in_flight.await.expect("in flight"));

    // While it is down, every answer is a 503 at once, not after the pool's 5 s.
    for _ in 0..20 {
        let started = Instant::now();
        assert_unavailable(&list_diets(&app, &ada).await);
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "a 503 took {:?}",
            started.elapsed()
        );
    }

    proxy.listen().await;
    let back = Instant::now();
    loop {
        let response = list_diets(&app, &ada).await;
        if response.status == StatusCode::OK {
            break;
        }
        assert_unavailable(&response);
        assert!(
            back.elapsed() < Duration::from_secs(1),
            "still 503 a second after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Every stale connection is gone: a burst finds only live ones.
    for _ in 0..10 {
        list_diets(&app, &ada).await.assert_status(StatusCode::OK);
    }
}
