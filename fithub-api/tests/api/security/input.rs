//! Limits on what a client may send (items 1 and 15), on every backend: search terms and NUL
//! characters.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{STRONG_PASSWORD, TestApp};
use crate::nutrition::diet_body;

const TOO_MANY_TERMS: &str = "Ensure this field has no more than 10 terms.";
const TERM_TOO_LONG: &str = "Ensure each term has no more than 100 characters.";
const NUL: &str = "Null characters are not allowed.";

#[tokio::test]
async fn search_takes_at_most_ten_terms_of_at_most_a_hundred_characters() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let get = |uri: String| app.call(Method::GET, &uri).by(&ada).send();
        let list = |search: String| get(format!("/api/nutrition/ingredients/?search={search}"));

        list(["oat"; 10].join("+"))
            .await
            .assert_status(StatusCode::OK);
        list("a".repeat(100)).await.assert_status(StatusCode::OK);
        // A quoted phrase is one term, however many words it holds.
        list(format!("%22{}%22", ["oat"; 20].join("+")))
            .await
            .assert_status(StatusCode::OK);
        for (search, message) in [
            (["oat"; 11].join("+"), TOO_MANY_TERMS),
            // SQLite used to answer this one 500, "Expression tree is too large".
            (["oat"; 1000].join("+"), TOO_MANY_TERMS),
            ("a".repeat(101), TERM_TOO_LONG),
        ] {
            let response = list(search).await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(response.json(), json!({"search": [message]}));
        }

        // The search action's `q` is one term, under the same length limit.
        let q = |length: usize| {
            get(format!(
                "/api/nutrition/ingredients/search/?q={}",
                "a".repeat(length)
            ))
        };
        q(100).await.assert_status(StatusCode::OK);
        let response = q(101).await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            response.json(),
            json!({"error": "Query must be at most 100 characters"})
        );
    }
}

#[tokio::test]
async fn null_characters_are_a_field_keyed_400_in_bodies_and_query_parameters() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let backend = app.backend();

        // The username of an unauthenticated login ...
        let response = app
            .post(
                "/api/auth/jwt/token/",
                json!({"username": "ada\u{0}", "password": STRONG_PASSWORD}),
            )
            .await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(response.json(), json!({"username": [NUL]}), "{backend:?}");

        // ... a body field, as JSON and form-encoded ...
        let mut diet = diet_body("Cut\u{0}");
        let response = app
            .call(Method::POST, "/api/nutrition/diets/")
            .by(&ada)
            .json(&diet)
            .send()
            .await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(response.json(), json!({"name": [NUL]}), "{backend:?}");
        diet["name"] = json!("Cut");
        diet["notes"] = json!("a\u{0}b");
        let form = diet
            .as_object()
            .expect("object")
            .iter()
            .map(|(key, value)| {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                format!("{key}={}", text.replace('\u{0}', "%00"))
            })
            .collect::<Vec<_>>()
            .join("&");
        let response = app
            .call(Method::POST, "/api/nutrition/diets/")
            .by(&ada)
            .raw("application/x-www-form-urlencoded", form)
            .send()
            .await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(response.json(), json!({"notes": [NUL]}), "{backend:?}");

        // ... and every query parameter that is read, keyed by the parameter.
        for (uri, key) in [
            ("/api/nutrition/ingredients/?search=oat%00", "search"),
            ("/api/nutrition/records/?search=%00", "search"),
            ("/api/nutrition/records/?timestamp=2025%00", "timestamp"),
            ("/api/nutrition/ingredients/search/?q=oat%00", "q"),
            (
                "/api/goals/measurements/by_metric/?metric=weight_kg%00",
                "metric",
            ),
            (
                "/api/goals/measurements/trends/?metric=weight_kg%00",
                "metric",
            ),
            ("/api/goals/goals/by_type/?type=weight%00", "type"),
        ] {
            let response = app.call(Method::GET, uri).by(&ada).send().await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(response.json(), json!({key: [NUL]}), "{backend:?} {uri}");
        }
        // A parameter nobody reads is still ignored.
        app.call(Method::GET, "/api/nutrition/diets/?unknown=%00")
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::OK);
    }
}
