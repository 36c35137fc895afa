//! Each `/auth/` endpoint's answers, and the cookies they set.

use axum::http::{Method, StatusCode};
use fithub_core::config::Config;
use serde_json::json;

use crate::helpers::{Browser, STRONG_PASSWORD, TestApp, set_cookies, test_config};

fn profile_of(body: &serde_json::Value) -> (&str, &str) {
    (
        body["user"]["username"].as_str().expect("username"),
        body["user"]["email"].as_str().expect("email"),
    )
}

#[tokio::test]
async fn register_signs_the_new_user_in() {
    for app in TestApp::all().await {
        let response = app
            .post(
                "/auth/register/",
                json!({
                    "username": "ada",
                    "email": "ada@example.com",
                    "password": STRONG_PASSWORD,
                    "password_confirm": STRONG_PASSWORD,
                }),
            )
            .await;
        response.assert_status(StatusCode::CREATED);
        let body = response.json();
        assert_eq!(body["success"], true);
        assert_eq!(body["message"], "User registered successfully");
        assert_eq!(body["redirect_url"], "/dashboard/");
        assert_eq!(profile_of(&body), ("ada", "ada@example.com"));
        assert_eq!(
            body["user"].as_object().expect("user").len(),
            8,
            "a Profile: {body}"
        );
        let browser = Browser::from_response(&response);
        assert_eq!(browser.session_id.len(), 64, "256 bits, hex");
        let info = app
            .call(Method::GET, "/auth/user-info/")
            .cookies(&browser)
            .send()
            .await;
        info.assert_status(StatusCode::OK);
        assert_eq!(info.json()["is_authenticated"], true);
        assert_eq!(info.json()["success"], true);
        assert_eq!(info.json()["user"]["username"], "ada");
    }
}

#[tokio::test]
async fn register_answers_field_errors_in_its_envelope() {
    for app in TestApp::all().await {
        app.sign_up("ada").await;
        let taken = app
            .post(
                "/auth/register/",
                json!({"username": "ada", "password": STRONG_PASSWORD,
                    "password_confirm": STRONG_PASSWORD}),
            )
            .await;
        taken.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            taken.json(),
            json!({"success": false, "errors": {
                "username": ["A user with that username already exists."]}})
        );
        assert!(set_cookies(&taken).is_empty(), "nobody is signed in");
        let weak = app
            .post(
                "/auth/register/",
                json!({"username": "bob", "password": "12345678", "password_confirm": "12345678"}),
            )
            .await;
        weak.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            weak.json(),
            json!({"success": false, "errors": {"password": [
                "This password is too common.", "This password is entirely numeric."]}})
        );
        let missing = app.post("/auth/register/", json!({})).await;
        assert_eq!(
            missing.json()["errors"]["username"],
            json!(["This field is required."])
        );
    }
}

#[tokio::test]
async fn login_answers_and_cookies() {
    for app in TestApp::all().await {
        app.sign_up("ada").await;
        let response = app
            .post(
                "/auth/login/",
                json!({"username": "ada", "password": STRONG_PASSWORD}),
            )
            .await;
        response.assert_status(StatusCode::OK);
        let body = response.json();
        assert_eq!(body["success"], true);
        assert_eq!(body["message"], "Login successful");
        assert_eq!(body["redirect_url"], "/dashboard/");
        assert_eq!(profile_of(&body).0, "ada");
        let cookies = set_cookies(&response);
        let session = cookies
            .iter()
            .find(|cookie| cookie.starts_with("sessionid="))
            .expect("sessionid");
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=1209600"] {
            assert!(session.contains(attribute), "{session}");
        }
        assert!(
            !session.contains("Secure"),
            "plain HTTP in development: {session}"
        );
        let csrf = cookies
            .iter()
            .find(|cookie| cookie.starts_with("csrftoken="))
            .expect("csrftoken");
        assert!(
            csrf.contains("SameSite=Lax") && csrf.contains("Path=/"),
            "{csrf}"
        );
        assert!(!csrf.contains("HttpOnly"), "scripts read it: {csrf}");
        let token = Browser::from_response(&response).csrf_token;
        assert_eq!(response.header("x-csrftoken"), Some(token.as_str()));
    }
}

