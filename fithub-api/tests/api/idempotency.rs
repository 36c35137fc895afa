//! Idempotent POSTs: `Idempotency-Key` kept in the database, replayed, refused while in flight
//! or with another request, on every backend.

use axum::http::{Method, StatusCode};
use fithub_core::idempotency::{self, Claim};
use serde_json::{Value, json};

use fithub_core::Config;
use fithub_core::testing::TestDatabase;
use sqlx::{Connection, PgConnection};

use crate::helpers::{Session, TestApp, TestResponse, test_config};
use crate::nutrition::diet_body;

const DIETS: &str = "/api/nutrition/diets/";

async fn create(app: &TestApp, who: &Session, key: &str, body: &[u8]) -> TestResponse {
    app.call(Method::POST, DIETS)
        .by(who)
        .header("idempotency-key", key)
        .raw("application/json", body.to_vec())
        .send()
        .await
}

async fn diet_count(app: &TestApp, who: &Session) -> i64 {
    let page = app.call(Method::GET, DIETS).by(who).send().await;
    page.json()["count"].as_i64().expect("count")
}

fn bytes(body: &Value) -> Vec<u8> {
    serde_json::to_vec(body).expect("json")
}

#[tokio::test]
async fn a_retry_with_the_same_key_replays_the_first_answer() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let first = create(&app, &ada, "order-1", &bytes(&diet_body("Cut"))).await;
        first.assert_status(StatusCode::CREATED);
        assert_eq!(first.header("idempotent-replayed"), None);

        // The same body, keys reordered and spaced differently: the same request.
        let respelled = br#"{ "day_calories_kcal": 2500, "day_carbohydrates_g": 300,
            "day_fats_g": 70, "day_proteins_g": 160, "name": "Cut" }"#;
        let replayed = create(&app, &ada, "order-1", respelled).await;
        replayed.assert_status(StatusCode::CREATED);
        assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
        assert_eq!(replayed.json(), first.json());
        assert_eq!(replayed.header("location"), first.header("location"));
        assert_eq!(diet_count(&app, &ada).await, 1, "{:?}", app.backend());
    }
}

#[tokio::test]
async fn a_key_with_another_request_is_422_and_an_invalid_key_400() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        create(&app, &ada, "k", &bytes(&diet_body("Cut")))
            .await
            .assert_status(StatusCode::CREATED);
        let other = create(&app, &ada, "k", &bytes(&diet_body("Bulk"))).await;
        other.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            other.json(),
            json!({"detail": "This Idempotency-Key was used with a different request."})
        );
        let elsewhere = app
            .call(Method::POST, "/api/goals/goals/")
            .by(&ada)
            .header("idempotency-key", "k")
            .json(&json!({"goal_type": "strength"}))
            .send()
            .await;
        elsewhere.assert_status(StatusCode::UNPROCESSABLE_ENTITY);

        let long = "x".repeat(256);
        for key in ["", long.as_str(), "caf\u{e9}"] {
            let refused = create(&app, &ada, key, &bytes(&diet_body("Cut"))).await;
            refused.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(
                refused.json(),
                json!({"Idempotency-Key": [
                    "Ensure this value has 1 to 255 printable ASCII characters."
                ]}),
                "{key:?}"
            );
        }
        assert_eq!(diet_count(&app, &ada).await, 1);
    }
}

#[tokio::test]
async fn a_key_still_in_flight_is_409() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let body = bytes(&diet_body("Cut"));
        // Another replica is processing this very request.
        let fingerprint = idempotency::fingerprint("POST", DIETS, &body);
        let timeout = std::time::Duration::from_secs(30);
        let claim = idempotency::claim(app.db(), ada.id, "busy", &fingerprint, timeout)
            .await
            .expect("claim");
        assert!(matches!(claim, Claim::Claimed));

        let refused = create(&app, &ada, "busy", &body).await;
        refused.assert_status(StatusCode::CONFLICT);
        assert_eq!(
            refused.json(),
            json!({"detail": "A request with this Idempotency-Key is still being processed."})
        );
        assert_eq!(diet_count(&app, &ada).await, 0);
    }
}

