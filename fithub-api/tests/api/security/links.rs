//! Absolute links and an untrusted `Host` (item 14): with `public_url` set, the links are built on
//! it, whatever the request's `Host` or forwarded headers say.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, test_config};
use crate::nutrition::created;

#[tokio::test]
async fn links_are_built_on_public_url_never_on_the_host_header() {
    let config = fithub_core::Config {
        public_url: Some("https://fithub.example/".into()),
        trusted_proxies: vec!["10.0.0.0/8".parse().expect("net")],
        ..test_config()
    };
    let app = TestApp::all_with(config).await.remove(0);
    let ada = app.register("ada").await;
    for name in ["Grains", "Dairy"] {
        created(
            &app,
            &ada,
            "/api/nutrition/categories/",
            json!({"name": name}),
        )
        .await;
    }
    let get = |uri: &'static str| {
        app.call(Method::GET, uri)
            .by(&ada)
            .peer("10.0.0.9")
            .header("host", "evil.example")
            .header("x-forwarded-host", "evil.example")
            .header("x-forwarded-proto", "http")
            .send()
    };
    let page = get("/api/nutrition/categories/?page_size=1").await;
    page.assert_status(StatusCode::OK);
    assert_eq!(
        page.json()["next"],
        "https://fithub.example/api/nutrition/categories/?page_size=1&page=2"
    );
    let root = get("/api/nutrition/").await;
    assert_eq!(
        root.json()["diets"],
        "https://fithub.example/api/nutrition/diets/"
    );
}
