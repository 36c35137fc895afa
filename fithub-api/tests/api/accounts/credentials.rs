//! `/api/accounts/`: changing the password, deleting the account, and the self-service export.

use super::*;

#[tokio::test]
async fn change_password_validates_in_order() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let change = |body: Value| {
        app.call(Method::POST, "/api/accounts/change-password/")
            .by(&ada)
            .json(&body)
            .send()
    };
    let response = change(json!({})).await;
    response.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({
            "old_password": ["This field is required."],
            "new_password": ["This field is required."],
            "new_password_confirm": ["This field is required."],
        })
    );
    let response = change(json!({
        "old_password": "wrong-old-password", "new_password": "short", "new_password_confirm": "short",
    }))
    .await;
    assert_eq!(
        response.json(),
        json!({
            "old_password": ["Old password is incorrect."],
            "new_password": ["Ensure this field has at least 8 characters."],
        })
    );
    let response = change(json!({
        "old_password": STRONG_PASSWORD, "new_password": "another-Good-pass-9",
        "new_password_confirm": "another-Good-pass-0",
    }))
    .await;
    assert_eq!(
        response.json(),
        json!({"non_field_errors": ["New passwords don't match."]})
    );
    let response = change(json!({
        "old_password": STRONG_PASSWORD, "new_password": "ada@example", "new_password_confirm": "ada@example",
    }))
    .await;
    assert_eq!(
        response.json(),
        json!({"new_password": ["The password is too similar to the email address."]})
    );
}

#[tokio::test]
async fn changing_the_password_ends_every_earlier_credential() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let key = app
            .post(
                "/api/auth/token/",
                json!({"username": "ada", "password": STRONG_PASSWORD}),
            )
            .await
            .json()["token"]
            .as_str()
            .expect("key")
            .to_owned();
        let new_password = "another-Good-pass-9";
        let response = app
            .call(Method::POST, "/api/accounts/change-password/")
            .by(&ada)
            .json(&json!({
                "old_password": STRONG_PASSWORD, "new_password": new_password,
                "new_password_confirm": new_password,
            }))
            .send()
            .await;
        response.assert_status(StatusCode::OK);
        assert_eq!(
            response.json(),
            json!({"message": "Password changed successfully"})
        );

        // The access token used for the change, the refresh token and the API token: all dead.
        app.call(Method::GET, "/api/accounts/")
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
        app.call(Method::GET, "/api/accounts/")
            .header("authorization", &format!("Token {key}"))
            .send()
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
        let refresh = app
            .post(
                "/api/auth/jwt/token/refresh/",
                json!({"refresh": ada.refresh}),
            )
            .await;
        assert_eq!(refresh.json()["detail"], "Token is blacklisted");
        let verify = app
            .post("/api/auth/jwt/token/verify/", json!({"token": ada.access}))
            .await;
        verify.assert_status(StatusCode::UNAUTHORIZED);

        // The old password no longer logs in; the new one does.
        app.post(
            "/api/auth/jwt/token/",
            json!({"username": "ada", "password": STRONG_PASSWORD}),
        )
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
        app.post(
            "/api/auth/jwt/token/",
            json!({"username": "ada", "password": new_password}),
        )
        .await
        .assert_status(StatusCode::OK);
        let actions = audit_actions(&app).await;
        assert!(
            actions.contains(&"user.password_change".to_owned()),
            "{actions:?}"
        );
    }
}

#[tokio::test]
async fn deleting_the_account_frees_the_username_and_ends_its_credentials() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        app.register("bob").await;
        let response = app
            .call(Method::POST, "/api/accounts/delete/")
            .by(&ada)
            .send()
            .await;
        response.assert_status(StatusCode::OK);
        assert_eq!(
            response.json(),
            json!({"message": "Account deleted successfully"})
        );

        for (path, key, token) in [
            ("/api/auth/jwt/token/refresh/", "refresh", &ada.refresh),
            ("/api/auth/jwt/token/verify/", "token", &ada.refresh),
            ("/api/auth/jwt/token/verify/", "token", &ada.access),
        ] {
            let response = app.post(path, json!({ key: token })).await;
            response.assert_status(StatusCode::UNAUTHORIZED);
        }
        let users: i64 = fithub_core::db::query("SELECT COUNT(*) FROM users")
            .fetch_scalar(app.db())
            .await
            .expect("count");
        assert_eq!(users, 1, "bob stays");

        // The username and email are free again.
        app.register("ada").await;
        let rows = audit::list(
            app.db(),
            &AuditFilter {
                action: Some("user.delete".into()),
                ..AuditFilter::default()
            },
        )
        .await
        .expect("audit");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].actor_username.as_deref(), Some("ada"));
        assert_eq!(rows[0].actor_id, None, "the actor is gone, the name stays");
    }
}

