use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{created, diet, get, ids, meal, personal_ingredient, post, public_ingredient, send};
use crate::helpers::TestApp;

const MEALS: &str = "/api/nutrition/meals/";

#[tokio::test]
async fn create_nests_the_whole_diet_and_never_echoes_diet_id() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let diet_id = diet(&app, &ada, "Lean bulk").await;
        let meal = created(
            &app,
            &ada,
            MEALS,
            json!({
                "name": "Overnight oats", "diet_id": diet_id, "is_scheduled": "yes",
                "start_date": "2025-03-02", "start_time": "07:30", "duration_minutes": "20.0",
                "recurrence_type": "daily", "meal_type": "pre_workout", "ingredients": [1, 2],
            }),
        )
        .await;
        assert!(meal.get("diet_id").is_none() && meal.get("ingredients").is_none());
        assert_eq!(meal["diet"]["id"], diet_id);
        assert_eq!(meal["diet"]["user"]["username"], "ada");
        assert_eq!(meal["is_scheduled"], true);
        assert_eq!(meal["start_time"], "07:30:00");
        assert_eq!(meal["duration_minutes"], 20);
        assert_eq!(meal["recurrence_type"], "daily");
        assert_eq!(meal["meal_type"], "pre_workout");
        assert_eq!(meal["description"], Value::Null);
        assert_eq!(meal["end_date"], Value::Null);

        let defaults = created(
            &app,
            &ada,
            MEALS,
            json!({"name": "Plain", "diet_id": diet_id}),
        )
        .await;
        assert_eq!(defaults["duration_minutes"], 30);
        assert_eq!(defaults["recurrence_type"], "none");
        assert_eq!(defaults["meal_type"], "regular");
        assert_eq!(defaults["is_scheduled"], false);
        assert_eq!(defaults["start_time"], Value::Null);
    }
}

#[tokio::test]
async fn diet_id_must_name_one_of_the_callers_diets() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let bobs_diet = diet(&app, &bob, "Bob's").await;
        let cases = [
            (
                json!({"name": "x"}),
                json!({"diet_id": ["This field is required."]}),
            ),
            (
                json!({"name": "x", "diet_id": null}),
                json!({"diet_id": ["This field may not be null."]}),
            ),
            (
                json!({"name": "x", "diet_id": "abc"}),
                json!({"diet_id": ["A valid integer is required."]}),
            ),
            (
                json!({"name": "x", "diet_id": bobs_diet}),
                json!({"diet_id": [format!("Invalid pk \"{bobs_diet}\" - object does not exist.")]}),
            ),
            (
                json!({"name": "x", "diet_id": 987654}),
                json!({"diet_id": ["Invalid pk \"987654\" - object does not exist."]}),
            ),
            (
                json!({"name": "x", "diet_id": u64::MAX}),
                json!({"diet_id": ["Invalid pk \"18446744073709551615\" - object does not exist."]}),
            ),
        ];
        for (body, expected) in cases {
            let response = post(&app, &ada, MEALS, body.clone()).await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(response.json(), expected, "{body}");
            assert!(!response.text().contains("Bob's"));
        }
        // Nothing was written for bob or ada.
        assert_eq!(get(&app, &bob, MEALS).await.json()["count"], 0);
        assert_eq!(get(&app, &ada, MEALS).await.json()["count"], 0);

        // Moving a meal to a foreign diet is refused the same way.
        let own = diet(&app, &ada, "Own").await;
        let meal_id = meal(&app, &ada, own, "Oats").await;
        let response = send(
            &app,
            &ada,
            Method::PATCH,
            &format!("{MEALS}{meal_id}/"),
            json!({"diet_id": bobs_diet}),
        )
        .await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert!(response.json()["diet_id"].is_array());
    }
}

