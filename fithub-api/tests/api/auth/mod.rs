//! `/api/auth/` and the `Authorization` header (API.md §1.5, §3.3), on every backend.

use axum::http::{Method, StatusCode};
use fithub_core::accounts;
use fithub_core::audit::{self, AuditFilter, Origin};
use serde_json::{Value, json};

use crate::helpers::{STRONG_PASSWORD, Session, TEST_SECRET, TestApp};

const BLACKLISTED: &str = "Token is blacklisted";

fn login_body(session: &Session) -> Value {
    json!({"username": session.username, "password": STRONG_PASSWORD})
}

async fn login(app: &TestApp, session: &Session) -> Value {
    let response = app.post("/api/auth/jwt/token/", login_body(session)).await;
    response.assert_status(StatusCode::OK);
    response.json()
}

async fn profile_status(app: &TestApp, authorization: &str) -> StatusCode {
    app.call(Method::GET, "/api/accounts/profile/")
        .header("authorization", authorization)
        .send()
        .await
        .status
}

#[tokio::test]
async fn login_returns_a_working_pair_and_records_the_login() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let pair = login(&app, &ada).await;
        let access = pair["access"].as_str().expect("access");
        assert!(pair["refresh"].is_string());
        assert_eq!(
            profile_status(&app, &format!("Bearer {access}")).await,
            StatusCode::OK
        );

        let user = accounts::find_user(app.db(), "ada").await.expect("user");
        assert!(user.last_login.is_some(), "{:?}", app.backend());
        let logins = audit::list(
            app.db(),
            &AuditFilter {
                action: Some("auth.login".into()),
                ..AuditFilter::default()
            },
        )
        .await
        .expect("audit");
        assert_eq!(logins.len(), 1);
        assert_eq!(logins[0].actor_id, Some(ada.id));
        assert_eq!(logins[0].client_addr.as_deref(), Some("127.0.0.1"));
        let row = serde_json::to_string(&logins[0]).expect("json");
        assert!(!row.contains(STRONG_PASSWORD), "{row}");
    }
}

#[tokio::test]
async fn wrong_credentials_are_401_with_the_contract_body() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        for body in [
            json!({"username": "ada", "password": "not-the-password"}),
            json!({"username": "nobody", "password": STRONG_PASSWORD}),
        ] {
            let response = app.post("/api/auth/jwt/token/", body).await;
            response.assert_status(StatusCode::UNAUTHORIZED);
            assert_eq!(
                response.json(),
                json!({"detail": "No active account found with the given credentials"})
            );
            assert_eq!(
                response.header("www-authenticate"),
                Some("Bearer realm=\"api\"")
            );
        }
        let failures = audit::list(
            app.db(),
            &AuditFilter {
                action: Some("auth.login_failed".into()),
                ..AuditFilter::default()
            },
        )
        .await
        .expect("audit");
        assert_eq!(failures.len(), 2);
        assert!(
            failures
                .iter()
                .all(|row| !row.details.clone().unwrap_or_default().contains("not-the"))
        );

        // An inactive account cannot log in either.
        let user = accounts::find_user(app.db(), "ada").await.expect("user");
        accounts::set_active(app.db(), &user, false, &Origin::default())
            .await
            .expect("deactivate");
        let response = app.post("/api/auth/jwt/token/", login_body(&ada)).await;
        response.assert_status(StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn login_requires_both_keys() {
    let app = TestApp::spawn().await;
    let response = app.post("/api/auth/jwt/token/", json!({})).await;
    response.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({"username": ["This field is required."], "password": ["This field is required."]})
    );
    let response = app
        .post(
            "/api/auth/jwt/token/",
            json!({"username": " ", "password": ""}),
        )
        .await;
    assert_eq!(
        response.json(),
        json!({"username": ["This field may not be blank."], "password": ["This field may not be blank."]})
    );
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_family() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let first = app
            .post(
                "/api/auth/jwt/token/refresh/",
                json!({"refresh": ada.refresh}),
            )
            .await;
        first.assert_status(StatusCode::OK);
        let first = first.json();
        let new_refresh = first["refresh"].as_str().expect("refresh").to_owned();
        assert_ne!(new_refresh, ada.refresh);
        assert!(first["access"].is_string());

        // The old token is used up; presenting it again looks like theft.
        let reuse = app
            .post(
                "/api/auth/jwt/token/refresh/",
                json!({"refresh": ada.refresh}),
            )
            .await;
        reuse.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(
            reuse.json(),
            json!({"detail": BLACKLISTED, "code": "token_not_valid"})
        );
        // ... so the whole family is revoked, including the token the first rotation issued.
        let after = app
            .post(
                "/api/auth/jwt/token/refresh/",
                json!({"refresh": new_refresh}),
            )
            .await;
        after.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(after.json()["detail"], BLACKLISTED, "{:?}", app.backend());

        // Another login is another family, unaffected.
        let other = login(&app, &ada).await;
        app.post(
            "/api/auth/jwt/token/refresh/",
            json!({"refresh": other["refresh"]}),
        )
        .await
        .assert_status(StatusCode::OK);

        let reuse_audit = audit::list(
            app.db(),
            &AuditFilter {
                action: Some("auth.refresh_reuse".into()),
                ..AuditFilter::default()
            },
        )
        .await
        .expect("audit");
        assert_eq!(reuse_audit.len(), 1);
    }
}