#[tokio::test]
async fn delete_is_post_only() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let response = app
        .call(Method::GET, "/api/accounts/delete/")
        .by(&ada)
        .send()
        .await;
    response.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        response.json(),
        json!({"detail": "Method \"GET\" not allowed."})
    );
}

#[tokio::test]
async fn the_accounts_root_is_an_empty_object_for_authenticated_callers() {
    let app = TestApp::spawn().await;
    app.get("/api/accounts/")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let ada = app.register("ada").await;
    let response = app
        .call(Method::GET, "/api/accounts/")
        .by(&ada)
        .send()
        .await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.json(), json!({}));
}

#[tokio::test]
async fn export_downloads_the_callers_own_archive() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        for (session, name) in [(&ada, "Ada's diet"), (&bob, "Bob's diet")] {
            app.call(Method::POST, "/api/nutrition/diets/")
                .by(session)
                .json(&json!({"name": name, "day_proteins_g": 1, "day_fats_g": 1, "day_carbohydrates_g": 1, "day_calories_kcal": 1}))
                .send()
                .await
                .assert_status(StatusCode::CREATED);
        }
        app.get("/api/accounts/export/")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
        let response = app
            .call(Method::GET, "/api/accounts/export/")
            .by(&ada)
            .send()
            .await;
        response.assert_status(StatusCode::OK);
        assert_eq!(
            response.header("content-type"),
            Some("application/x-ndjson")
        );
        assert_eq!(
            response.header("content-disposition"),
            Some("attachment; filename=\"fithub-ada.jsonl\"")
        );
        let text = response.text();
        let lines: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect();
        assert_eq!(lines[0]["type"], "header");
        assert_eq!(
            lines[0]["data"]["scope"],
            json!({"kind": "users", "usernames": ["ada"]})
        );
        let kinds: Vec<&str> = lines
            .iter()
            .map(|line| line["type"].as_str().expect("type"))
            .collect();
        assert_eq!(kinds, ["header", "user", "diet", "end"]);
        assert_eq!(lines[2]["data"]["name"], "Ada's diet");
        assert!(!text.contains("bob") && !text.contains("Bob's"), "{text}");
        assert_eq!(lines[3]["data"]["records"], 2);
        // A stolen token must not yield the password hash.
        assert!(
            !text.contains("password_hash") && !text.contains("$argon2"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn the_export_file_name_cannot_break_out_of_its_header() {
    for app in TestApp::all().await {
        let zoe = app.register("zoë").await;
        let response = app
            .call(Method::GET, "/api/accounts/export/")
            .by(&zoe)
            .send()
            .await;
        response.assert_status(StatusCode::OK);
        assert_eq!(
            response.header("content-disposition"),
            Some(
                "attachment; filename=\"fithub-zo_.jsonl\"; filename*=UTF-8''fithub-zo%C3%AB.jsonl"
            )
        );
        // A username from before imports checked them, with a quote and a line break (renamed
        // before her first request, so no replica has her cached under the old name).
        let eve = app.register("eve").await;
        fithub_core::db::query("UPDATE users SET username = $1 WHERE username = 'eve'")
            .bind("z\"; x=\r\nSet-Cookie: a")
            .execute(&app.app.db)
            .await
            .expect("rename");
        let response = app
            .call(Method::GET, "/api/accounts/export/")
            .by(&eve)
            .send()
            .await;
        response.assert_status(StatusCode::OK);
        assert_eq!(
            response.header("content-disposition"),
            Some(
                "attachment; filename=\"fithub-z_; x=__Set-Cookie: a.jsonl\"; \
                 filename*=UTF-8''fithub-z%22%3B%20x%3D%0D%0ASet-Cookie%3A%20a.jsonl"
            )
        );
        assert!(response.header("set-cookie").is_none());
    }
}
