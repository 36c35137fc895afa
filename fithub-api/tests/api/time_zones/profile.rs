use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{STRONG_PASSWORD, TestApp};
use crate::nutrition::{get, send};

const PROFILE: &str = "/api/accounts/profile/";
const INVALID: &str = "A valid timezone is required.";

#[tokio::test]
async fn the_profile_reads_and_writes_the_time_zone() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let profile = get(&app, &ada, PROFILE).await;
        assert_eq!(profile.json()["time_zone"], "UTC", "the default");
        assert!(
            profile
                .text()
                .ends_with(r#""is_active":true,"time_zone":"UTC"}"#),
            "after is_active: {}",
            profile.text()
        );

        let put = send(
            &app,
            &ada,
            Method::PUT,
            PROFILE,
            json!({"time_zone": "Asia/Kathmandu"}),
        )
        .await;
        put.assert_status(StatusCode::OK);
        assert_eq!(put.json()["time_zone"], "Asia/Kathmandu");

        let patch = send(
            &app,
            &ada,
            Method::PATCH,
            PROFILE,
            json!({"time_zone": "America/New_York"}),
        )
        .await;
        patch.assert_status(StatusCode::OK);
        assert_eq!(patch.json()["user"]["time_zone"], "America/New_York");
        assert_eq!(patch.json()["message"], "Profile updated successfully");

        // Other keys leave it alone.
        send(
            &app,
            &ada,
            Method::PATCH,
            PROFILE,
            json!({"first_name": "Ada"}),
        )
        .await
        .assert_status(StatusCode::OK);
        assert_eq!(
            get(&app, &ada, PROFILE).await.json()["time_zone"],
            "America/New_York"
        );
    }
}

#[tokio::test]
async fn a_bad_time_zone_is_a_400_and_changes_nothing() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        send(
            &app,
            &ada,
            Method::PATCH,
            PROFILE,
            json!({"time_zone": "Europe/Kyiv"}),
        )
        .await
        .assert_status(StatusCode::OK);
        let before = get(&app, &ada, PROFILE).await.json();
        let long = "A".repeat(65);
        for bad in [
            json!("Mars/Olympus_Mons"),
            json!("america/new_york"),
            json!("Etc/Unknown"),
            json!(""),
            json!("+05:45"),
            json!(long),
        ] {
            for method in [Method::PUT, Method::PATCH] {
                let response = send(
                    &app,
                    &ada,
                    method.clone(),
                    PROFILE,
                    json!({"time_zone": bad, "first_name": "Changed"}),
                )
                .await;
                response.assert_status(StatusCode::BAD_REQUEST);
                assert_eq!(
                    response.json(),
                    json!({"time_zone": [INVALID]}),
                    "{method} {bad}"
                );
            }
        }
        let null = send(
            &app,
            &ada,
            Method::PATCH,
            PROFILE,
            json!({"time_zone": null}),
        )
        .await;
        null.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            null.json(),
            json!({"time_zone": ["This field may not be null."]})
        );
        assert_eq!(
            get(&app, &ada, PROFILE).await.json(),
            before,
            "nothing changed"
        );
    }
}

#[tokio::test]
async fn registration_takes_an_optional_time_zone() {
    for app in TestApp::all().await {
        let body = |username: &str, zone: Option<&str>| {
            let mut body = json!({
                "username": username, "password": STRONG_PASSWORD,
                "password_confirm": STRONG_PASSWORD,
            });
            if let Some(zone) = zone {
                body["time_zone"] = json!(zone);
            }
            body
        };
        let response = app
            .post(
                "/api/accounts/register/",
                body("ada", Some("Asia/Kathmandu")),
            )
            .await;
        response.assert_status(StatusCode::CREATED);
        assert_eq!(response.json()["user"]["time_zone"], "Asia/Kathmandu");

        let response = app.post("/api/accounts/register/", body("bob", None)).await;
        response.assert_status(StatusCode::CREATED);
        assert_eq!(response.json()["user"]["time_zone"], "UTC");

        let refused = app
            .post(
                "/api/accounts/register/",
                body("eve", Some("Asia/Kathmandoo")),
            )
            .await;
        refused.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(refused.json(), json!({"time_zone": [INVALID]}));
        let again = app.post("/api/accounts/register/", body("eve", None)).await;
        again.assert_status(StatusCode::CREATED);
    }
}