#[tokio::test]
async fn login_failures_have_their_bodies() {
    for app in TestApp::all().await {
        app.sign_up("ada").await;
        for body in [
            json!({"username": "ada"}),
            json!({"username": "", "password": "x"}),
            json!({}),
        ] {
            let response = app.post("/auth/login/", body).await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(
                response.json(),
                json!({"success": false, "error": "Username and password are required"})
            );
        }
        for body in [
            json!({"username": "ada", "password": "wrong-password"}),
            json!({"username": "nobody", "password": STRONG_PASSWORD}),
        ] {
            let response = app.post("/auth/login/", body).await;
            response.assert_status(StatusCode::UNAUTHORIZED);
            assert_eq!(
                response.json(),
                json!({"success": false, "error": "Invalid username or password"})
            );
            assert!(set_cookies(&response).is_empty());
        }
        let user = fithub_core::accounts::find_user(app.db(), "ada")
            .await
            .expect("ada");
        fithub_core::accounts::set_active(app.db(), &user, false, &Default::default())
            .await
            .expect("deactivate");
        let inactive = app
            .post(
                "/auth/login/",
                json!({"username": "ada", "password": STRONG_PASSWORD}),
            )
            .await;
        inactive.assert_status(StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn login_is_rate_limited_like_the_other_logins() {
    let config = Config {
        auth_rate_limit_per_username: 2,
        ..test_config()
    };
    for app in TestApp::all_with(config).await {
        for _ in 0..2 {
            app.post(
                "/auth/login/",
                json!({"username": "ada", "password": "guess-guess"}),
            )
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
        }
        let limited = app
            .post(
                "/auth/login/",
                json!({"username": "ada", "password": "guess-guess"}),
            )
            .await;
        limited.assert_status(StatusCode::TOO_MANY_REQUESTS);
        let retry_after = limited
            .header("retry-after")
            .expect("retry-after")
            .to_owned();
        assert_eq!(
            limited.json(),
            json!({"detail": format!(
                "Request was throttled. Expected available in {retry_after} seconds.")})
        );
    }
}

#[tokio::test]
async fn logout_ends_the_session_and_clears_the_cookie() {
    for app in TestApp::all().await {
        let browser = app.sign_up("ada").await;
        let response = app
            .call(Method::POST, "/auth/logout/")
            .browser(&browser)
            .send()
            .await;
        response.assert_status(StatusCode::OK);
        assert_eq!(
            response.json(),
            json!({"success": true, "message": "Logout successful", "redirect_url": "/"})
        );
        let cleared = set_cookies(&response);
        assert!(
            cleared
                .iter()
                .any(|cookie| cookie.starts_with("sessionid=;") && cookie.contains("Max-Age=0")),
            "{cleared:?}"
        );
        let again = app
            .call(Method::POST, "/auth/logout/")
            .browser(&browser)
            .send()
            .await;
        again.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(
            again.json(),
            json!({"detail": "Authentication credentials were not provided."})
        );
        let info = app
            .call(Method::GET, "/auth/user-info/")
            .cookies(&browser)
            .send()
            .await;
        info.assert_status(StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn user_info_takes_a_header_too_and_401s_without() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let info = app
            .call(Method::GET, "/auth/user-info/")
            .by(&ada)
            .send()
            .await;
        info.assert_status(StatusCode::OK);
        assert_eq!(info.json()["user"]["id"], ada.id);
        let anonymous = app.get("/auth/user-info/").await;
        anonymous.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(
            anonymous.json(),
            json!({"detail": "Authentication credentials were not provided."})
        );
        assert_eq!(
            anonymous.header("www-authenticate"),
            Some("Bearer realm=\"api\"")
        );
    }
}

#[tokio::test]
async fn auth_status_says_who_and_sets_a_csrf_token() {
    for app in TestApp::all().await {
        let anonymous = app.get("/auth/auth-status/").await;
        anonymous.assert_status(StatusCode::OK);
        assert_eq!(
            anonymous.json(),
            json!({"success": true, "is_authenticated": false, "user": null})
        );
        let cookies = set_cookies(&anonymous);
        assert!(
            cookies
                .iter()
                .any(|cookie| cookie.starts_with("csrftoken=")),
            "{cookies:?}"
        );

        // A browser's own anonymous token is kept when it is shaped like ours, never echoed else.
        for (sent, kept) in [("ab".repeat(32), true), ("<b>x</b>".to_owned(), false)] {
            let again = app
                .call(Method::GET, "/auth/auth-status/")
                .header("cookie", &format!("csrftoken={sent}"))
                .send()
                .await;
            let cookie = set_cookies(&again)
                .into_iter()
                .find(|cookie| cookie.starts_with("csrftoken="))
                .expect("csrftoken");
            assert_eq!(
                cookie.starts_with(&format!("csrftoken={sent};")),
                kept,
                "{cookie}"
            );
        }

        let browser = app.sign_up("ada").await;
        let status = app
            .call(Method::GET, "/auth/auth-status/")
            .cookies(&browser)
            .send()
            .await;
        let body = status.json();
        assert_eq!(body["success"], true);
        assert_eq!(body["is_authenticated"], true);
        assert_eq!(body["user"]["username"], "ada");
        assert_eq!(
            set_cookies(&status)
                .iter()
                .filter(|cookie| cookie.starts_with(&format!("csrftoken={};", browser.csrf_token)))
                .count(),
            1,
            "the session's token, set again: {:?}",
            set_cookies(&status)
        );
        assert_eq!(
            status.header("x-csrftoken"),
            Some(browser.csrf_token.as_str()),
            "for a page on another host, which cannot read the cookie"
        );
        // A browser that lost its token gets the session's back.
        let lost = app
            .call(Method::GET, "/auth/auth-status/")
            .header("cookie", &format!("sessionid={}", browser.session_id))
            .send()
            .await;
        assert!(
            set_cookies(&lost)
                .iter()
                .any(|cookie| cookie.starts_with(&format!("csrftoken={};", browser.csrf_token))),
            "{:?}",
            set_cookies(&lost)
        );
    }
}

#[tokio::test]
async fn update_profile_saves_or_answers_field_errors() {
    for app in TestApp::all().await {
        app.sign_up("bob").await;
        let browser = app.sign_up("ada").await;
        let saved = app
            .call(Method::POST, "/auth/update-profile/")
            .browser(&browser)
            .json(&json!({"first_name": "Ada", "last_name": "Lovelace"}))
            .send()
            .await;
        saved.assert_status(StatusCode::OK);
        let body = saved.json();
        assert_eq!(body["success"], true);
        assert_eq!(body["message"], "Profile updated successfully");
        assert_eq!(body["user"]["first_name"], "Ada");
        assert_eq!(
            body["user"]["email"], "ada@example.com",
            "absent keys are kept"
        );
        let refused = app
            .call(Method::POST, "/auth/update-profile/")
            .browser(&browser)
            .json(&json!({"email": "bob@example.com"}))
            .send()
            .await;
        refused.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.json(),
            json!({"success": false, "errors": {
                "email": ["A user with this email already exists."]}})
        );
        let anonymous = app
            .post("/auth/update-profile/", json!({"first_name": "X"}))
            .await;
        anonymous.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(
            anonymous.json(),
            json!({"detail": "Authentication credentials were not provided."})
        );
    }
}

#[tokio::test]
async fn cookies_are_secure_behind_a_trusted_https_proxy_and_in_production_settings() {
    let config = Config {
        trusted_proxies: vec!["10.0.0.0/8".parse().expect("net")],
        ..test_config()
    };
    for app in TestApp::all_with(config.clone()).await {
        app.sign_up("ada").await;
        let login = |peer: &'static str| {
            app.call(Method::POST, "/auth/login/")
                .peer(peer)
                .header("x-forwarded-proto", "https")
                .json(&json!({"username": "ada", "password": STRONG_PASSWORD}))
        };
        let proxied = login("10.0.0.7").send().await;
        proxied.assert_status(StatusCode::OK);
        let cookies = set_cookies(&proxied);
        assert_eq!(cookies.len(), 2);
        for cookie in &cookies {
            assert!(cookie.ends_with("; Secure"), "{cookie}");
        }
        // The header of a client that is no trusted proxy proves nothing.
        let direct = login("203.0.113.9").send().await;
        for cookie in set_cookies(&direct) {
            assert!(!cookie.contains("Secure"), "{cookie}");
        }
    }
    // Forced by the setting, and production's default over plain HTTP.
    let forced = Config {
        session_cookie_secure: Some(true),
        ..test_config()
    };
    let production = Config {
        env: fithub_core::config::Environment::Production,
        session_cookie_secure: None,
        ..test_config()
    };
    for config in [forced, production] {
        for app in TestApp::all_with(config).await {
            let response = app
                .post(
                    "/auth/register/",
                    json!({"username": "ada", "password": STRONG_PASSWORD,
                    "password_confirm": STRONG_PASSWORD}),
                )
                .await;
            let cookies = set_cookies(&response);
            assert_eq!(cookies.len(), 2, "{cookies:?}");
            for cookie in cookies {
                assert!(cookie.ends_with("; Secure"), "{cookie}");
            }
        }
    }
}
