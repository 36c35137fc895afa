//! What `/api/auth/` and the `Authorization` header refuse: every 401 with its body, users who
//! are gone or inactive, the rate limits, and credentials checked before the method.

use crate::helpers::{TestApp, test_config};
use axum::http::{Method, StatusCode};
use fithub_core::accounts;
use fithub_core::audit::Origin;
use serde_json::json;

use super::{BLACKLISTED, expired_token, login_body, profile_status};

#[tokio::test]
async fn every_authorization_problem_has_its_401() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let invalid_access = |message: &str| {
            json!({
                "detail": "Given token not valid for any token type",
                "code": "token_not_valid",
                "messages": [{"token_class": "AccessToken", "token_type": "access", "message": message}],
            })
        };
        let cases = [
            (
                None,
                json!({"detail": "Authentication credentials were not provided."}),
            ),
            (
                Some("Basic YWRhOnB3".to_owned()),
                json!({"detail": "Authentication credentials were not provided."}),
            ),
            (
                Some("Bearer".to_owned()),
                json!({"detail": "Authorization header must contain two space-delimited values", "code": "bad_authorization_header"}),
            ),
            (
                Some("Bearer a b".to_owned()),
                json!({"detail": "Authorization header must contain two space-delimited values", "code": "bad_authorization_header"}),
            ),
            (
                Some("Bearer garbage".to_owned()),
                invalid_access("Token is invalid"),
            ),
            (
                Some(format!("Bearer {}", ada.refresh)),
                invalid_access("Token has wrong type"),
            ),
            (
                Some(format!("Bearer {}", expired_token("access", ada.id))),
                invalid_access("Token is expired"),
            ),
            (
                Some("Token".to_owned()),
                json!({"detail": "Invalid token header. No credentials provided."}),
            ),
            (
                Some("Token a b".to_owned()),
                json!({"detail": "Invalid token header. Token string should not contain spaces."}),
            ),
            (
                Some("Token 0123456789abcdef0123456789abcdef01234567".to_owned()),
                json!({"detail": "Invalid token."}),
            ),
        ];
        for (authorization, expected) in cases {
            let mut call = app.call(Method::GET, "/api/accounts/");
            if let Some(value) = &authorization {
                call = call.header("authorization", value);
            }
            let response = call.send().await;
            response.assert_status(StatusCode::UNAUTHORIZED);
            assert_eq!(response.json(), expected, "{authorization:?}");
            assert_eq!(
                response.header("www-authenticate"),
                Some("Bearer realm=\"api\"")
            );
        }
        assert_eq!(
            profile_status(&app, &format!("bearer {}", ada.access)).await,
            StatusCode::OK,
            "the keyword matches case-insensitively"
        );
    }
}

#[tokio::test]
async fn tokens_of_deleted_and_deactivated_users_fail_with_their_own_bodies() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let key = app.post("/api/auth/token/", login_body(&ada)).await.json()["token"]
            .as_str()
            .expect("token")
            .to_owned();
        let user = accounts::find_user(app.db(), "ada").await.expect("user");
        accounts::set_active(app.db(), &user, false, &Origin::default())
            .await
            .expect("deactivate");
        let response = app
            .call(Method::GET, "/api/accounts/")
            .bearer(&ada.access)
            .send()
            .await;
        assert_eq!(
            response.json(),
            json!({"detail": "User is inactive", "code": "user_inactive"})
        );
        // Deactivation deleted the API token.
        let response = app
            .call(Method::GET, "/api/accounts/")
            .header("authorization", &format!("Token {key}"))
            .send()
            .await;
        assert_eq!(response.json(), json!({"detail": "Invalid token."}));

        // Reactivated, the tokens issued before stay dead.
        accounts::set_active(app.db(), &user, true, &Origin::default())
            .await
            .expect("activate");
        let response = app
            .call(Method::GET, "/api/accounts/")
            .bearer(&ada.access)
            .send()
            .await;
        response.assert_status(StatusCode::UNAUTHORIZED);
        let response = app
            .post(
                "/api/auth/jwt/token/refresh/",
                json!({"refresh": ada.refresh}),
            )
            .await;
        assert_eq!(response.json()["detail"], BLACKLISTED);

        // A deleted user's access token.
        let bob = app.register("bob").await;
        app.call(Method::POST, "/api/accounts/delete/")
            .by(&bob)
            .send()
            .await
            .assert_status(StatusCode::OK);
        let response = app
            .call(Method::GET, "/api/accounts/")
            .bearer(&bob.access)
            .send()
            .await;
        assert_eq!(
            response.json(),
            json!({"detail": "User not found", "code": "user_not_found"})
        );
    }
}