#[tokio::test]
async fn of_two_concurrent_refreshes_at_most_one_succeeds() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let body = json!({"refresh": ada.refresh});
        let (a, b) = tokio::join!(
            app.post("/api/auth/jwt/token/refresh/", body.clone()),
            app.post("/api/auth/jwt/token/refresh/", body.clone()),
        );
        let successes = [a.status, b.status]
            .iter()
            .filter(|status| **status == StatusCode::OK)
            .count();
        assert!(
            successes <= 1,
            "{:?}: {} / {}",
            app.backend(),
            a.text(),
            b.text()
        );
        for response in [a, b] {
            assert!(
                [StatusCode::OK, StatusCode::UNAUTHORIZED].contains(&response.status),
                "{}",
                response.text()
            );
        }
    }
}

#[tokio::test]
async fn refresh_rejects_bad_tokens_with_their_reasons() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let cases = [
        (json!({"refresh": "garbage"}), "Token is invalid"),
        (json!({"refresh": ada.access}), "Token has wrong type"),
        (
            json!({"refresh": expired_token("refresh", ada.id)}),
            "Token is expired",
        ),
    ];
    for (body, detail) in cases {
        let response = app.post("/api/auth/jwt/token/refresh/", body).await;
        response.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.json(),
            json!({"detail": detail, "code": "token_not_valid"})
        );
        assert_eq!(
            response.header("www-authenticate"),
            Some("Bearer realm=\"api\"")
        );
    }
    let response = app.post("/api/auth/jwt/token/refresh/", json!({})).await;
    response.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({"refresh": ["This field is required."]})
    );
}

#[tokio::test]
async fn verify_accepts_current_tokens_only() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        for token in [&ada.access, &ada.refresh] {
            let response = app
                .post("/api/auth/jwt/token/verify/", json!({"token": token}))
                .await;
            response.assert_status(StatusCode::OK);
            assert_eq!(response.json(), json!({}));
        }
        app.post(
            "/api/auth/jwt/token/refresh/",
            json!({"refresh": ada.refresh}),
        )
        .await
        .assert_status(StatusCode::OK);
        let cases = [
            (ada.refresh.clone(), BLACKLISTED),
            ("garbage".to_owned(), "Token is invalid"),
            (expired_token("access", ada.id), "Token is expired"),
        ];
        for (token, detail) in cases {
            let response = app
                .post("/api/auth/jwt/token/verify/", json!({"token": token}))
                .await;
            response.assert_status(StatusCode::UNAUTHORIZED);
            assert_eq!(response.json()["detail"], detail);
        }
        let response = app.post("/api/auth/jwt/token/verify/", json!({})).await;
        assert_eq!(
            response.json(),
            json!({"token": ["This field is required."]})
        );
    }
}

#[tokio::test]
async fn the_api_token_is_stable_works_and_is_stored_only_as_a_hash() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let first = app.post("/api/auth/token/", login_body(&ada)).await;
        first.assert_status(StatusCode::OK);
        let first = first.json();
        let key = first["token"].as_str().expect("token").to_owned();
        assert_eq!(key.len(), 40);
        assert!(
            key.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(
            first,
            json!({
                "token": key, "user_id": ada.id, "username": "ada", "email": "ada@example.com",
                "is_staff": false, "is_superuser": false,
            })
        );
        let second = app.post("/api/auth/token/", login_body(&ada)).await.json();
        assert_eq!(second["token"], key.as_str(), "the same key every time");

        assert_eq!(
            profile_status(&app, &format!("Token {key}")).await,
            StatusCode::OK
        );
        assert_eq!(
            profile_status(&app, &format!("token {key}")).await,
            StatusCode::OK,
            "the keyword matches case-insensitively"
        );

        let stored: Vec<(String, String)> =
            fithub_core::db::query("SELECT key_salt, key_hash FROM api_tokens")
                .fetch_all(app.db())
                .await
                .expect("rows");
        assert_eq!(stored.len(), 1);
        assert!(!stored[0].0.contains(&key) && !stored[0].1.contains(&key));

        let wrong = app
            .post(
                "/api/auth/token/",
                json!({"username": "ada", "password": "nope-nope"}),
            )
            .await;
        wrong.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            wrong.json(),
            json!({"non_field_errors": ["Unable to log in with provided credentials."]})
        );
    }
}

/// A token signed with the test secret that expired a minute ago.
fn expired_token(token_type: &str, user_id: i64) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({
        "token_type": token_type, "exp": now - 60, "iat": now - 3600,
        "jti": "0123456789abcdef0123456789abcdef", "user_id": user_id.to_string(), "gen": 0,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .expect("sign")
}

mod refusals;
