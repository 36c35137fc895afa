//! Created objects, redirects, rate-limit headers and what CORS lets scripts see, on every
//! backend.

use axum::http::{Method, StatusCode};
use fithub_core::Config;
use serde_json::{Value, json};

use crate::helpers::{STRONG_PASSWORD, Session, TestApp, test_config};
use crate::nutrition::{diet, diet_body, meal, personal_ingredient};

async fn post(
    app: &TestApp,
    who: &Session,
    uri: &str,
    body: Value,
) -> crate::helpers::TestResponse {
    app.call(Method::POST, uri).by(who).json(&body).send().await
}

#[tokio::test]
async fn every_create_names_the_new_object_in_location() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let diet_id = diet(&app, &ada, "Cut").await;
        let meal_id = meal(&app, &ada, diet_id, "Oats").await;
        let ingredient = personal_ingredient(&app, &ada, "Oat", [380.0, 13.0, 7.0, 60.0]).await;
        let creates = [
            ("/api/nutrition/diets/", diet_body("Bulk")),
            (
                "/api/nutrition/meals/",
                json!({"name": "Eggs", "diet_id": diet_id}),
            ),
            (
                "/api/nutrition/ingredients/",
                json!({"name": "Rye", "proteins": 1, "fats": 1, "carbs": 1, "calories": 1,
                       "fibers": 1, "sugars": 1}),
            ),
            ("/api/nutrition/categories/", json!({"name": "Grains"})),
            (
                "/api/nutrition/records/",
                json!({"meal_id": meal_id, "timestamp": "2025-03-02T07:45:00Z"}),
            ),
            (
                "/api/nutrition/preferences/",
                json!({"ingredient_id": ingredient, "preference_type": "love"}),
            ),
            (
                "/api/nutrition/meal-ingredients/",
                json!({"meal": meal_id, "ingredient_id": ingredient, "quantity": 50, "unit": "g"}),
            ),
            ("/api/goals/goals/", json!({"goal_type": "strength"})),
            (
                "/api/goals/measurements/",
                json!({"measurement_type": "log", "value": 71.4,
                       "timestamp": "2025-03-02T06:30:00Z"}),
            ),
        ];
        for (collection, body) in creates {
            let response = post(&app, &ada, collection, body).await;
            response.assert_status(StatusCode::CREATED);
            let id = response.json()["id"].clone();
            let id = id.as_str().map_or_else(|| id.to_string(), str::to_owned);
            let expected = format!("{collection}{id}/");
            assert_eq!(response.header("location"), Some(expected.as_str()));
            app.call(Method::GET, &expected)
                .by(&ada)
                .send()
                .await
                .assert_status(StatusCode::OK);
        }

        let added = post(
            &app,
            &ada,
            &format!("/api/nutrition/meals/{meal_id}/add_ingredient/"),
            json!({"ingredient_id": ingredient, "quantity": 20, "unit": "g"}),
        )
        .await;
        added.assert_status(StatusCode::CREATED);
        let expected = format!("/api/nutrition/meal-ingredients/{}/", added.json()["id"]);
        assert_eq!(added.header("location"), Some(expected.as_str()));

        // Several objects, or an account: no one object to name.
        let bulk = post(
            &app,
            &ada,
            "/api/goals/measurements/bulk_create/",
            json!({"measurements": [{"measurement_type": "log", "value": 70,
                                     "timestamp": "2025-03-03T06:30:00Z"}]}),
        )
        .await;
        bulk.assert_status(StatusCode::CREATED);
        assert_eq!(bulk.header("location"), None);
        let registered = app
            .post(
                "/api/accounts/register/",
                json!({"username": "bob", "password": STRONG_PASSWORD,
                       "password_confirm": STRONG_PASSWORD}),
            )
            .await;
        registered.assert_status(StatusCode::CREATED);
        assert_eq!(registered.header("location"), None);
    }
}