#[tokio::test]
async fn values_are_checked_against_their_rules() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let diet_id = diet(&app, &ada, "Cut").await;
    let response = post(
        &app,
        &ada,
        MEALS,
        json!({
            "name": "", "diet_id": diet_id, "duration_minutes": 1441, "recurrence_type": "hourly",
            "meal_type": "brunch", "start_time": "7:30", "is_scheduled": "sometimes",
        }),
    )
    .await;
    response.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({
            "name": ["This field may not be blank."],
            "duration_minutes": ["Ensure this value is less than or equal to 1440."],
            "recurrence_type": ["\"hourly\" is not a valid choice."],
            "meal_type": ["\"brunch\" is not a valid choice."],
            "start_time": ["Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."],
            "is_scheduled": ["Must be a valid boolean."],
        })
    );
    let response = post(
        &app,
        &ada,
        MEALS,
        json!({
            "name": "x", "diet_id": diet_id, "start_date": "2025-03-10", "end_date": "2025-03-01",
            "recurrence_until": "2025-03-09",
        }),
    )
    .await;
    assert_eq!(
        response.json(),
        json!({
            "end_date": ["End date must not be before start date."],
            "recurrence_until": ["Recurrence end must not be before start date."],
        })
    );
}

#[tokio::test]
async fn put_keeps_the_diet_and_patch_moves_the_meal() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let first = diet(&app, &ada, "First").await;
        let second = diet(&app, &ada, "Second").await;
        let meal_id = meal(&app, &ada, first, "Oats").await;
        let url = format!("{MEALS}{meal_id}/");
        let put = send(&app, &ada, Method::PUT, &url, json!({"name": "Porridge"})).await;
        put.assert_status(StatusCode::OK);
        assert_eq!(put.json()["diet"]["id"], first, "PUT may leave diet_id out");
        let patch = send(&app, &ada, Method::PATCH, &url, json!({"diet_id": second})).await;
        patch.assert_status(StatusCode::OK);
        assert_eq!(patch.json()["diet"]["id"], second);
        assert_eq!(patch.json()["name"], "Porridge");
    }
}

#[tokio::test]
async fn ingredients_summary_and_isolation() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let diet_id = diet(&app, &ada, "Lean bulk").await;
        let meal_id = meal(&app, &ada, diet_id, "Overnight oats").await;
        let oats = public_ingredient(&app, "Rolled oats", [379.0, 13.0, 7.0, 68.0]).await;
        let milk = personal_ingredient(&app, &ada, "Milk", [42.0, 3.4, 1.0, 5.0]).await;
        let bobs = personal_ingredient(&app, &bob, "Bob's milk", [1.0, 1.0, 1.0, 1.0]).await;
        let add = |body: Value| {
            let url = format!("{MEALS}{meal_id}/add_ingredient/");
            let (app, ada) = (&app, &ada);
            async move { post(app, ada, &url, body).await }
        };

        let empty = get(&app, &ada, &format!("{MEALS}{meal_id}/nutrition_summary/")).await;
        empty.assert_status(StatusCode::OK);
        assert_eq!(
            empty.text(),
            r#"{"total_calories":0,"total_proteins":0,"total_fats":0,"total_carbs":0,"ingredient_count":0}"#
        );

        let first =
            add(json!({"ingredient_id": oats, "quantity": 80, "unit": "g", "meal": 12345})).await;
        first.assert_status(StatusCode::CREATED);
        let first = first.json();
        assert_eq!(first["meal"], meal_id, "the path decides the meal");
        assert_eq!(first["ingredient"]["name"], "Rolled oats");
        assert_eq!(first["ingredient"]["category"], Value::Null);
        assert_eq!(first["quantity"], json!(80.0));
        assert_eq!(first["barcode"], Value::Null);
        add(json!({"ingredient_id": milk, "quantity": 200, "unit": "ml"}))
            .await
            .assert_status(StatusCode::CREATED);

        let refused = add(json!({"ingredient_id": bobs, "quantity": 1, "unit": "g"})).await;
        refused.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.json(),
            json!({"ingredient_id": [format!("Invalid pk \"{bobs}\" - object does not exist.")]})
        );
        let invalid = add(json!({"quantity": -1})).await;
        assert_eq!(
            invalid.json(),
            json!({
                "ingredient_id": ["This field is required."],
                "quantity": ["Ensure this value is greater than or equal to 0."],
                "unit": ["This field is required."],
            })
        );

        let listed = get(&app, &ada, &format!("{MEALS}{meal_id}/ingredients/"))
            .await
            .json();
        let names: Vec<&str> = listed
            .as_array()
            .expect("array")
            .iter()
            .map(|item| item["ingredient"]["name"].as_str().expect("name"))
            .collect();
        assert_eq!(names, ["Rolled oats", "Milk"], "oldest first");

        // The contract's example: 80 g oats + 200 g milk.
        let summary = get(&app, &ada, &format!("{MEALS}{meal_id}/nutrition_summary/"))
            .await
            .json();
        let close = |key: &str, expected: f64| {
            let value = summary[key].as_f64().expect("number");
            assert!(
                (value - expected).abs() < 1e-9,
                "{key}: {value} vs {expected}"
            );
        };
        close("total_calories", 387.2);
        close("total_proteins", 17.2);
        close("total_fats", 7.6);
        close("total_carbs", 64.4);
        assert_eq!(summary["ingredient_count"], 2);

        // Bob sees none of it.
        for path in ["", "ingredients/", "nutrition_summary/"] {
            let response = get(&app, &bob, &format!("{MEALS}{meal_id}/{path}")).await;
            response.assert_status(StatusCode::NOT_FOUND);
            assert_eq!(
                response.json(),
                json!({"detail": "No Meal matches the given query."})
            );
        }
        post(
            &app,
            &bob,
            &format!("{MEALS}{meal_id}/add_ingredient/"),
            json!({"ingredient_id": oats, "quantity": 1, "unit": "g"}),
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
        assert_eq!(get(&app, &bob, MEALS).await.json()["count"], 0);
        assert_eq!(
            get(&app, &bob, &format!("{MEALS}?diet={diet_id}"))
                .await
                .json()["count"],
            0,
            "filtering by another user's id gives an empty page"
        );
    }
}

