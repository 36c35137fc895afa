use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::helpers::TestApp;

#[tokio::test]
async fn schema_is_yaml_by_default_and_json_on_request() {
    let app = TestApp::spawn().await;

    let yaml = app.get("/api/schema/").await;
    assert_eq!(yaml.status, StatusCode::OK);
    assert_eq!(
        yaml.header("content-type"),
        Some("application/vnd.oai.openapi; charset=utf-8")
    );
    assert!(
        yaml.text().starts_with("openapi: 3"),
        "{}",
        &yaml.text()[..40]
    );

    let json = app.get("/api/schema/?format=json").await;
    assert_eq!(
        json.header("content-type"),
        Some("application/vnd.oai.openapi+json")
    );
    assert_eq!(json.json()["info"]["title"], "FitHub API");

    let request = Request::get("/api/schema/")
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .expect("request");
    let negotiated = app.request(request).await;
    assert_eq!(
        negotiated.header("content-type"),
        Some("application/vnd.oai.openapi+json")
    );
}

/// Every documented operation: `(method, path, has a request body)`.
const OPERATIONS: &[(&str, &str, bool)] = &[
    ("post", "/api/auth/jwt/token/", true),
    ("post", "/api/auth/jwt/token/refresh/", true),
    ("post", "/api/auth/jwt/token/verify/", true),
    ("post", "/api/auth/token/", true),
    ("get", "/api/accounts/", false),
    ("post", "/api/accounts/register/", true),
    ("get", "/api/accounts/profile/", false),
    ("put", "/api/accounts/profile/", true),
    ("patch", "/api/accounts/profile/", true),
    ("post", "/api/accounts/change-password/", true),
    ("post", "/api/accounts/delete/", false),
    ("get", "/api/accounts/export/", false),
    ("get", "/api/nutrition/", false),
    ("get", "/api/nutrition/diets/", false),
    ("post", "/api/nutrition/diets/", true),
    ("get", "/api/nutrition/diets/{id}/", false),
    ("put", "/api/nutrition/diets/{id}/", true),
    ("patch", "/api/nutrition/diets/{id}/", true),
    ("delete", "/api/nutrition/diets/{id}/", false),
    ("post", "/api/nutrition/diets/{id}/activate/", false),
    ("get", "/api/nutrition/diets/active/", false),
    ("get", "/api/nutrition/meals/", false),
    ("post", "/api/nutrition/meals/", true),
    ("get", "/api/nutrition/meals/{id}/", false),
    ("put", "/api/nutrition/meals/{id}/", true),
    ("patch", "/api/nutrition/meals/{id}/", true),
    ("delete", "/api/nutrition/meals/{id}/", false),
    ("get", "/api/nutrition/meals/{id}/ingredients/", false),
    ("post", "/api/nutrition/meals/{id}/add_ingredient/", true),
    ("get", "/api/nutrition/meals/{id}/nutrition_summary/", false),
    ("get", "/api/nutrition/ingredients/", false),
    ("post", "/api/nutrition/ingredients/", true),
    ("get", "/api/nutrition/ingredients/{id}/", false),
    ("put", "/api/nutrition/ingredients/{id}/", true),
    ("patch", "/api/nutrition/ingredients/{id}/", true),
    ("delete", "/api/nutrition/ingredients/{id}/", false),
    ("get", "/api/nutrition/ingredients/search/", false),
    ("get", "/api/nutrition/ingredients/personal/", false),
    ("get", "/api/nutrition/categories/", false),
    ("post", "/api/nutrition/categories/", true),
    ("get", "/api/nutrition/categories/{id}/", false),
    ("put", "/api/nutrition/categories/{id}/", true),
    ("patch", "/api/nutrition/categories/{id}/", true),
    ("delete", "/api/nutrition/categories/{id}/", false),
    ("get", "/api/nutrition/records/", false),
    ("post", "/api/nutrition/records/", true),
    ("get", "/api/nutrition/records/{id}/", false),
    ("put", "/api/nutrition/records/{id}/", true),
    ("patch", "/api/nutrition/records/{id}/", true),
    ("delete", "/api/nutrition/records/{id}/", false),
    ("get", "/api/nutrition/records/today/", false),
    ("get", "/api/nutrition/records/nutrition_summary/", false),
    ("get", "/api/nutrition/diary/", false),
    ("get", "/api/nutrition/preferences/", false),
    ("post", "/api/nutrition/preferences/", true),
    ("get", "/api/nutrition/preferences/{id}/", false),
    ("put", "/api/nutrition/preferences/{id}/", true),
    ("patch", "/api/nutrition/preferences/{id}/", true),
    ("delete", "/api/nutrition/preferences/{id}/", false),
    ("get", "/api/nutrition/preferences/by_type/", false),
    ("get", "/api/nutrition/meal-ingredients/", false),
    ("post", "/api/nutrition/meal-ingredients/", true),
    ("get", "/api/nutrition/meal-ingredients/{id}/", false),
    ("put", "/api/nutrition/meal-ingredients/{id}/", true),
    ("patch", "/api/nutrition/meal-ingredients/{id}/", true),
    ("delete", "/api/nutrition/meal-ingredients/{id}/", false),
    ("get", "/api/goals/", false),
    ("get", "/api/goals/goals/", false),
    ("post", "/api/goals/goals/", true),
    ("get", "/api/goals/goals/{id}/", false),
    ("put", "/api/goals/goals/{id}/", true),
    ("patch", "/api/goals/goals/{id}/", true),
    ("delete", "/api/goals/goals/{id}/", false),
    ("post", "/api/goals/goals/{id}/activate/", false),
    ("post", "/api/goals/goals/{id}/deactivate/", false),
    ("get", "/api/goals/goals/{id}/progress/", false),
    ("get", "/api/goals/goals/active/", false),
    ("get", "/api/goals/goals/by_type/", false),
    ("get", "/api/goals/goals/upcoming/", false),
    ("get", "/api/goals/goals/overdue/", false),
    ("get", "/api/goals/measurements/", false),
    ("post", "/api/goals/measurements/", true),
    ("get", "/api/goals/measurements/{id}/", false),
    ("put", "/api/goals/measurements/{id}/", true),
    ("patch", "/api/goals/measurements/{id}/", true),
    ("delete", "/api/goals/measurements/{id}/", false),
    ("get", "/api/goals/measurements/latest/", false),
    ("get", "/api/goals/measurements/by_metric/", false),
    ("get", "/api/goals/measurements/trends/", false),
    ("get", "/api/goals/measurements/summary/", false),
    ("post", "/api/goals/measurements/bulk_create/", true),
];

