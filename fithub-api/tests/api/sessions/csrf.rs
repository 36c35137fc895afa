//! Session authentication on `/api/`, and the CSRF rules of cookie-authenticated writes.

use axum::http::{Method, StatusCode};
use fithub_core::config::Config;
use serde_json::{Value, json};

use crate::helpers::{Browser, STRONG_PASSWORD, TestApp, TestResponse, test_config};

const DIETS: &str = "/api/nutrition/diets/";
const EVIL: &str = "https://evil.example";
const FRONT_END: &str = "https://app.example";

fn diet() -> Value {
    json!({"name": "Cut", "day_proteins_g": 150, "day_fats_g": 60,
        "day_carbohydrates_g": 200, "day_calories_kcal": 2000})
}

/// How many diets the browser's user has, read with the session.
async fn diet_count(app: &TestApp, browser: &Browser) -> u64 {
    let list = app.call(Method::GET, DIETS).cookies(browser).send().await;
    list.assert_status(StatusCode::OK);
    list.json()["count"].as_u64().expect("count")
}

#[track_caller]
fn assert_csrf_failure(response: &TestResponse, reason: &str) {
    response.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(
        response.json(),
        json!({"detail": format!("CSRF Failed: {reason}")})
    );
}

fn config() -> Config {
    Config {
        cors_allowed_origins: vec![FRONT_END.to_owned()],
        trusted_proxies: vec!["10.0.0.0/8".parse().expect("net")],
        ..test_config()
    }
}

#[tokio::test]
async fn a_session_reads_without_a_token_and_writes_with_it() {
    for app in TestApp::all_with(config()).await {
        let browser = app.sign_up("ada").await;
        assert_eq!(
            diet_count(&app, &browser).await,
            0,
            "GET needs no CSRF header"
        );
        let created = app
            .call(Method::POST, DIETS)
            .browser(&browser)
            .json(&diet())
            .send()
            .await;
        created.assert_status(StatusCode::CREATED);
        assert_eq!(created.json()["user"]["username"], "ada");
        // From the trusted front end, and from the API's own origin.
        for origin in [FRONT_END, "http://localhost"] {
            app.call(Method::POST, DIETS)
                .browser(&browser)
                .header("origin", origin)
                .header("host", "localhost")
                .json(&diet())
                .send()
                .await
                .assert_status(StatusCode::CREATED);
        }
        assert_eq!(diet_count(&app, &browser).await, 3);
    }
}

#[tokio::test]
async fn writes_without_the_right_token_are_refused_and_write_nothing() {
    for app in TestApp::all_with(config()).await {
        let browser = app.sign_up("ada").await;
        let missing = app
            .call(Method::POST, DIETS)
            .cookies(&browser)
            .json(&diet())
            .send()
            .await;
        assert_csrf_failure(&missing, "CSRF token missing.");
        let no_cookie = app
            .call(Method::POST, DIETS)
            .header("cookie", &format!("sessionid={}", browser.session_id))
            .header("x-csrftoken", &browser.csrf_token)
            .json(&diet())
            .send()
            .await;
        assert_csrf_failure(&no_cookie, "CSRF token missing.");
        let differs = app
            .call(Method::POST, DIETS)
            .cookies(&browser)
            .header("x-csrftoken", &"0".repeat(64))
            .json(&diet())
            .send()
            .await;
        assert_csrf_failure(&differs, "CSRF token incorrect.");
        // A cookie and header pair planted together, not this session's token.
        let planted = Browser {
            session_id: browser.session_id.clone(),
            csrf_token: "f".repeat(64),
        };
        let planted = app
            .call(Method::DELETE, &format!("{DIETS}1/"))
            .browser(&planted)
            .send()
            .await;
        assert_csrf_failure(&planted, "CSRF token incorrect.");
        // With an Idempotency-Key, the layer before the handler claims nothing either.
        let keyed = app
            .call(Method::POST, DIETS)
            .cookies(&browser)
            .header("idempotency-key", "k1")
            .json(&diet())
            .send()
            .await;
        assert_csrf_failure(&keyed, "CSRF token missing.");
        assert_eq!(diet_count(&app, &browser).await, 0);
    }
}

#[tokio::test]
async fn an_untrusted_origin_is_refused_and_writes_nothing() {
    for app in TestApp::all_with(config()).await {
        let browser = app.sign_up("ada").await;
        let evil = app
            .call(Method::POST, DIETS)
            .browser(&browser)
            .header("origin", EVIL)
            .json(&diet())
            .send()
            .await;
        assert_csrf_failure(
            &evil,
            "Origin checking failed - https://evil.example does not match any trusted origins.",
        );
        let profile = app
            .call(Method::PATCH, "/api/accounts/profile/")
            .browser(&browser)
            .header("origin", "null")
            .json(&json!({"first_name": "Mallory"}))
            .send()
            .await;
        profile.assert_status(StatusCode::FORBIDDEN);
        // Over HTTPS without an Origin, the Referer is checked.
        let referred = app
            .call(Method::POST, DIETS)
            .browser(&browser)
            .peer("10.0.0.2")
            .header("x-forwarded-proto", "https")
            .header("referer", "https://evil.example/page")
            .json(&diet())
            .send()
            .await;
        assert_csrf_failure(
            &referred,
            "Referer checking failed - https://evil.example/page does not match any trusted \
             origins.",
        );
        assert_eq!(diet_count(&app, &browser).await, 0);
        let info = app
            .call(Method::GET, "/auth/user-info/")
            .cookies(&browser)
            .send()
            .await;
        assert_eq!(
            info.json()["user"]["first_name"],
            "",
            "the profile is unchanged"
        );
    }
}

