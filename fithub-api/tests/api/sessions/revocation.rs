//! When sessions end: logout and password change seen by another replica, deactivation,
//! deletion, the operator's logout, expiry; and a new id at every sign-in.

use axum::http::{Method, StatusCode};
use fithub_core::accounts;
use fithub_core::audit::Origin;
use serde_json::json;

use crate::helpers::{Browser, STRONG_PASSWORD, TestApp, set_cookies};

async fn user_info(app: &TestApp, browser: &Browser) -> StatusCode {
    app.call(Method::GET, "/auth/user-info/")
        .cookies(browser)
        .send()
        .await
        .status
}

#[tokio::test]
async fn logout_on_one_replica_ends_the_session_on_another() {
    for app in TestApp::all().await {
        let other = app.replica().await;
        let browser = app.sign_up("ada").await;
        assert_eq!(user_info(&other, &browser).await, StatusCode::OK);
        app.call(Method::POST, "/auth/logout/")
            .browser(&browser)
            .send()
            .await
            .assert_status(StatusCode::OK);
        assert_eq!(user_info(&other, &browser).await, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_password_change_ends_every_session_on_every_replica() {
    for app in TestApp::all().await {
        let other = app.replica().await;
        let first = app.sign_up("ada").await;
        let second = other.sign_in("ada").await;
        let changed = app
            .call(Method::POST, "/api/accounts/change-password/")
            .browser(&first)
            .json(&json!({"old_password": STRONG_PASSWORD,
                "new_password": "another-Strong-98-pass",
                "new_password_confirm": "another-Strong-98-pass"}))
            .send()
            .await;
        changed.assert_status(StatusCode::OK);
        for browser in [&first, &second] {
            assert_eq!(user_info(&other, browser).await, StatusCode::UNAUTHORIZED);
            assert_eq!(user_info(&app, browser).await, StatusCode::UNAUTHORIZED);
        }
    }
}

#[tokio::test]
async fn deactivation_deletion_and_the_operator_end_sessions() {
    for app in TestApp::all().await {
        let origin = Origin::default();
        let ada = app.sign_up("ada").await;
        let user = accounts::find_user(app.db(), "ada").await.expect("ada");
        accounts::set_active(app.db(), &user, false, &origin)
            .await
            .expect("deactivate");
        accounts::set_active(app.db(), &user, true, &origin)
            .await
            .expect("reactivate");
        assert_eq!(
            user_info(&app, &ada).await,
            StatusCode::UNAUTHORIZED,
            "stays ended"
        );

        let bob = app.sign_up("bob").await;
        let again = app.sign_in("bob").await;
        let user = accounts::find_user(app.db(), "bob").await.expect("bob");
        assert_eq!(
            accounts::list_sessions(app.db(), &user)
                .await
                .expect("list")
                .len(),
            2
        );
        assert_eq!(
            accounts::end_user_sessions(app.db(), &user, &origin)
                .await
                .expect("end"),
            2
        );
        assert_eq!(user_info(&app, &bob).await, StatusCode::UNAUTHORIZED);
        assert_eq!(user_info(&app, &again).await, StatusCode::UNAUTHORIZED);

        let carol = app.sign_up("carol").await;
        app.call(Method::POST, "/api/accounts/delete/")
            .browser(&carol)
            .send()
            .await
            .assert_status(StatusCode::OK);
        assert_eq!(user_info(&app, &carol).await, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn every_sign_in_gets_a_new_session_id() {
    for app in TestApp::all().await {
        let before = app.sign_up("ada").await;
        // An attacker's chosen id, and the browser's own earlier session: neither is kept.
        for planted in ["attacker-chosen-id", before.session_id.as_str()] {
            let response = app
                .call(Method::POST, "/auth/login/")
                .header("cookie", &format!("sessionid={planted}"))
                .json(&json!({"username": "ada", "password": STRONG_PASSWORD}))
                .send()
                .await;
            response.assert_status(StatusCode::OK);
            let after = Browser::from_response(&response);
            assert_ne!(after.session_id, planted);
            assert_ne!(after.csrf_token, before.csrf_token);
            assert_eq!(user_info(&app, &after).await, StatusCode::OK);
        }
        assert_eq!(
            user_info(&app, &before).await,
            StatusCode::UNAUTHORIZED,
            "the session the browser came with ended"
        );
        let cookies = set_cookies(&app.get("/auth/auth-status/").await);
        assert!(
            !cookies
                .iter()
                .any(|cookie| cookie.starts_with("sessionid="))
        );
    }
}

#[tokio::test]
async fn expired_sessions_stop_working_and_are_purged() {
    for app in TestApp::all().await {
        let browser = app.sign_up("ada").await;
        let past = fithub_core::datetime::Timestamp::now() - time::Duration::seconds(1);
        fithub_core::db::query("UPDATE sessions SET expires_at = $1")
            .bind(past)
            .execute(app.db())
            .await
            .expect("expire");
        assert_eq!(user_info(&app, &browser).await, StatusCode::UNAUTHORIZED);
        let live = app.sign_in("ada").await;
        assert_eq!(
            accounts::purge_expired_sessions(app.db())
                .await
                .expect("purge"),
            1
        );
        assert_eq!(user_info(&app, &live).await, StatusCode::OK);
    }
}