#[tokio::test]
async fn every_route_of_the_contract_is_documented() {
    let document = fithub_api::openapi();
    let operations: usize = document
        .paths
        .paths
        .values()
        .map(|item| {
            serde_json::to_value(item)
                .expect("json")
                .as_object()
                .map_or(0, |o| o.len())
        })
        .sum();
    // The contract's operations plus /health, /ready, /api/schema/ and /metrics.
    assert_eq!(operations, OPERATIONS.len() + 4);
}

#[tokio::test]
async fn every_endpoint_has_its_request_and_response_schemas() {
    let document = serde_json::to_value(fithub_api::openapi()).expect("json");
    for (method, path, has_body) in OPERATIONS {
        let operation = &document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is documented");
        let responses = operation["responses"].as_object().expect("responses");
        let success = responses
            .iter()
            .find(|(status, _)| status.starts_with('2'))
            .unwrap_or_else(|| panic!("{method} {path} has a success response"));
        let documented = success.1["content"]
            .as_object()
            .is_some_and(|content| content.values().all(|media| media["schema"].is_object()));
        assert!(
            success.0 == "204" || documented,
            "{method} {path} documents its answer: {}",
            success.1
        );
        if *has_body {
            assert!(
                operation["requestBody"]["content"]["application/json"]["schema"].is_object(),
                "{method} {path} documents its request body"
            );
        }
        let protected = !path.starts_with("/api/auth/") && *path != "/api/accounts/register/";
        assert_eq!(
            operation["security"].is_array(),
            protected,
            "{method} {path}: security requirements"
        );
    }
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["jwt"]["scheme"], "bearer");
    assert_eq!(schemes["api_token"]["name"], "Authorization");
}

#[tokio::test]
async fn schema_documents_every_route() {
    let document = fithub_api::openapi();
    let paths: Vec<&String> = document.paths.paths.keys().collect();
    for expected in ["/health", "/ready", "/api/schema/"] {
        assert!(
            paths.iter().any(|p| *p == expected),
            "{expected} missing from {paths:?}"
        );
    }
    let ready = serde_json::to_value(&document.paths.paths["/ready"]).expect("json");
    assert!(ready["get"]["responses"]["503"].is_object(), "{ready}");
}

#[tokio::test]
async fn swagger_ui_is_served_offline_and_reads_our_schema() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/docs/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(!page.text().contains("cdn"), "no CDN assets");

    let initializer = app.get("/api/docs/swagger-initializer.js").await;
    assert_eq!(initializer.status, StatusCode::OK);
    assert!(
        initializer.text().contains("/api/schema/?format=json"),
        "{}",
        initializer.text()
    );

    let bundle = app.get("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status, StatusCode::OK);
    assert!(bundle.body.len() > 100_000, "the vendored bundle is served");
}

#[tokio::test]
async fn redoc_is_served_from_the_vendored_bundle() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/redoc/").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(r#"spec-url="/api/schema/?format=json""#),
        "{html}"
    );
    assert!(
        html.contains(r#"src="/api/redoc/redoc.standalone.js""#),
        "{html}"
    );
    assert!(
        !html.contains("http"),
        "no external URL in the page: {html}"
    );

    let bundle = app.get("/api/redoc/redoc.standalone.js").await;
    assert_eq!(bundle.status, StatusCode::OK);
    assert_eq!(
        bundle.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(bundle.body.len() > 500_000);
}
