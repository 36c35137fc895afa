use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{created, get, ids, make_staff, personal_ingredient, post, public_ingredient, send};
use crate::helpers::TestApp;

const INGREDIENTS: &str = "/api/nutrition/ingredients/";

fn body(name: &str) -> Value {
    json!({
        "name": name, "proteins": 13, "fats": 7, "carbs": 68, "calories": 379, "fibers": 10,
        "sugars": 1, "description": "Whole grain",
    })
}

#[tokio::test]
async fn created_ingredients_are_personal_and_shaped_like_the_contract() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let category = created(
            &app,
            &ada,
            "/api/nutrition/categories/",
            json!({"name": "Grains"}),
        )
        .await;
        let mut request = body("Rolled oats");
        request["category_id"] = category["id"].clone();
        request["is_personal"] = json!(false);
        let ingredient = created(&app, &ada, INGREDIENTS, request).await;
        let keys: Vec<&String> = ingredient.as_object().expect("object").keys().collect();
        assert_eq!(
            keys,
            [
                "calories",
                "carbs",
                "category",
                "created_at",
                "description",
                "fats",
                "fibers",
                "id",
                "name",
                "proteins",
                "sugars",
                "updated_at"
            ]
        );
        assert_eq!(
            ingredient["category"],
            json!({"id": category["id"], "name": "Grains", "parent": null})
        );
        assert_eq!(ingredient["proteins"], json!(13.0));
        let personal = get(&app, &ada, &format!("{INGREDIENTS}personal/"))
            .await
            .json();
        assert_eq!(
            personal[0]["id"], ingredient["id"],
            "is_personal in the body is ignored"
        );
    }
}

#[tokio::test]
async fn validation_covers_every_nutrient_and_the_category() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let response = post(
        &app,
        &ada,
        INGREDIENTS,
        json!({"name": "x", "category_id": 424242, "sugars": -0.5}),
    )
    .await;
    response.assert_status(StatusCode::BAD_REQUEST);
    let required = json!(["This field is required."]);
    assert_eq!(
        response.json(),
        json!({
            "category_id": ["Invalid pk \"424242\" - object does not exist."],
            "proteins": required, "fats": required, "carbs": required, "calories": required,
            "fibers": required,
            "sugars": ["Ensure this value is greater than or equal to 0."],
        })
    );
}

#[tokio::test]
async fn other_users_personal_ingredients_are_invisible_everywhere() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let secret = personal_ingredient(&app, &bob, "Secret sauce", [100.0, 1.0, 1.0, 1.0]).await;
        let public = public_ingredient(&app, "Sauce base", [50.0, 1.0, 1.0, 1.0]).await;

        let url = format!("{INGREDIENTS}{secret}/");
        for method in [Method::GET, Method::DELETE] {
            let response = app.call(method, &url).by(&ada).send().await;
            response.assert_status(StatusCode::NOT_FOUND);
            assert_eq!(
                response.json(),
                json!({"detail": "No Ingredient matches the given query."})
            );
        }
        send(&app, &ada, Method::PATCH, &url, json!({"name": "Mine now"}))
            .await
            .assert_status(StatusCode::NOT_FOUND);

        assert_eq!(ids(&get(&app, &ada, INGREDIENTS).await.json()), [public]);
        assert_eq!(
            ids(&get(&app, &ada, &format!("{INGREDIENTS}?search=sauce"))
                .await
                .json()),
            [public]
        );
        let search = get(&app, &ada, &format!("{INGREDIENTS}search/?q=sauce"))
            .await
            .json();
        assert_eq!(search.as_array().map(Vec::len), Some(1));
        assert_eq!(search[0]["id"], public);
        assert_eq!(
            get(&app, &ada, &format!("{INGREDIENTS}personal/"))
                .await
                .json(),
            json!([])
        );
        // Bob sees both.
        assert_eq!(get(&app, &bob, INGREDIENTS).await.json()["count"], 2);
    }
}

