use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{created, diet, get, ids, meal, personal_ingredient, post, public_ingredient, send};
use crate::helpers::TestApp;

const MEAL_INGREDIENTS: &str = "/api/nutrition/meal-ingredients/";

#[tokio::test]
async fn meal_and_ingredient_must_be_the_callers_to_use() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let own_meal = {
            let diet_id = diet(&app, &ada, "Cut").await;
            meal(&app, &ada, diet_id, "Oats").await
        };
        let bobs_meal = {
            let diet_id = diet(&app, &bob, "Bob's").await;
            meal(&app, &bob, diet_id, "Bob's meal").await
        };
        let oats = public_ingredient(&app, "Rolled oats", [379.0, 13.0, 7.0, 68.0]).await;
        let bobs_ingredient = personal_ingredient(&app, &bob, "Bob's", [1.0, 1.0, 1.0, 1.0]).await;

        let item = created(
            &app,
            &ada,
            MEAL_INGREDIENTS,
            json!({"meal": own_meal, "ingredient_id": oats, "quantity": 80, "unit": "g", "barcode": "123"}),
        )
        .await;
        assert_eq!(item["meal"], own_meal);
        assert_eq!(item["ingredient"]["id"], oats);
        assert_eq!(item["barcode"], "123");
        assert!(item.get("ingredient_id").is_none());

        let cases = [
            (
                json!({}),
                json!({
                    "meal": ["This field is required."], "ingredient_id": ["This field is required."],
                    "quantity": ["This field is required."], "unit": ["This field is required."],
                }),
            ),
            (
                json!({"meal": bobs_meal, "ingredient_id": bobs_ingredient, "quantity": 1, "unit": "g"}),
                json!({
                    "meal": [format!("Invalid pk \"{bobs_meal}\" - object does not exist.")],
                    "ingredient_id": [format!("Invalid pk \"{bobs_ingredient}\" - object does not exist.")],
                }),
            ),
            (
                json!({"meal": "abc", "ingredient_id": oats, "quantity": 1, "unit": ""}),
                json!({
                    "meal": ["Incorrect type. Expected pk value, received str."],
                    "unit": ["This field may not be blank."],
                }),
            ),
        ];
        for (body, expected) in cases {
            let response = post(&app, &ada, MEAL_INGREDIENTS, body).await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(response.json(), expected);
        }

        let url = format!("{MEAL_INGREDIENTS}{}/", item["id"]);
        let patched = send(&app, &ada, Method::PATCH, &url, json!({"quantity": 100})).await;
        patched.assert_status(StatusCode::OK);
        assert_eq!(patched.json()["quantity"], json!(100.0));
        assert_eq!(patched.json()["unit"], "g");
        let moved = send(&app, &ada, Method::PATCH, &url, json!({"meal": bobs_meal})).await;
        moved.assert_status(StatusCode::BAD_REQUEST);

        let response = get(&app, &bob, &url).await;
        response.assert_status(StatusCode::NOT_FOUND);
        assert_eq!(
            response.json(),
            json!({"detail": "No MealIngredient matches the given query."})
        );
        assert_eq!(get(&app, &bob, MEAL_INGREDIENTS).await.json()["count"], 0);
        app.call(Method::DELETE, &url)
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn list_filters_and_orders_without_search() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let diet_id = diet(&app, &ada, "Cut").await;
        let breakfast = meal(&app, &ada, diet_id, "Breakfast").await;
        let lunch = meal(&app, &ada, diet_id, "Lunch").await;
        let oats = public_ingredient(&app, "Oats", [379.0, 13.0, 7.0, 68.0]).await;
        let rice = public_ingredient(&app, "Rice", [130.0, 2.7, 0.3, 28.0]).await;
        let mut made = Vec::new();
        for (meal_id, ingredient, quantity) in
            [(breakfast, oats, 80), (lunch, rice, 200), (lunch, oats, 20)]
        {
            made.push(
                created(
                    &app,
                    &ada,
                    MEAL_INGREDIENTS,
                    json!({"meal": meal_id, "ingredient_id": ingredient, "quantity": quantity, "unit": "g"}),
                )
                .await["id"]
                    .as_i64()
                    .expect("id"),
            );
        }
        let list = |query: &str| {
            let url = format!("{MEAL_INGREDIENTS}{query}");
            let (app, ada) = (&app, &ada);
            async move { ids(&get(app, ada, &url).await.json()) }
        };
        assert_eq!(list("").await, [made[2], made[1], made[0]]);
        assert_eq!(list(&format!("?meal={lunch}")).await, [made[2], made[1]]);
        assert_eq!(
            list(&format!("?ingredient={oats}")).await,
            [made[2], made[0]]
        );
        assert_eq!(
            list("?ordering=quantity").await,
            [made[2], made[0], made[1]]
        );
        assert_eq!(
            list("?search=rice").await.len(),
            3,
            "no search fields: ignored"
        );
    }
}
