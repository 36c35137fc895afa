//! Authentication attempts (items 2 to 5): credentials over their length limits, password
//! guesses through change-password, a username sent as a number, IPv6 clients.

use axum::http::{Method, StatusCode};
use fithub_core::Config;
use fithub_core::audit::{self, AuditFilter};
use serde_json::{Value, json};

use crate::helpers::{STRONG_PASSWORD, Session, TestApp, test_config};

/// The SQLite app with these limits: the counts live in the process, whatever the database.
async fn app_with_limits(per_address: u32, per_username: u32) -> TestApp {
    let config = Config {
        auth_rate_limit_per_address: per_address,
        auth_rate_limit_per_username: per_username,
        ..test_config()
    };
    TestApp::all_with(config).await.remove(0)
}

async fn login(app: &TestApp, peer: &str, username: Value) -> StatusCode {
    app.call(Method::POST, "/api/auth/jwt/token/")
        .peer(peer)
        .json(&json!({"username": username, "password": "wrong-password"}))
        .send()
        .await
        .status
}

/// A change-password request with a wrong old password.
async fn guess(app: &TestApp, session: &Session, peer: &str) -> StatusCode {
    let new_password = "Another-violet-Harbor-99";
    let response = app
        .call(Method::POST, "/api/accounts/change-password/")
        .by(session)
        .peer(peer)
        .json(&json!({
            "old_password": "not-the-password", "new_password": new_password,
            "new_password_confirm": new_password,
        }))
        .send()
        .await;
    if response.status == StatusCode::BAD_REQUEST {
        assert_eq!(
            response.json(),
            json!({"old_password": ["Old password is incorrect."]})
        );
    }
    response.status
}

#[tokio::test]
async fn change_password_guesses_share_the_accounts_login_limit() {
    let app = app_with_limits(0, 3).await;
    // Registering counts as the first attempt on "ada".
    let ada = app.register("ada").await;
    for _ in 0..2 {
        assert_eq!(
            guess(&app, &ada, "203.0.113.1").await,
            StatusCode::BAD_REQUEST
        );
    }
    // From any address: the account's quota is spent ...
    assert_eq!(
        guess(&app, &ada, "198.51.100.7").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ... for logins too: both guess the same password.
    assert_eq!(
        login(&app, "198.51.100.8", json!("ada")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The right password is not let through either while the quota is spent.
    let response = app
        .call(Method::POST, "/api/accounts/change-password/")
        .by(&ada)
        .json(&json!({
            "old_password": STRONG_PASSWORD, "new_password": "Another-violet-Harbor-99",
            "new_password_confirm": "Another-violet-Harbor-99",
        }))
        .send()
        .await;
    response.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(response.header("retry-after").is_some());
}

#[tokio::test]
async fn change_password_guesses_are_limited_per_address() {
    let app = app_with_limits(2, 0).await;
    let ada = app.register("ada").await;
    for _ in 0..2 {
        assert_eq!(
            guess(&app, &ada, "203.0.113.1").await,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        guess(&app, &ada, "203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        guess(&app, &ada, "203.0.113.2").await,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_username_sent_as_a_number_counts_against_the_same_limit() {
    let app = app_with_limits(0, 2).await;
    assert_eq!(
        login(&app, "203.0.113.1", json!(12345)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "203.0.113.2", json!("12345")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "203.0.113.3", json!(12345)).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn ipv6_clients_share_the_limit_of_their_64() {
    let app = app_with_limits(2, 0).await;
    for peer in ["2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe"] {
        assert_eq!(
            login(&app, peer, json!("ada")).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login(&app, "2001:db8:1:2::abcd", json!("ada")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The neighbouring /64 is someone else.
    assert_eq!(
        login(&app, "2001:db8:1:3::1", json!("ada")).await,
        StatusCode::UNAUTHORIZED
    );
    // An IPv4 client seen through an IPv4-mapped address is that IPv4 client.
    assert_eq!(
        login(&app, "192.0.2.1", json!("ada")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "::ffff:192.0.2.1", json!("ada")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "192.0.2.1", json!("ada")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn oversized_credentials_are_refused_before_the_limiter_the_hash_and_the_audit_log() {
    let config = fithub_core::Config {
        auth_rate_limit_per_username: 1,
        ..test_config()
    };
    for app in TestApp::all_with(config).await {
        let long_username = "a".repeat(151);
        for path in ["/api/auth/jwt/token/", "/api/auth/token/"] {
            // Twice: had the first counted against the username's quota of 1, the second
            // would be 429.
            for _ in 0..2 {
                let response = app
                    .post(path, json!({"username": long_username, "password": "x"}))
                    .await;
                response.assert_status(StatusCode::BAD_REQUEST);
                assert_eq!(
                    response.json(),
                    json!({"username": ["Ensure this field has no more than 150 characters."]})
                );
            }
        }
        let response = app
            .post(
                "/api/auth/jwt/token/",
                json!({"username": "ada", "password": "p".repeat(4097)}),
            )
            .await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            response.json(),
            json!({"password": ["Ensure this field has no more than 4096 characters."]})
        );
        let written = audit::list(app.db(), &AuditFilter::default())
            .await
            .expect("audit");
        assert!(written.is_empty(), "{:?}: {written:?}", app.backend());
    }
}

/// A refused guess is answered only after a pause, so a client guessing flat out waits on its
/// own connection instead of keeping the server busy answering it.
#[tokio::test]
async fn a_refused_attempt_is_answered_after_a_pause() {
    let app = app_with_limits(1, 0).await;
    assert_eq!(
        login(&app, "203.0.113.9", json!("ada")).await,
        StatusCode::UNAUTHORIZED
    );
    let started = std::time::Instant::now();
    assert_eq!(
        login(&app, "203.0.113.9", json!("ada")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert!(
        started.elapsed() >= fithub_core::accounts::REFUSED_ATTEMPT_PAUSE,
        "answered after {:?}",
        started.elapsed()
    );
}