#[tokio::test]
async fn only_staff_change_the_public_catalogue() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let staff = app.register("staffer").await;
        make_staff(&app, &staff).await;
        let public = public_ingredient(&app, "Rolled oats", [379.0, 13.0, 7.0, 68.0]).await;
        let url = format!("{INGREDIENTS}{public}/");

        let forbidden = send(&app, &ada, Method::PATCH, &url, json!({"name": "Mine"})).await;
        forbidden.assert_status(StatusCode::FORBIDDEN);
        assert_eq!(
            forbidden.json(),
            json!({"detail": "You do not have permission to perform this action."})
        );
        app.call(Method::DELETE, &url)
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::FORBIDDEN);

        let patched = send(&app, &staff, Method::PATCH, &url, json!({"calories": 380})).await;
        patched.assert_status(StatusCode::OK);
        assert_eq!(patched.json()["calories"], json!(380.0));
        assert_eq!(patched.json()["name"], "Rolled oats");

        // Their own personal ingredients, users change freely.
        let own = personal_ingredient(&app, &ada, "Mine", [1.0, 1.0, 1.0, 1.0]).await;
        let put = send(
            &app,
            &ada,
            Method::PUT,
            &format!("{INGREDIENTS}{own}/"),
            body("Renamed"),
        )
        .await;
        put.assert_status(StatusCode::OK);
        assert_eq!(put.json()["name"], "Renamed");
        app.call(Method::DELETE, &format!("{INGREDIENTS}{own}/"))
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
        app.call(Method::DELETE, &url)
            .by(&staff)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn search_needs_two_characters_and_returns_ten_by_name() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        for i in (0..12).rev() {
            public_ingredient(&app, &format!("Bean {i:02}"), [1.0, 2.0, 3.0, 4.0]).await;
        }
        public_ingredient(&app, "100% juice", [1.0, 1.0, 1.0, 1.0]).await;
        for query in ["", "?q=", "?q=b"] {
            let response = get(&app, &ada, &format!("{INGREDIENTS}search/{query}")).await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(
                response.json(),
                json!({"error": "Query must be at least 2 characters"})
            );
        }
        let found = get(&app, &ada, &format!("{INGREDIENTS}search/?q=BEAN"))
            .await
            .json();
        let names: Vec<&str> = found
            .as_array()
            .expect("array")
            .iter()
            .map(|item| item["name"].as_str().expect("name"))
            .collect();
        assert_eq!(names.len(), 10);
        assert_eq!(names[0], "Bean 00");
        assert_eq!(names[9], "Bean 09");
        assert_eq!(
            found[0]
                .as_object()
                .expect("object")
                .keys()
                .collect::<Vec<_>>(),
            [
                "calories", "carbs", "category", "fats", "id", "name", "proteins"
            ]
        );
        // Two characters are searched another way on PostgreSQL (too short for its trigram
        // index): the same matches, case aside.
        let short = get(&app, &ada, &format!("{INGREDIENTS}search/?q=eA"))
            .await
            .json();
        assert_eq!(
            short, found,
            "a two-character query finds what a longer one does"
        );
        let with_percent = get(&app, &ada, &format!("{INGREDIENTS}search/?q=0%25%20J"))
            .await
            .json();
        assert_eq!(
            with_percent.as_array().map(Vec::len),
            Some(1),
            "`%` is literal"
        );
        // `%` is a literal character, and the query is one substring, not terms.
        let literal = get(&app, &ada, &format!("{INGREDIENTS}search/?q=0%25"))
            .await
            .json();
        assert_eq!(literal.as_array().map(Vec::len), Some(1));
        let phrase = get(&app, &ada, &format!("{INGREDIENTS}search/?q=bean%2001"))
            .await
            .json();
        assert_eq!(phrase.as_array().map(Vec::len), Some(1));
        let description = get(&app, &ada, &format!("{INGREDIENTS}search/?q=whole"))
            .await
            .json();
        assert_eq!(
            description.as_array().map(Vec::len),
            Some(10),
            "descriptions match too"
        );
    }
}

#[tokio::test]
async fn search_follows_renames_and_deletions() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let id = personal_ingredient(&app, &ada, "Quinoa flakes", [1.0, 2.0, 3.0, 4.0]).await;
        let search = |q: &'static str| {
            let (app, ada) = (&app, &ada);
            async move {
                ids_of(
                    &get(app, ada, &format!("{INGREDIENTS}search/?q={q}"))
                        .await
                        .json(),
                )
            }
        };
        assert_eq!(search("quinoa").await, [id]);
        let url = format!("{INGREDIENTS}{id}/");
        send(
            &app,
            &ada,
            Method::PATCH,
            &url,
            json!({"name": "Millet flakes"}),
        )
        .await
        .assert_status(StatusCode::OK);
        assert_eq!(search("quinoa").await, Vec::<i64>::new());
        assert_eq!(search("millet").await, [id]);
        assert_eq!(search("flakes").await, [id]);
        app.call(Method::DELETE, &url)
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
        assert_eq!(search("millet").await, Vec::<i64>::new());
    }
}

fn ids_of(found: &Value) -> Vec<i64> {
    found
        .as_array()
        .expect("array")
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn list_filters_and_orders() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let grains = created(
            &app,
            &ada,
            "/api/nutrition/categories/",
            json!({"name": "Grains"}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let public = public_ingredient(&app, "Barley", [350.0, 12.0, 2.0, 73.0]).await;
        let mut request = body("Amaranth");
        request["category_id"] = json!(grains);
        request["calories"] = json!(371);
        let own = created(&app, &ada, INGREDIENTS, request).await["id"]
            .as_i64()
            .expect("id");
        let list = |query: &str| {
            let url = format!("{INGREDIENTS}{query}");
            let (app, ada) = (&app, &ada);
            async move { ids(&get(app, ada, &url).await.json()) }
        };
        assert_eq!(list("").await, [own, public], "by name");
        assert_eq!(list("?is_personal=true").await, [own]);
        assert_eq!(list("?is_personal=FALSE").await, [public]);
        assert_eq!(list(&format!("?category={grains}")).await, [own]);
        assert_eq!(list("?category=999999").await, Vec::<i64>::new());
        assert_eq!(list("?ordering=calories").await, [public, own]);
        assert_eq!(list("?ordering=-calories").await, [own, public]);
    }
}
