use axum::http::{Method, StatusCode};

use crate::helpers::TestApp;

#[tokio::test]
async fn unknown_routes_are_json_404s() {
    let app = TestApp::spawn().await;
    for uri in ["/nope", "/api/", "/api/nutrition/unknown/", "/health/"] {
        let response = app.get(uri).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(
            response.json(),
            serde_json::json!({"detail": "Not found."}),
            "{uri}"
        );
        assert_eq!(response.header("content-type"), Some("application/json"));
    }
}

#[tokio::test]
async fn wrong_method_is_a_json_405_with_allow() {
    let app = TestApp::spawn().await;
    let response = app.send(Method::DELETE, "/ready").await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        response.json(),
        serde_json::json!({"detail": "Method \"DELETE\" not allowed."})
    );
    let allow = response.header("allow").expect("Allow header");
    assert!(allow.contains("GET"), "{allow}");
}

#[tokio::test]
async fn a_known_path_without_its_slash_redirects_keeping_the_query() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/schema?format=json&x=1").await;
    assert_eq!(response.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        response.header("location"),
        Some("/api/schema/?format=json&x=1")
    );

    let response = app.get("/api/schema").await;
    assert_eq!(response.header("location"), Some("/api/schema/"));
}