#[tokio::test]
async fn sign_in_from_an_untrusted_origin_is_refused() {
    for app in TestApp::all_with(config()).await {
        app.register("ada").await;
        let login = |origin: &str| {
            app.call(Method::POST, "/auth/login/")
                .header("origin", origin)
                .json(&json!({"username": "ada", "password": STRONG_PASSWORD}))
        };
        let evil = login(EVIL).send().await;
        assert_csrf_failure(
            &evil,
            "Origin checking failed - https://evil.example does not match any trusted origins.",
        );
        assert!(evil.header("set-cookie").is_none());
        login(FRONT_END).send().await.assert_status(StatusCode::OK);
        let register = app
            .call(Method::POST, "/auth/register/")
            .header("origin", EVIL)
            .json(&json!({"username": "eve", "password": STRONG_PASSWORD,
                "password_confirm": STRONG_PASSWORD}))
            .send()
            .await;
        assert_csrf_failure(
            &register,
            "Origin checking failed - https://evil.example does not match any trusted origins.",
        );
        assert!(
            fithub_core::accounts::find_user(app.db(), "eve")
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn logout_and_update_profile_are_writes_under_the_csrf_rules() {
    for app in TestApp::all_with(config()).await {
        let browser = app.sign_up("ada").await;
        let mallory = json!({"first_name": "Mallory"});
        let missing = app
            .call(Method::POST, "/auth/update-profile/")
            .cookies(&browser)
            .json(&mallory)
            .send()
            .await;
        assert_csrf_failure(&missing, "CSRF token missing.");
        let wrong = app
            .call(Method::POST, "/auth/update-profile/")
            .cookies(&browser)
            .header("x-csrftoken", &"0".repeat(64))
            .json(&mallory)
            .send()
            .await;
        assert_csrf_failure(&wrong, "CSRF token incorrect.");
        let evil = app
            .call(Method::POST, "/auth/update-profile/")
            .browser(&browser)
            .header("origin", EVIL)
            .json(&mallory)
            .send()
            .await;
        assert_csrf_failure(
            &evil,
            "Origin checking failed - https://evil.example does not match any trusted origins.",
        );
        let logout = app
            .call(Method::POST, "/auth/logout/")
            .cookies(&browser)
            .send()
            .await;
        assert_csrf_failure(&logout, "CSRF token missing.");
        assert!(logout.header("set-cookie").is_none(), "the cookie is kept");

        // Nothing was written, and the session still works.
        let info = app
            .call(Method::GET, "/auth/user-info/")
            .cookies(&browser)
            .send()
            .await;
        info.assert_status(StatusCode::OK);
        assert_eq!(info.json()["user"]["first_name"], "");
    }
}

#[tokio::test]
async fn a_star_trusts_nobody_but_the_api_itself() {
    // CORS `*` (the development default): no foreign origin is trusted for CSRF.
    for app in TestApp::all().await {
        let browser = app.sign_up("ada").await;
        let response = app
            .call(Method::POST, DIETS)
            .browser(&browser)
            .header("origin", FRONT_END)
            .json(&diet())
            .send()
            .await;
        response.assert_status(StatusCode::FORBIDDEN);
    }
    let explicit = Config {
        csrf_trusted_origins: vec!["*".to_owned()],
        ..config()
    };
    for app in TestApp::all_with(explicit).await {
        let browser = app.sign_up("ada").await;
        let response = app
            .call(Method::POST, DIETS)
            .browser(&browser)
            .header("origin", FRONT_END)
            .json(&diet())
            .send()
            .await;
        response.assert_status(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_authorization_header_wins_over_the_cookie() {
    for app in TestApp::all_with(config()).await {
        let browser = app.sign_up("ada").await;
        let bob = app.register("bob").await;
        // Bob's header, Ada's cookie, no CSRF header: Bob's write, not subject to CSRF.
        let created = app
            .call(Method::POST, DIETS)
            .cookies(&browser)
            .by(&bob)
            .header("origin", EVIL)
            .json(&diet())
            .send()
            .await;
        created.assert_status(StatusCode::CREATED);
        assert_eq!(created.json()["user"]["username"], "bob");
        // A bad header is not rescued by a good cookie.
        let bad = app
            .call(Method::GET, DIETS)
            .cookies(&browser)
            .bearer("not-a-token")
            .send()
            .await;
        bad.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(bad.json()["code"], "token_not_valid");
        assert_eq!(diet_count(&app, &browser).await, 0);
    }
}

#[tokio::test]
async fn an_unknown_or_forged_session_is_no_credential() {
    for app in TestApp::all().await {
        for cookie in [
            "sessionid=forged",
            "sessionid=",
            &format!("sessionid={}", "a".repeat(5000)),
        ] {
            let response = app
                .call(Method::GET, DIETS)
                .header("cookie", cookie)
                .send()
                .await;
            response.assert_status(StatusCode::UNAUTHORIZED);
            assert_eq!(
                response.json(),
                json!({"detail": "Authentication credentials were not provided."})
            );
        }
    }
}

#[tokio::test]
async fn trusted_front_ends_get_credentialed_cors() {
    for app in TestApp::all_with(config()).await {
        let response = app
            .call(Method::GET, "/auth/auth-status/")
            .header("origin", FRONT_END)
            .send()
            .await;
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some(FRONT_END)
        );
        assert_eq!(
            response.header("access-control-allow-credentials"),
            Some("true")
        );
    }
}
