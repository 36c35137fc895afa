//! The diaries an API process keeps (fithub-core/src/nutrition/diary/kept.rs): answered again
//! while nothing they show has changed, read afresh after any change, whoever made it.

use axum::http::{Method, StatusCode};
use fithub_core::db::{Transaction, query};
use fithub_core::testing::TestDatabase;
use serde_json::{Value, json};

use super::diary::diet;
use super::move_to;
use crate::helpers::{Session, TestApp};
use crate::nutrition::{
    created, get, make_staff, meal, personal_ingredient, public_ingredient, send,
};

const ONE_DAY: &str = "/api/nutrition/diary/?start=2025-03-01&end=2025-03-01";

/// The diary's only day, asked for twice: the second answer (kept) must equal the first.
async fn day(app: &TestApp, ada: &Session) -> Value {
    let first = get(app, ada, ONE_DAY).await;
    first.assert_status(StatusCode::OK);
    let again = get(app, ada, ONE_DAY).await;
    assert_eq!(
        (again.header("etag"), again.json()),
        (first.header("etag"), first.json())
    );
    let diary = first.json();
    json!({
        "time_zone": diary["time_zone"], "diet": diary["days"][0]["diet"]["name"],
        "calories": diary["days"][0]["actual"]["calories"],
        "records": diary["days"][0]["record_count"],
    })
}

fn expected(time_zone: &str, diet: Value, calories: f64, records: i64) -> Value {
    json!({"time_zone": time_zone, "diet": diet, "calories": calories, "records": records})
}

#[tokio::test]
async fn a_kept_diary_follows_every_change_it_shows() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let staff = app.register("staffer").await;
        make_staff(&app, &staff).await;
        assert_eq!(day(&app, &ada).await, expected("UTC", Value::Null, 0.0, 0));

        // Her records: created, changed, and changed by SQL typed by hand.
        let snack = created(
            &app,
            &ada,
            "/api/nutrition/records/",
            json!({"meal_name": "Snack", "timestamp": "2025-03-01T12:00:00Z", "calories": 500}),
        )
        .await["id"]
            .clone();
        assert_eq!(
            day(&app, &ada).await,
            expected("UTC", Value::Null, 500.0, 1)
        );
        let snack_url = format!("/api/nutrition/records/{snack}/");
        send(
            &app,
            &ada,
            Method::PATCH,
            &snack_url,
            json!({"calories": 600}),
        )
        .await
        .assert_status(StatusCode::OK);
        assert_eq!(
            day(&app, &ada).await,
            expected("UTC", Value::Null, 600.0, 1)
        );

        // A diet, a meal of a catalogue ingredient, a record of the meal.
        let diet = cut(&app, &ada).await;
        assert_eq!(
            day(&app, &ada).await,
            expected("UTC", json!("Cut"), 600.0, 1)
        );
        let meal = meal(&app, &ada, diet, "Oats").await;
        let oats = public_ingredient(&app, "Rolled oats", [379.0, 13.0, 7.0, 68.0]).await;
        let portion = eaten(&app, &ada, meal, oats, 100.0, "2025-03-01T13:00:00Z").await;
        assert_eq!(
            day(&app, &ada).await,
            expected("UTC", json!("Cut"), 979.0, 2)
        );

        // The meal's portion, the diet's name, the ingredient (changed by someone else).
        let portion_url = format!("/api/nutrition/meal-ingredients/{portion}/");
        send(
            &app,
            &ada,
            Method::PATCH,
            &portion_url,
            json!({"quantity": 200}),
        )
        .await
        .assert_status(StatusCode::OK);
        assert_eq!(
            day(&app, &ada).await,
            expected("UTC", json!("Cut"), 1358.0, 2)
        );
        let diet_url = format!("/api/nutrition/diets/{diet}/");
        send(
            &app,
            &ada,
            Method::PATCH,
            &diet_url,
            json!({"name": "Lean"}),
        )
        .await
        .assert_status(StatusCode::OK);
        assert_eq!(
            day(&app, &ada).await,
            expected("UTC", json!("Lean"), 1358.0, 2)
        );
        let oats_url = format!("/api/nutrition/ingredients/{oats}/");
        send(
            &app,
            &staff,
            Method::PATCH,
            &oats_url,
            json!({"calories": 400}),
        )
        .await
        .assert_status(StatusCode::OK);
        assert_eq!(
            day(&app, &ada).await,
            expected("UTC", json!("Lean"), 1400.0, 2)
        );

        // Not through the API at all: the database's triggers still count it.
        query("UPDATE meal_records SET calories = 700 WHERE id = $1")
            .bind(snack.as_i64().expect("id"))
            .execute(app.db())
            .await
            .expect("update by hand");
        assert_eq!(
            day(&app, &ada).await,
            expected("UTC", json!("Lean"), 1500.0, 2)
        );

        // Her time zone: the same instants, another zone's day.
        move_to(&app, &ada, "Asia/Kathmandu").await;
        assert_eq!(
            day(&app, &ada).await,
            expected("Asia/Kathmandu", json!("Lean"), 1500.0, 2)
        );

        // Deletions, and the ingredient's, which takes the meal's portion with it.
        app.call(Method::DELETE, &snack_url)
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
        assert_eq!(
            day(&app, &ada).await,
            expected("Asia/Kathmandu", json!("Lean"), 800.0, 1)
        );
        app.call(Method::DELETE, &oats_url)
            .by(&staff)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
        assert_eq!(
            day(&app, &ada).await,
            expected("Asia/Kathmandu", json!("Lean"), 0.0, 1)
        );
        app.call(Method::DELETE, &diet_url)
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
        assert_eq!(
            day(&app, &ada).await,
            expected("Asia/Kathmandu", Value::Null, 0.0, 0)
        );
    }
}

