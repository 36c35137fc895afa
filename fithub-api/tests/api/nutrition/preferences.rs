use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{created, get, ids, personal_ingredient, post, public_ingredient, send};
use crate::helpers::TestApp;

const PREFERENCES: &str = "/api/nutrition/preferences/";

#[tokio::test]
async fn preferences_nest_the_ingredient_and_check_it_is_visible() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let oats = public_ingredient(&app, "Rolled oats", [379.0, 13.0, 7.0, 68.0]).await;
        let bobs = personal_ingredient(&app, &bob, "Bob's secret", [1.0, 1.0, 1.0, 1.0]).await;
        let preference = created(
            &app,
            &ada,
            PREFERENCES,
            json!({"ingredient_id": oats, "preference_type": "love", "description": "Breakfast staple", "ingredient_name": "ignored"}),
        )
        .await;
        assert_eq!(preference["ingredient"]["id"], oats);
        assert_eq!(preference["ingredient"]["name"], "Rolled oats");
        assert_eq!(preference["user"]["username"], "ada");
        assert_eq!(preference["preference_type"], "love");
        assert_eq!(preference["barcode"], Value::Null);
        assert!(preference.get("ingredient_id").is_none());

        let cases = [
            (
                json!({}),
                json!({"ingredient_id": ["This field is required."], "preference_type": ["This field is required."]}),
            ),
            (
                json!({"ingredient_id": bobs, "preference_type": "adore"}),
                json!({
                    "ingredient_id": [format!("Invalid pk \"{bobs}\" - object does not exist.")],
                    "preference_type": ["\"adore\" is not a valid choice."],
                }),
            ),
        ];
        for (body, expected) in cases {
            let response = post(&app, &ada, PREFERENCES, body).await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(response.json(), expected);
        }

        let url = format!("{PREFERENCES}{}/", preference["id"]);
        let patched = send(
            &app,
            &ada,
            Method::PATCH,
            &url,
            json!({"preference_type": "allergy"}),
        )
        .await;
        patched.assert_status(StatusCode::OK);
        assert_eq!(patched.json()["description"], "Breakfast staple");
        let response = get(&app, &bob, &url).await;
        response.assert_status(StatusCode::NOT_FOUND);
        assert_eq!(
            response.json(),
            json!({"detail": "No MealPreference matches the given query."})
        );
        app.call(Method::DELETE, &url)
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn by_type_filters_and_orders_newest_first() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let oats = public_ingredient(&app, "Rolled oats", [379.0, 13.0, 7.0, 68.0]).await;
        let nuts = public_ingredient(&app, "Peanuts", [567.0, 26.0, 49.0, 16.0]).await;
        let loved = created(
            &app,
            &ada,
            PREFERENCES,
            json!({"ingredient_id": oats, "preference_type": "love"}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let allergy = created(
            &app,
            &ada,
            PREFERENCES,
            json!({"ingredient_id": nuts, "preference_type": "allergy"}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let loved_again = created(
            &app,
            &ada,
            PREFERENCES,
            json!({"ingredient_id": oats, "preference_type": "love", "description": "again"}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        created(
            &app,
            &bob,
            PREFERENCES,
            json!({"ingredient_id": oats, "preference_type": "love"}),
        )
        .await;

        let by_type = |query: &str| {
            let url = format!("{PREFERENCES}by_type/{query}");
            let (app, ada) = (&app, &ada);
            async move {
                let response = get(app, ada, &url).await;
                response.assert_status(StatusCode::OK);
                response
                    .json()
                    .as_array()
                    .expect("array")
                    .iter()
                    .map(|item| item["id"].as_i64().expect("id"))
                    .collect::<Vec<i64>>()
            }
        };
        assert_eq!(by_type("?type=love").await, [loved_again, loved]);
        assert_eq!(by_type("").await, [loved_again, allergy, loved]);
        assert_eq!(by_type("?type=").await, [loved_again, allergy, loved]);
        assert_eq!(by_type("?type=adore").await, Vec::<i64>::new());

        let list = |query: &str| {
            let url = format!("{PREFERENCES}{query}");
            let (app, ada) = (&app, &ada);
            async move { ids(&get(app, ada, &url).await.json()) }
        };
        assert_eq!(list("").await, [loved_again, allergy, loved]);
        assert_eq!(list("?preference_type=allergy").await, [allergy]);
        assert_eq!(
            list(&format!("?ingredient={oats}")).await,
            [loved_again, loved]
        );
        assert_eq!(
            list("?search=peanut").await,
            [allergy],
            "the ingredient's name is searched"
        );
        assert_eq!(list("?search=again").await, [loved_again]);
        assert_eq!(
            list("?ordering=preference_type").await,
            [allergy, loved, loved_again]
        );
        let response = get(&app, &ada, &format!("{PREFERENCES}?preference_type=adore")).await;
        assert_eq!(
            response.json(),
            json!({"preference_type": ["Select a valid choice. adore is not one of the available choices."]})
        );
    }
}

#[tokio::test]
async fn deleting_an_ingredient_deletes_its_preferences() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let own = personal_ingredient(&app, &ada, "Mine", [1.0, 1.0, 1.0, 1.0]).await;
        created(
            &app,
            &ada,
            PREFERENCES,
            json!({"ingredient_id": own, "preference_type": "like"}),
        )
        .await;
        app.call(
            Method::DELETE,
            &format!("/api/nutrition/ingredients/{own}/"),
        )
        .by(&ada)
        .send()
        .await
        .assert_status(StatusCode::NO_CONTENT);
        assert_eq!(get(&app, &ada, PREFERENCES).await.json()["count"], 0);
    }
}
