use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_root_lists_absolute_collection_urls() {
    let app = TestApp::spawn().await;
    app.get("/api/nutrition/")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let ada = app.register("ada").await;
    let response = app
        .call(Method::GET, "/api/nutrition/")
        .by(&ada)
        .header("host", "api.example.com")
        .send()
        .await;
    response.assert_status(StatusCode::OK);
    let base = "http://api.example.com/api/nutrition";
    assert_eq!(
        response.json(),
        json!({
            "diets": format!("{base}/diets/"), "meals": format!("{base}/meals/"),
            "ingredients": format!("{base}/ingredients/"), "categories": format!("{base}/categories/"),
            "records": format!("{base}/records/"), "preferences": format!("{base}/preferences/"),
            "meal-ingredients": format!("{base}/meal-ingredients/"),
        })
    );
}

#[tokio::test]
async fn forwarded_scheme_and_host_count_only_from_trusted_proxies() {
    let config = fithub_core::Config {
        trusted_proxies: vec!["10.0.0.0/8".parse().expect("net")],
        ..crate::helpers::test_config()
    };
    let app = TestApp::all_with(config).await.remove(0);
    let ada = app.register("ada").await;
    let call = |peer: &'static str| {
        app.call(Method::GET, "/api/nutrition/")
            .by(&ada)
            .peer(peer)
            .header("host", "internal:8000")
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-host", "fithub.example.com")
            .send()
    };
    let trusted = call("10.0.0.9").await.json();
    assert_eq!(
        trusted["diets"],
        "https://fithub.example.com/api/nutrition/diets/"
    );
    let untrusted = call("203.0.113.5").await.json();
    assert_eq!(
        untrusted["diets"],
        "http://internal:8000/api/nutrition/diets/"
    );
}

#[tokio::test]
async fn a_known_path_without_its_slash_redirects() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/nutrition/diets?x=1").await;
    response.assert_status(StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        response.header("location"),
        Some("/api/nutrition/diets/?x=1")
    );
    let response = app.get("/api/nutrition/diets/12").await;
    assert_eq!(
        response.header("location"),
        Some("/api/nutrition/diets/12/")
    );
}