#[tokio::test]
async fn deleting_a_meal_takes_its_ingredients_and_records() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let diet_id = diet(&app, &ada, "Cut").await;
        let meal_id = meal(&app, &ada, diet_id, "Oats").await;
        let oats = public_ingredient(&app, "Oats", [379.0, 13.0, 7.0, 68.0]).await;
        post(
            &app,
            &ada,
            &format!("{MEALS}{meal_id}/add_ingredient/"),
            json!({"ingredient_id": oats, "quantity": 80, "unit": "g"}),
        )
        .await
        .assert_status(StatusCode::CREATED);
        created(
            &app,
            &ada,
            "/api/nutrition/records/",
            json!({"meal_id": meal_id, "timestamp": "2025-03-02T07:45:00Z"}),
        )
        .await;
        app.call(Method::DELETE, &format!("{MEALS}{meal_id}/"))
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
        assert_eq!(
            get(&app, &ada, "/api/nutrition/meal-ingredients/")
                .await
                .json()["count"],
            0
        );
        assert_eq!(
            get(&app, &ada, "/api/nutrition/records/").await.json()["count"],
            0
        );
        // The ingredient itself stays.
        get(&app, &ada, &format!("/api/nutrition/ingredients/{oats}/"))
            .await
            .assert_status(StatusCode::OK);
    }
}

#[tokio::test]
async fn list_filters_and_orders() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let cut = diet(&app, &ada, "Cut").await;
        let bulk = diet(&app, &ada, "Bulk").await;
        let a = created(
            &app,
            &ada,
            MEALS,
            json!({"name": "Oats", "diet_id": cut, "meal_type": "snack", "start_time": "09:00", "description": "with honey"}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let b = created(
            &app,
            &ada,
            MEALS,
            json!({"name": "Rice", "diet_id": bulk, "is_scheduled": true, "start_time": "07:00", "recurrence_type": "daily"}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let list = |query: &str| {
            let url = format!("{MEALS}{query}");
            let (app, ada) = (&app, &ada);
            async move {
                let response = get(app, ada, &url).await;
                response.assert_status(StatusCode::OK);
                ids(&response.json())
            }
        };
        assert_eq!(list("").await, [b, a]);
        assert_eq!(list(&format!("?diet={cut}")).await, [a]);
        assert_eq!(list("?meal_type=snack").await, [a]);
        assert_eq!(list("?is_scheduled=1").await, [b]);
        assert_eq!(list("?recurrence_type=daily").await, [b]);
        assert_eq!(list("?search=HONEY").await, [a]);
        assert_eq!(list("?ordering=start_time").await, [b, a]);
        assert_eq!(list("?ordering=-start_time").await, [a, b]);
        let response = get(&app, &ada, &format!("{MEALS}?meal_type=brunch&diet=x")).await;
        assert_eq!(
            response.json(),
            json!({
                "meal_type": ["Select a valid choice. brunch is not one of the available choices."],
                "diet": ["Select a valid choice. That choice is not one of the available choices."],
            })
        );
    }
}