#[tokio::test]
async fn keys_belong_to_their_user() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let body = bytes(&diet_body("Cut"));
        let mine = create(&app, &ada, "shared", &body).await;
        let theirs = create(&app, &bob, "shared", &body).await;
        mine.assert_status(StatusCode::CREATED);
        theirs.assert_status(StatusCode::CREATED);
        assert_eq!(theirs.header("idempotent-replayed"), None);
        assert_ne!(mine.json()["id"], theirs.json()["id"]);
        assert_eq!(theirs.json()["user"]["username"], "bob");
    }
}

#[tokio::test]
async fn a_400_is_kept_and_replayed_too() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let first = create(&app, &ada, "bad", b"{}").await;
        first.assert_status(StatusCode::BAD_REQUEST);
        let again = create(&app, &ada, "bad", b"{}").await;
        again.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.json(), first.json());
    }
}

/// An app whose requests are given up after 1 s, with ada registered, and a diet's body.
async fn impatient_app(database: TestDatabase) -> (TestApp, Session, Vec<u8>) {
    let config = Config {
        request_timeout_secs: 1,
        ..test_config()
    };
    let app = TestApp::started(database, config).await;
    let ada = app.register("ada").await;
    (app, ada, bytes(&diet_body("Cut")))
}

/// The create sent while the database cannot answer: a 503 or a 504.
async fn create_unanswered(app: &TestApp, ada: &Session, body: &[u8]) -> TestResponse {
    let failed = create(app, ada, "retry", body).await;
    assert!(
        [StatusCode::SERVICE_UNAVAILABLE, StatusCode::GATEWAY_TIMEOUT].contains(&failed.status),
        "{}",
        failed.text()
    );
    failed
}

/// Retries the create, for at most `tries` more times while its key is still in flight (409),
/// and expects it to run again: created, not replayed, one diet.
async fn assert_the_retry_creates(app: &TestApp, ada: &Session, body: &[u8], tries: usize) {
    let mut retried = create(app, ada, "retry", body).await;
    for _ in 0..tries {
        if retried.status != StatusCode::CONFLICT {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        retried = create(app, ada, "retry", body).await;
    }
    retried.assert_status(StatusCode::CREATED);
    assert_eq!(retried.header("idempotent-replayed"), None);
    assert_eq!(diet_count(app, ada).await, 1);
}

/// An answer of 503 (the database did not answer in time) is not kept: the retry runs again.
#[tokio::test]
async fn an_answer_of_500_or_more_is_not_kept() {
    let Some(database) = TestDatabase::postgres_migrated().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let url = database.url().clone();
    let (app, ada, body) = impatient_app(database).await;

    let mut blocker = PgConnection::connect(url.expose()).await.expect("connect");
    sqlx::raw_sql("BEGIN; LOCK TABLE diets IN ACCESS EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .expect("lock");
    let failed = create_unanswered(&app, &ada, &body).await;
    drop(blocker);

    // A 503 releases its key before it is sent; a 504 (the request given up) as soon as the
    // abandoned request is dropped, in the background: a client retrying at once may meet that.
    let tries = if failed.status == StatusCode::GATEWAY_TIMEOUT {
        20
    } else {
        0
    };
    assert_the_retry_creates(&app, &ada, &body, tries).await;
}

/// On SQLite too: while another process holds the database's write lock, the create cannot be
/// written in time; its 503 or 504 is not kept, and the retry after the lock is released creates
/// the diet, not a replay.
#[tokio::test]
async fn an_answer_of_500_or_more_is_not_kept_on_sqlite() {
    let database = TestDatabase::sqlite_migrated().await;
    let file = database.url().sqlite_file().expect("a SQLite file");
    let (app, ada, body) = impatient_app(database).await;

    let url = format!("sqlite://{}", file.display());
    let mut blocker = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("connect");
    sqlx::raw_sql("BEGIN EXCLUSIVE")
        .execute(&mut blocker)
        .await
        .expect("take the write lock");
    create_unanswered(&app, &ada, &body).await;
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut blocker)
        .await
        .expect("release the write lock");
    drop(blocker);

    // The given-up request's claim may land after its 504, too late for it to be released: the
    // key is taken over once no request could still be running (the 1 s timeout, 2 s margin).
    assert_the_retry_creates(&app, &ada, &body, 60).await;
}