#[tokio::test]
async fn an_api_token_of_an_inactive_user_is_refused() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let key = app.post("/api/auth/token/", login_body(&ada)).await.json()["token"]
            .as_str()
            .expect("token")
            .to_owned();
        // Deactivated behind FitHub's back (straight in the database): the token row remains.
        fithub_core::db::query("UPDATE users SET is_active = false WHERE id = $1")
            .bind(ada.id)
            .execute(app.db())
            .await
            .expect("update");
        let response = app
            .call(Method::GET, "/api/accounts/")
            .header("authorization", &format!("Token {key}"))
            .send()
            .await;
        response.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.json(),
            json!({"detail": "User inactive or deleted."})
        );
    }
}

#[tokio::test]
async fn logins_are_limited_per_address_and_per_username() {
    let config = fithub_core::Config {
        auth_rate_limit_per_address: 3,
        auth_rate_limit_per_username: 5,
        trusted_proxies: vec!["10.0.0.0/8".parse().expect("net")],
        ..test_config()
    };
    for app in TestApp::all_with(config).await {
        let attempt = |peer: &'static str, forwarded: Option<&'static str>, username: &str| {
            let mut call = app
                .call(Method::POST, "/api/auth/jwt/token/")
                .peer(peer)
                .json(&json!({"username": username, "password": "wrong-password"}));
            if let Some(forwarded) = forwarded {
                call = call.header("x-forwarded-for", forwarded);
            }
            call.send()
        };
        for _ in 0..3 {
            attempt("203.0.113.1", None, "ada")
                .await
                .assert_status(StatusCode::UNAUTHORIZED);
        }
        let limited = attempt("203.0.113.1", None, "bob").await;
        limited.assert_status(StatusCode::TOO_MANY_REQUESTS);
        let retry_after: u64 = limited
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .expect("seconds");
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        assert!(
            limited.json()["detail"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Request was throttled.")
        );

        // Behind the trusted load balancer, each client has its own address quota ...
        attempt("10.0.0.2", Some("198.51.100.1"), "carol")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
        // ... but a forged X-Forwarded-For from an untrusted peer changes nothing.
        attempt("203.0.113.1", Some("198.51.100.2"), "dave")
            .await
            .assert_status(StatusCode::TOO_MANY_REQUESTS);

        // One username from many addresses: the username's own quota (5; ada has used 3).
        for forwarded in ["198.51.100.10", "198.51.100.11"] {
            attempt("10.0.0.2", Some(forwarded), "ada")
                .await
                .assert_status(StatusCode::UNAUTHORIZED);
        }
        attempt("10.0.0.2", Some("198.51.100.12"), "ADA")
            .await
            .assert_status(StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test]
async fn registration_refresh_and_api_tokens_are_limited_too() {
    let config = fithub_core::Config {
        auth_rate_limit_per_address: 1,
        ..test_config()
    };
    let app = TestApp::all_with(config).await.remove(0);
    for (i, path) in [
        "/api/accounts/register/",
        "/api/auth/jwt/token/refresh/",
        "/api/auth/token/",
    ]
    .into_iter()
    .enumerate()
    {
        let peer = ["192.0.2.1", "192.0.2.2", "192.0.2.3"][i];
        let call = || {
            app.call(Method::POST, path)
                .peer(peer)
                .json(&json!({}))
                .send()
        };
        call().await.assert_status(StatusCode::BAD_REQUEST);
        call().await.assert_status(StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test]
async fn credentials_come_before_the_method_check() {
    let app = TestApp::spawn().await;
    // A protected path with a method it does not allow: 401 without credentials ...
    let response = app.get("/api/accounts/change-password/").await;
    response.assert_status(StatusCode::UNAUTHORIZED);
    // ... 405 with them.
    let ada = app.register("ada").await;
    let response = app
        .call(Method::GET, "/api/accounts/change-password/")
        .by(&ada)
        .send()
        .await;
    response.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        response.json(),
        json!({"detail": "Method \"GET\" not allowed."})
    );
    // Public paths answer 405 to anyone.
    app.get("/api/auth/jwt/token/")
        .await
        .assert_status(StatusCode::METHOD_NOT_ALLOWED);
}
