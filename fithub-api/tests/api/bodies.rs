//! Request bodies (API.md §1.2): content types, malformed JSON, wrong shapes, size.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{STRONG_PASSWORD, TestApp};

const LOGIN: &str = "/api/auth/jwt/token/";

#[tokio::test]
async fn other_content_types_are_415_naming_the_type() {
    let app = TestApp::spawn().await;
    let response = app
        .call(Method::POST, LOGIN)
        .raw("text/plain", "username=ada")
        .send()
        .await;
    response.assert_status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        response.json(),
        json!({"detail": "Unsupported media type \"text/plain\" in request."})
    );

    let request = axum::http::Request::post(LOGIN)
        .body(axum::body::Body::from("{}"))
        .expect("request");
    let response = app.request(request).await;
    response.assert_status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        response.json(),
        json!({"detail": "Unsupported media type \"\" in request."})
    );
}

#[tokio::test]
async fn malformed_json_is_a_parse_error() {
    let app = TestApp::spawn().await;
    let response = app
        .call(Method::POST, LOGIN)
        .raw("application/json; charset=utf-8", "{\"username\": ")
        .send()
        .await;
    response.assert_status(StatusCode::BAD_REQUEST);
    let detail = response.json()["detail"]
        .as_str()
        .expect("detail")
        .to_owned();
    assert!(detail.starts_with("JSON parse error - "), "{detail}");
}

#[tokio::test]
async fn json_that_is_not_an_object_names_its_type() {
    let app = TestApp::spawn().await;
    for (body, name) in [
        ("[1, 2]", "list"),
        ("\"text\"", "str"),
        ("3", "int"),
        ("1.5", "float"),
        ("true", "bool"),
    ] {
        let response = app
            .call(Method::POST, LOGIN)
            .raw("application/json", body)
            .send()
            .await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            response.json(),
            json!({"non_field_errors": [format!("Invalid data. Expected a dictionary, but got {name}.")]})
        );
    }
}

#[tokio::test]
async fn an_empty_body_is_an_empty_object() {
    let app = TestApp::spawn().await;
    let response = app.send(Method::POST, LOGIN).await;
    response.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({"username": ["This field is required."], "password": ["This field is required."]})
    );
}

#[tokio::test]
async fn form_encoded_bodies_are_read_like_json() {
    let app = TestApp::spawn().await;
    app.register("ada").await;
    let response = app
        .call(Method::POST, LOGIN)
        .raw(
            "application/x-www-form-urlencoded",
            format!("username=ada&password={STRONG_PASSWORD}"),
        )
        .send()
        .await;
    response.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_413() {
    let app = TestApp::spawn().await;
    let big = format!("{{\"username\": \"{}\"}}", "x".repeat(1024 * 1024));
    let response = app
        .call(Method::POST, LOGIN)
        .raw("application/json", big)
        .send()
        .await;
    response.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.json(),
        json!({"detail": "Request body too large."})
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.get("/health").await;
    let generated = response.header("x-request-id").expect("generated id");
    assert_eq!(generated.len(), 36, "{generated}");
    let response = app
        .call(Method::GET, "/health")
        .header("x-request-id", "from-the-load-balancer")
        .send()
        .await;
    assert_eq!(
        response.header("x-request-id"),
        Some("from-the-load-balancer")
    );
}
