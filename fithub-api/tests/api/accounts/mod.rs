//! `/api/accounts/` (API.md §3.4), on every backend.

use axum::http::{Method, StatusCode};
use fithub_core::audit::{self, AuditFilter};
use serde_json::{Value, json};

use crate::helpers::{STRONG_PASSWORD, TestApp};

fn registration(username: &str, email: &str, password: &str) -> Value {
    json!({
        "username": username, "email": email, "first_name": "Ada", "last_name": "Lovelace",
        "password": password, "password_confirm": password,
    })
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    let mut actions: Vec<String> = audit::list(app.db(), &AuditFilter::default())
        .await
        .expect("audit")
        .into_iter()
        .map(|row| row.action)
        .collect();
    actions.reverse();
    actions
}

#[tokio::test]
async fn register_answers_the_profile_tokens_and_a_message() {
    for app in TestApp::all().await {
        let response = app
            .post(
                "/api/accounts/register/",
                registration("ada", "ada@example.com", STRONG_PASSWORD),
            )
            .await;
        response.assert_status(StatusCode::CREATED);
        let body = response.json();
        let user = &body["user"];
        let keys: Vec<&String> = user.as_object().expect("object").keys().collect();
        assert_eq!(
            keys,
            [
                "date_joined",
                "email",
                "first_name",
                "id",
                "is_active",
                "last_name",
                "time_zone",
                "username"
            ]
        );
        assert_eq!(user["username"], "ada");
        assert_eq!(user["time_zone"], "UTC");
        assert_eq!(user["email"], "ada@example.com");
        assert_eq!(user["first_name"], "Ada");
        assert_eq!(user["is_active"], true);
        let joined = user["date_joined"].as_str().expect("date_joined");
        assert!(joined.ends_with('Z') && joined.len() >= 20, "{joined}");
        assert_eq!(body["message"], "User created successfully");
        let access = body["tokens"]["access"].as_str().expect("access");
        assert!(body["tokens"]["refresh"].is_string());
        assert!(!response.text().contains(STRONG_PASSWORD));

        app.call(Method::GET, "/api/accounts/")
            .bearer(access)
            .send()
            .await
            .assert_status(StatusCode::OK);
        assert_eq!(audit_actions(&app).await, ["user.register"]);
    }
}

#[tokio::test]
async fn register_reports_every_invalid_key_at_once() {
    for app in TestApp::all().await {
        app.register("taken").await;
        let response = app
            .post(
                "/api/accounts/register/",
                json!({
                    "username": "no spaces!", "email": "not-an-email", "first_name": "x".repeat(151),
                    "password": "short", "password_confirm": "short",
                }),
            )
            .await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            response.json(),
            json!({
                "username": ["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."],
                "email": ["Enter a valid email address."],
                "first_name": ["Ensure this field has no more than 150 characters."],
                "password": ["Ensure this field has at least 8 characters."],
            })
        );

        let response = app.post("/api/accounts/register/", json!({})).await;
        assert_eq!(
            response.json(),
            json!({
                "username": ["This field is required."],
                "password": ["This field is required."],
                "password_confirm": ["This field is required."],
            })
        );

        // Duplicates: the username exactly, the email case-insensitively.
        let response = app
            .post(
                "/api/accounts/register/",
                registration("taken", "TAKEN@Example.com", STRONG_PASSWORD),
            )
            .await;
        assert_eq!(
            response.json(),
            json!({
                "username": ["A user with that username already exists."],
                "email": ["A user with this email already exists."],
            })
        );
        // Usernames are case-sensitive; empty emails never clash.
        for (username, email) in [("Taken", ""), ("other", "")] {
            app.post(
                "/api/accounts/register/",
                registration(username, email, STRONG_PASSWORD),
            )
            .await
            .assert_status(StatusCode::CREATED);
        }
    }
}