#[tokio::test]
async fn a_missing_slash_keeps_the_method_except_for_reads() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let response = app
            .call(method.clone(), "/api/goals/measurements?x=1")
            .by(&ada)
            .json(&json!({}))
            .send()
            .await;
        assert_eq!(response.status, StatusCode::PERMANENT_REDIRECT, "{method}");
        assert_eq!(
            response.header("location"),
            Some("/api/goals/measurements/?x=1")
        );
    }
    for method in [Method::GET, Method::HEAD] {
        let response = app
            .call(method.clone(), "/api/goals/measurements")
            .send()
            .await;
        assert_eq!(response.status, StatusCode::MOVED_PERMANENTLY, "{method}");
    }
    // Nothing was created by the redirected POST.
    let page = app
        .call(Method::GET, "/api/goals/measurements/")
        .by(&ada)
        .send()
        .await;
    assert_eq!(page.json()["count"], 0);
}

#[tokio::test]
async fn guarded_endpoints_tell_how_much_of_the_limit_is_left() {
    let config = Config {
        auth_rate_limit_per_address: 10,
        auth_rate_limit_per_username: 3,
        ..test_config()
    };
    let app = TestApp::all_with(config).await.remove(0);
    app.register("ada").await;
    let login = || {
        app.call(Method::POST, "/api/auth/jwt/token/")
            .peer("203.0.113.7")
            .json(&json!({"username": "ada", "password": STRONG_PASSWORD}))
            .send()
    };
    // Registering was the first attempt on "ada": the username's limit is the tighter one.
    let first = login().await;
    first.assert_status(StatusCode::OK);
    assert_eq!(first.header("ratelimit-limit"), Some("3"));
    assert_eq!(first.header("ratelimit-remaining"), Some("1"));
    let reset: u64 = first
        .header("ratelimit-reset")
        .and_then(|value| value.parse().ok())
        .expect("RateLimit-Reset in seconds");
    assert!((1..=60).contains(&reset), "{reset}");

    let last = login().await;
    assert_eq!(last.header("ratelimit-remaining"), Some("0"));
    let limited = login().await;
    limited.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));
    assert!(limited.header("retry-after").is_some());

    let token = app
        .call(Method::POST, "/api/auth/token/")
        .peer("203.0.113.8")
        .json(&json!({"username": "nobody", "password": "wrong-password"}))
        .send()
        .await;
    assert!(
        token.header("ratelimit-limit").is_some(),
        "{}",
        token.status
    );
    // Another account, so that its own limit is not the one spent above.
    let bob = app.register("bob").await;
    let change = app
        .call(Method::POST, "/api/accounts/change-password/")
        .by(&bob)
        .peer("203.0.113.9")
        .json(&json!({}))
        .send()
        .await;
    change.assert_status(StatusCode::BAD_REQUEST);
    assert!(change.header("ratelimit-remaining").is_some());

    // With every limit off, no such header.
    let unlimited = TestApp::spawn().await;
    unlimited.register("eve").await;
    let answer = unlimited
        .call(Method::POST, "/api/auth/jwt/token/")
        .json(&json!({"username": "eve", "password": STRONG_PASSWORD}))
        .send()
        .await;
    answer.assert_status(StatusCode::OK);
    assert_eq!(answer.header("ratelimit-limit"), None);
}

#[tokio::test]
async fn cors_lets_scripts_send_and_read_the_http_semantics_headers() {
    let app = TestApp::spawn().await;
    let preflight = app
        .call(Method::OPTIONS, "/api/nutrition/diets/1/")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "PATCH")
        .header(
            "access-control-request-headers",
            "idempotency-key, if-match, if-none-match",
        )
        .send()
        .await;
    preflight.assert_status(StatusCode::OK);
    let allowed = preflight
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase();
    for name in ["idempotency-key", "if-match", "if-none-match"] {
        assert!(allowed.contains(name), "{name} in {allowed}");
    }

    let ada = app.register("ada").await;
    let actual = app
        .call(Method::GET, "/api/nutrition/diets/")
        .by(&ada)
        .header("origin", "https://app.example")
        .send()
        .await;
    let exposed = actual
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_lowercase();
    for name in [
        "etag",
        "location",
        "idempotent-replayed",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "retry-after",
    ] {
        assert!(exposed.contains(name), "{name} in {exposed}");
    }
}