#[tokio::test]
async fn a_kept_diary_is_one_users_and_revalidates_with_its_tag() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        created(
            &app,
            &ada,
            "/api/nutrition/records/",
            json!({"meal_name": "Soup", "timestamp": "2025-03-01T12:00:00Z", "calories": 250}),
        )
        .await;
        let hers = get(&app, &ada, ONE_DAY).await;
        let tag = hers.header("etag").expect("a tag").to_owned();
        // Bob asks for the same dates: his own, empty diary, not the one kept for Ada.
        let his = get(&app, &bob, ONE_DAY).await;
        assert_eq!(his.json()["totals"]["calories"], json!(0.0));
        assert_ne!(his.header("etag"), Some(tag.as_str()));

        let revalidated = app
            .call(Method::GET, ONE_DAY)
            .by(&ada)
            .header("If-None-Match", &tag)
            .send()
            .await;
        revalidated.assert_status(StatusCode::NOT_MODIFIED);
        assert_eq!(revalidated.header("etag"), Some(tag.as_str()));
        assert!(revalidated.body.is_empty());

        created(
            &app,
            &ada,
            "/api/nutrition/records/",
            json!({"meal_name": "Bread", "timestamp": "2025-03-01T18:00:00Z", "calories": 150}),
        )
        .await;
        let changed = app
            .call(Method::GET, ONE_DAY)
            .by(&ada)
            .header("If-None-Match", &tag)
            .send()
            .await;
        changed.assert_status(StatusCode::OK);
        assert_eq!(changed.json()["totals"]["calories"], json!(400.0));
        assert_ne!(changed.header("etag"), Some(tag.as_str()));
    }
}

#[tokio::test]
async fn a_personal_ingredient_changes_its_owners_kept_diary() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let meal = meal(&app, &ada, cut(&app, &ada).await, "Tea").await;
        let honey = personal_ingredient(&app, &ada, "Honey", [300.0, 0.0, 0.0, 80.0]).await;
        eaten(&app, &ada, meal, honey, 10.0, "2025-03-01T09:00:00Z").await;
        assert_eq!(
            day(&app, &ada).await,
            expected("UTC", json!("Cut"), 30.0, 1)
        );
        let honey_url = format!("/api/nutrition/ingredients/{honey}/");
        send(
            &app,
            &ada,
            Method::PATCH,
            &honey_url,
            json!({"calories": 320}),
        )
        .await
        .assert_status(StatusCode::OK);
        assert_eq!(
            day(&app, &ada).await,
            expected("UTC", json!("Cut"), 32.0, 1)
        );
    }
}

/// Ada's diet "Cut", in effect since 1 February 2025.
async fn cut(app: &TestApp, ada: &Session) -> i64 {
    diet(app, ada, json!({"name": "Cut", "start_date": "2025-02-01"})).await
}

/// `grams` of `ingredient` in `meal`, and a record of the meal at `at`: the meal ingredient's id.
async fn eaten(
    app: &TestApp,
    ada: &Session,
    meal: i64,
    ingredient: i64,
    grams: f64,
    at: &str,
) -> i64 {
    let portion = created(
        app,
        ada,
        "/api/nutrition/meal-ingredients/",
        json!({"meal": meal, "ingredient_id": ingredient, "quantity": grams, "unit": "g"}),
    )
    .await;
    created(
        app,
        ada,
        "/api/nutrition/records/",
        json!({"meal_id": meal, "timestamp": at}),
    )
    .await;
    portion["id"].as_i64().expect("id")
}

/// PostgreSQL lets a catalogue edit and a meal that takes up the ingredient run at once (neither
/// waits for the other): a diary read between them, without the edit, must not outlive the edit's
/// commit.
#[tokio::test]
async fn a_catalogue_edit_committed_after_a_read_reaches_the_kept_diary() {
    let Some(database) = TestDatabase::postgres_migrated().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let app = TestApp::on(database).await;
    let ada = app.register("ada").await;
    let meal = meal(&app, &ada, cut(&app, &ada).await, "Oats").await;
    let oats = public_ingredient(&app, "Rolled oats", [379.0, 13.0, 7.0, 68.0]).await;

    let mut edit = Transaction::begin(app.db()).await.expect("begin");
    query("UPDATE ingredients SET calories = 400 WHERE id = $1")
        .bind(oats)
        .execute(&mut edit)
        .await
        .expect("the catalogue edit");
    eaten(&app, &ada, meal, oats, 100.0, "2025-03-01T13:00:00Z").await;
    assert_eq!(
        day(&app, &ada).await,
        expected("UTC", json!("Cut"), 379.0, 1)
    );
    edit.commit().await.expect("commit");
    assert_eq!(
        day(&app, &ada).await,
        expected("UTC", json!("Cut"), 400.0, 1)
    );
}
