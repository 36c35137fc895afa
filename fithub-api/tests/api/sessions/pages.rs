//! The HTML pages: rendered on the server, their assets from the binary, the visitor greeted.

use axum::http::{Method, StatusCode};

use crate::helpers::TestApp;

#[tokio::test]
async fn the_four_pages_render_with_their_own_assets_only() {
    let app = TestApp::spawn().await;
    for path in ["/", "/about/", "/auth/signin/", "/auth/signup/"] {
        let page = app.get(path).await;
        page.assert_status(StatusCode::OK);
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        let html = page.text();
        assert!(html.contains("/static/fithub.css") && html.contains("/static/fithub.js"));
        assert!(
            !html.contains("https://"),
            "{path} loads nothing from elsewhere"
        );
    }
    let signup = app.get("/auth/signup/").await.text();
    for field in ["username", "email", "password", "password_confirm"] {
        assert!(
            signup.contains(&format!("data-error-for=\"{field}\"")),
            "{field}"
        );
    }
    for (asset, kind) in [
        ("/static/fithub.css", "text/css"),
        ("/static/fithub.js", "text/javascript"),
    ] {
        let response = app.get(asset).await;
        response.assert_status(StatusCode::OK);
        assert!(
            response
                .header("content-type")
                .unwrap_or_default()
                .starts_with(kind)
        );
    }
    assert_eq!(
        app.get("/about").await.status,
        StatusCode::MOVED_PERMANENTLY
    );
}

#[tokio::test]
async fn the_home_page_greets_the_signed_in_user() {
    let app = TestApp::spawn().await;
    let browser = app.sign_up("ada").await;
    let home = app
        .call(Method::GET, "/")
        .cookies(&browser)
        .send()
        .await
        .text();
    assert!(home.contains("Hello, ada!"), "{home}");
    assert!(home.contains("href=\"/api/docs/\""));
    assert!(home.contains("data-sign-out"));
    let anonymous = app.get("/").await.text();
    assert!(!anonymous.contains("Hello,") && anonymous.contains("/auth/signup/"));
    // Names are escaped.
    let response = app
        .call(Method::POST, "/auth/update-profile/")
        .browser(&browser)
        .json(&serde_json::json!({"first_name": "<script>x</script>"}))
        .send()
        .await;
    response.assert_status(StatusCode::OK);
    let home = app
        .call(Method::GET, "/")
        .cookies(&browser)
        .send()
        .await
        .text();
    assert!(
        home.contains("Hello, &#60;script&#62;x&#60;/script&#62;!")
            || home.contains("&lt;script&gt;"),
        "{home}"
    );
}