#[tokio::test]
async fn register_checks_the_confirmation_then_the_password_rules() {
    let app = TestApp::spawn().await;
    let mut body = registration("ada", "ada@example.com", STRONG_PASSWORD);
    body["password_confirm"] = json!("something-else-entirely");
    let response = app.post("/api/accounts/register/", body).await;
    response.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({"non_field_errors": ["Passwords don't match."]})
    );

    let cases = [
        (
            "12345678",
            json!([
                "This password is too common.",
                "This password is entirely numeric."
            ]),
        ),
        ("password", json!(["This password is too common."])),
        (
            "lovelace7",
            json!(["The password is too similar to the last name."]),
        ),
        (
            "ada.lovelace@example",
            json!(["The password is too similar to the email address."]),
        ),
    ];
    for (password, messages) in cases {
        let response = app
            .post(
                "/api/accounts/register/",
                registration("ada", "ada.lovelace@example.com", password),
            )
            .await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(response.json(), json!({"password": messages}), "{password}");
    }
    // Nothing was written along the way.
    app.register("ada").await;
}

#[tokio::test]
async fn register_ignores_credentials_and_read_only_keys() {
    let app = TestApp::spawn().await;
    let mut body = registration("ada", "", STRONG_PASSWORD);
    body["id"] = json!(999);
    body["is_staff"] = json!(true);
    let response = app
        .call(Method::POST, "/api/accounts/register/")
        .header("authorization", "Bearer broken")
        .json(&body)
        .send()
        .await;
    response.assert_status(StatusCode::CREATED);
    assert_ne!(response.json()["user"]["id"], 999);
    let user = fithub_core::accounts::find_user(app.db(), "ada")
        .await
        .expect("user");
    assert!(!user.is_staff);
}

#[tokio::test]
async fn profile_get_put_and_patch() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let profile = app
            .call(Method::GET, "/api/accounts/profile/")
            .by(&ada)
            .send()
            .await;
        profile.assert_status(StatusCode::OK);
        let profile = profile.json();
        assert_eq!(profile["username"], "ada");
        assert_eq!(profile["email"], "ada@example.com");

        let put = app
            .call(Method::PUT, "/api/accounts/profile/")
            .by(&ada)
            .json(&json!({"first_name": "Ada", "username": "hacker", "id": 1, "is_active": false}))
            .send()
            .await;
        put.assert_status(StatusCode::OK);
        let put = put.json();
        assert_eq!(put["first_name"], "Ada");
        assert_eq!(put["username"], "ada", "username cannot change");
        assert_eq!(
            put["email"], "ada@example.com",
            "absent keys keep their values"
        );
        assert_eq!(put["is_active"], true);
        assert_eq!(put["date_joined"], profile["date_joined"]);

        let patch = app
            .call(Method::PATCH, "/api/accounts/profile/")
            .by(&ada)
            .json(&json!({"last_name": "Lovelace", "email": "Countess@Example.com"}))
            .send()
            .await;
        patch.assert_status(StatusCode::OK);
        let patch = patch.json();
        assert_eq!(patch["message"], "Profile updated successfully");
        assert_eq!(patch["user"]["last_name"], "Lovelace");
        assert_eq!(patch["user"]["first_name"], "Ada");
        assert_eq!(patch["user"]["email"], "Countess@Example.com");

        // An empty PUT is valid and changes nothing.
        let put = app
            .call(Method::PUT, "/api/accounts/profile/")
            .by(&ada)
            .send()
            .await;
        put.assert_status(StatusCode::OK);
        assert_eq!(put.json()["email"], "Countess@Example.com");
    }
}

#[tokio::test]
async fn profile_email_must_be_valid_and_unique_on_put_and_patch() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        app.register("bob").await;
        for method in [Method::PUT, Method::PATCH] {
            let response = app
                .call(method.clone(), "/api/accounts/profile/")
                .by(&ada)
                .json(&json!({"email": "BOB@example.com"}))
                .send()
                .await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(
                response.json(),
                json!({"email": ["A user with this email already exists."]})
            );
            let response = app
                .call(method.clone(), "/api/accounts/profile/")
                .by(&ada)
                .json(&json!({"email": "nope"}))
                .send()
                .await;
            assert_eq!(
                response.json(),
                json!({"email": ["Enter a valid email address."]})
            );
            // Your own email, in another case, is yours.
            app.call(method, "/api/accounts/profile/")
                .by(&ada)
                .json(&json!({"email": "ADA@example.com"}))
                .send()
                .await
                .assert_status(StatusCode::OK);
        }
    }
}

mod credentials;
