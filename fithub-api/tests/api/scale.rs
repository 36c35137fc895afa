//! Past one machine (issue 20): reads on a streaming replica with read-your-writes, a replica
//! that goes away, and every feature through PgBouncer in transaction mode. These run against
//! the replica and the PgBouncer that `.ci/run` starts (`scripts/replica/start.sh`), named by
//! `FITHUB_TEST_REPLICA_URL` and `FITHUB_TEST_PGBOUNCER_URL`.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use fithub_core::Config;
use fithub_core::config::DatabaseUrl;
use fithub_core::testing::TestDatabase;
use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::helpers::{STRONG_PASSWORD, Session, TestApp, TestResponse, test_config};
use crate::nutrition::diet_body;
use crate::proxy::{Proxy, server_address};

/// Pausing replay pauses it for every database on the replica: the tests that pause it, or
/// that need it to keep up, take turns.
static REPLICA: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The app on a fresh PostgreSQL database with `replica` (that database on the replica, or a
/// proxy to it) serving its reads; `None` without a replica to test against.
async fn app_with_replica(
    replica: impl FnOnce(DatabaseUrl) -> DatabaseUrl,
) -> Option<(TestApp, DatabaseUrl)> {
    let database = TestDatabase::postgres_migrated().await?;
    let replica_url = database.on_replica().await?;
    let config = Config {
        database_replica_urls: vec![replica(replica_url.clone())],
        // Paused replay makes the replica fall behind: it must still serve other users.
        replica_max_lag_ms: 60_000,
        ..test_config()
    };
    let app = TestApp::started(database, config).await;
    Some((app, replica_url))
}

/// Statements the replica has served.
fn replica_reads(app: &TestApp) -> u64 {
    app.db().replicas().expect("replicas").statuses()[0].reads
}

/// Waits until the replica serves reads again (the monitor polls every 100 ms).
async fn until_replica_serves(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app.db().replicas().expect("replicas").statuses()[0].up {
        assert!(Instant::now() < deadline, "the replica never came up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn list_diets(app: &TestApp, user: &Session) -> TestResponse {
    let response = app
        .call(Method::GET, "/api/nutrition/diets/")
        .by(user)
        .send()
        .await;
    response.assert_status(StatusCode::OK);
    response
}

/// Replay paused on the replica until dropped, even by a failing test.
struct PausedReplay(DatabaseUrl);

impl PausedReplay {
    async fn pause(replica: &DatabaseUrl) -> PausedReplay {
        let mut connection = PgConnection::connect(replica.expose())
            .await
            .expect("replica");
        sqlx::query("SELECT pg_wal_replay_pause()")
            .execute(&mut connection)
            .await
            .expect("pause replay");
        PausedReplay(replica.clone())
    }
}

impl Drop for PausedReplay {
    fn drop(&mut self) {
        let url = self.0.expose().to_owned();
        let resumed = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let mut connection = PgConnection::connect(&url).await?;
                sqlx::query("SELECT pg_wal_replay_resume()")
                    .execute(&mut connection)
                    .await
                    .map(|_| ())
            })
        })
        .join();
        assert!(matches!(resumed, Ok(Ok(()))), "could not resume replay");
    }
}

