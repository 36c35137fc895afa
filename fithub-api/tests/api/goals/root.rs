use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_root_lists_absolute_collection_urls() {
    let app = TestApp::spawn().await;
    app.get("/api/goals/")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let ada = app.register("ada").await;
    let response = app
        .call(Method::GET, "/api/goals/")
        .by(&ada)
        .header("host", "api.example.com")
        .send()
        .await;
    response.assert_status(StatusCode::OK);
    assert_eq!(
        response.json(),
        json!({
            "goals": "http://api.example.com/api/goals/goals/",
            "measurements": "http://api.example.com/api/goals/measurements/",
        })
    );
}
