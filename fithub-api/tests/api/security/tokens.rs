//! A used refresh token presented again (item 12): it was copied, so every access token of the
//! user ends at once, not only the family's refresh tokens. On every backend, with the user
//! cache of PostgreSQL in play.

use axum::http::{Method, StatusCode};
use fithub_core::audit::{self, AuditFilter};
use serde_json::{Value, json};

use crate::helpers::{STRONG_PASSWORD, TestApp};

async fn profile(app: &TestApp, access: &str) -> StatusCode {
    app.call(Method::GET, "/api/accounts/profile/")
        .bearer(access)
        .send()
        .await
        .status
}

async fn pair(app: &TestApp, path: &str, body: Value) -> Value {
    let response = app.post(path, body).await;
    response.assert_status(StatusCode::OK);
    response.json()
}

fn access(pair: &Value) -> &str {
    pair["access"].as_str().expect("access")
}

#[tokio::test]
async fn a_reused_refresh_token_ends_every_access_token_of_the_user() {
    for app in TestApp::all().await {
        let backend = app.backend();
        let ada = app.register("ada").await;
        let login = json!({"username": "ada", "password": STRONG_PASSWORD});
        let other_device = pair(&app, "/api/auth/jwt/token/", login.clone()).await;
        // Authenticated once: on PostgreSQL the user is now remembered.
        assert_eq!(profile(&app, &ada.access).await, StatusCode::OK);
        let rotated = pair(
            &app,
            "/api/auth/jwt/token/refresh/",
            json!({"refresh": ada.refresh}),
        )
        .await;
        assert_eq!(profile(&app, access(&rotated)).await, StatusCode::OK);

        app.post(
            "/api/auth/jwt/token/refresh/",
            json!({"refresh": ada.refresh}),
        )
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
        for token in [ada.access.as_str(), access(&rotated), access(&other_device)] {
            assert_eq!(
                profile(&app, token).await,
                StatusCode::UNAUTHORIZED,
                "{backend:?}"
            );
        }

        // The owner logs in again and carries on.
        let fresh = pair(&app, "/api/auth/jwt/token/", login).await;
        assert_eq!(profile(&app, access(&fresh)).await, StatusCode::OK);
        let reuse = audit::list(
            app.db(),
            &AuditFilter {
                action: Some("auth.refresh_reuse".into()),
                ..AuditFilter::default()
            },
        )
        .await
        .expect("audit");
        assert_eq!(reuse.len(), 1, "{backend:?}");
        let details: Value =
            serde_json::from_str(reuse[0].details.as_deref().unwrap_or("null")).expect("json");
        assert_eq!(
            details["access_tokens_revoked"],
            json!(true),
            "{backend:?}: {details}"
        );
    }
}