#[tokio::test]
async fn reads_go_to_the_replica_and_users_read_their_own_writes() {
    let _turn = REPLICA.lock().await;
    let Some((app, replica_url)) = app_with_replica(|url| url).await else {
        return;
    };
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    until_replica_serves(&app).await;

    // A read-only request is served by the replica.
    let before = replica_reads(&app);
    list_diets(&app, &ada).await;
    assert!(replica_reads(&app) > before, "the replica served no read");

    // With replay paused, the replica cannot have Ada's write: her next read goes to the
    // primary, and sees it.
    let paused = PausedReplay::pause(&replica_url).await;
    app.call(Method::POST, "/api/nutrition/diets/")
        .by(&ada)
        .json(&diet_body("Cut"))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    let before = replica_reads(&app);
    let diets = list_diets(&app, &ada).await.json();
    assert_eq!(diets["count"], 1, "Ada reads her own write: {diets}");
    assert_eq!(replica_reads(&app), before, "the primary served Ada");

    // Bob wrote nothing: the lagging replica still serves him.
    list_diets(&app, &bob).await;
    assert!(replica_reads(&app) > before, "the replica served Bob");

    // Once replay resumes, Ada is back on the replica, which now has her diet.
    drop(paused);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let before = replica_reads(&app);
        let diets = list_diets(&app, &ada).await.json();
        assert_eq!(diets["count"], 1);
        if replica_reads(&app) > before {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Ada never went back to the replica"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Operators see where the reads went.
    let metrics = app.get("/metrics").await.text();
    let name = &app.db().replicas().expect("replicas").statuses()[0].name;
    for line in [
        format!("fithub_db_replica_reads_total{{replica=\"{name}\"}}"),
        format!("fithub_db_replica_up{{replica=\"{name}\"}} 1"),
    ] {
        assert!(metrics.contains(&line), "{line} in\n{metrics}");
    }
}

#[tokio::test]
async fn a_write_request_reads_from_the_primary() {
    let _turn = REPLICA.lock().await;
    let Some((app, _)) = app_with_replica(|url| url).await else {
        return;
    };
    let ada = app.register("ada").await;
    until_replica_serves(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = replica_reads(&app);
    // A POST reads (the diet's name is unique per user) before it writes: all on the primary.
    app.call(Method::POST, "/api/nutrition/diets/")
        .by(&ada)
        .json(&diet_body("Bulk"))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    assert_eq!(replica_reads(&app), before);
}

#[tokio::test]
async fn a_stopped_replica_costs_no_failed_request() {
    let _turn = REPLICA.lock().await;
    let Some(database) = TestDatabase::postgres_migrated().await else {
        return;
    };
    let Some(replica_url) = database.on_replica().await else {
        return;
    };
    let mut proxy = Proxy::start(server_address(&replica_url).await).await;
    let config = Config {
        database_replica_urls: vec![proxy.url(&replica_url)],
        ..test_config()
    };
    let app = TestApp::started(database, config).await;
    let ada = app.register("ada").await;
    until_replica_serves(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = replica_reads(&app);
    list_diets(&app, &ada).await;
    assert!(replica_reads(&app) > before, "the replica served no read");

    // The replica goes away: its open connections break, new ones are refused.
    proxy.stop_listening();
    proxy.sever();
    let served = replica_reads(&app);
    for _ in 0..20 {
        list_diets(&app, &ada).await;
    }
    let replicas = app.db().replicas().expect("replicas");
    assert_eq!(replica_reads(&app), served, "nothing more from the replica");
    assert!(
        !replicas.statuses()[0].up,
        "the replica is known to be down"
    );

    // Back, it serves again.
    proxy.listen().await;
    until_replica_serves(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    list_diets(&app, &ada).await;
    assert!(replica_reads(&app) > served, "the replica serves again");
}

/// The app on a fresh PostgreSQL database reached through PgBouncer in transaction mode;
/// `None` without a PgBouncer to test against.
async fn app_through_pgbouncer(config: Config) -> Option<TestApp> {
    let database = TestDatabase::postgres_migrated().await?;
    let url = database.through_pgbouncer()?;
    let config = Config {
        database_url: url,
        database_transaction_pooling: true,
        ..config
    };
    Some(TestApp::started_as_configured(database, config).await)
}

#[tokio::test]
async fn every_feature_works_through_pgbouncer_in_transaction_mode() {
    let config = Config {
        auth_rate_limit_per_username: 4,
        ..test_config()
    };
    let Some(app) = app_through_pgbouncer(config).await else {
        return;
    };
    let ada = app.register("ada").await;
    // Many requests at once: each statement may meet another server connection, and none
    // may find a prepared statement missing or taken.
    let requests = (0..24).map(|i| {
        let (app, ada) = (&app, &ada);
        async move {
            if i % 2 == 0 {
                app.call(Method::POST, "/api/nutrition/diets/")
                    .by(ada)
                    .json(&diet_body(&format!("Diet {i}")))
                    .send()
                    .await
                    .assert_status(StatusCode::CREATED);
            } else {
                list_diets(app, ada).await;
            }
        }
    });
    futures_util::future::join_all(requests).await;
    assert_eq!(list_diets(&app, &ada).await.json()["count"], 12);
    app.get("/ready").await.assert_status(StatusCode::OK);

    // The user cache cannot hear of changed users through the pooler: a password change ends
    // the old tokens at once all the same.
    let new_password = "Another-violet-Harbor-99";
    app.call(Method::POST, "/api/accounts/change-password/")
        .by(&ada)
        .json(&json!({
            "old_password": STRONG_PASSWORD, "new_password": new_password,
            "new_password_confirm": new_password,
        }))
        .send()
        .await
        .assert_status(StatusCode::OK);
    app.call(Method::GET, "/api/nutrition/diets/")
        .by(&ada)
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);

    // Rate limits count as they do directly: registering and the password change were two
    // attempts on "ada", two wrong passwords make four, the fifth is refused.
    let login = || {
        app.call(Method::POST, "/api/auth/jwt/token/")
            .json(&json!({"username": "ada", "password": "wrong-password"}))
            .send()
    };
    for _ in 0..2 {
        login().await.assert_status(StatusCode::UNAUTHORIZED);
    }
    login().await.assert_status(StatusCode::TOO_MANY_REQUESTS);
}
