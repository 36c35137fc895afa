//! Conditional requests: `ETag`, `If-None-Match` → 304, `If-Match` → 412 atomically with the
//! write, on every backend.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Session, TestApp, TestResponse};
use crate::nutrition::{diet, diet_body};

const DIETS: &str = "/api/nutrition/diets/";

async fn call(
    app: &TestApp,
    ada: &Session,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
) -> TestResponse {
    let mut call = app.call(method.clone(), uri).by(ada);
    for (name, value) in headers {
        call = call.header(name, value);
    }
    if method == Method::PATCH || method == Method::PUT {
        call = call.json(&json!({"name": "Renamed"}));
    }
    call.send().await
}

fn etag(response: &TestResponse) -> String {
    response
        .header("etag")
        .unwrap_or_else(|| panic!("an ETag on {}", response.status))
        .to_owned()
}

#[tokio::test]
async fn objects_and_pages_carry_etags_and_if_none_match_gives_304() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let id = diet(&app, &ada, "Cut").await;
        let object = format!("{DIETS}{id}/");
        for uri in [object.as_str(), DIETS, "/api/accounts/profile/"] {
            let first = call(&app, &ada, Method::GET, uri, &[]).await;
            first.assert_status(StatusCode::OK);
            let tag = etag(&first);
            assert!(
                tag.starts_with('"') && tag.ends_with('"'),
                "a strong tag: {tag}"
            );

            for named in [tag.as_str(), "*", &format!("\"other\", {tag}")] {
                let cached = call(&app, &ada, Method::GET, uri, &[("if-none-match", named)]).await;
                cached.assert_status(StatusCode::NOT_MODIFIED);
                assert!(cached.body.is_empty(), "no body on 304");
                assert_eq!(cached.header("etag"), Some(tag.as_str()));
            }
            let stale = call(
                &app,
                &ada,
                Method::GET,
                uri,
                &[("if-none-match", "\"stale\"")],
            )
            .await;
            stale.assert_status(StatusCode::OK);
        }

        // The tag follows the representation.
        let before = etag(&call(&app, &ada, Method::GET, &object, &[]).await);
        call(&app, &ada, Method::PATCH, &object, &[])
            .await
            .assert_status(StatusCode::OK);
        let after = etag(&call(&app, &ada, Method::GET, &object, &[]).await);
        assert_ne!(before, after, "{:?}", app.backend());
        let page = call(
            &app,
            &ada,
            Method::GET,
            DIETS,
            &[("if-none-match", &before)],
        )
        .await;
        page.assert_status(StatusCode::OK);
    }
}

#[tokio::test]
async fn if_match_on_a_stale_tag_is_412_and_writes_nothing() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let id = diet(&app, &ada, "Cut").await;
        let object = format!("{DIETS}{id}/");
        let current = call(&app, &ada, Method::GET, &object, &[]).await;
        let tag = etag(&current);

        for method in [Method::PUT, Method::PATCH, Method::DELETE] {
            let refused = call(
                &app,
                &ada,
                method.clone(),
                &object,
                &[("if-match", "\"stale\"")],
            )
            .await;
            refused.assert_status(StatusCode::PRECONDITION_FAILED);
            assert_eq!(
                refused.json(),
                json!({"detail": "Precondition failed: the object has changed."}),
                "{method}"
            );
        }
        let unchanged = call(&app, &ada, Method::GET, &object, &[]).await;
        assert_eq!(unchanged.json(), current.json(), "nothing was written");

        // The current tag (or `*`) lets the write through, and the answer carries the new tag.
        let patched = call(&app, &ada, Method::PATCH, &object, &[("if-match", &tag)]).await;
        patched.assert_status(StatusCode::OK);
        assert_eq!(patched.json()["name"], "Renamed");
        let now = call(&app, &ada, Method::GET, &object, &[]).await;
        assert_eq!(
            patched.header("etag"),
            now.header("etag"),
            "the tag a GET gives now"
        );

        let replaced = app
            .call(Method::PUT, &object)
            .by(&ada)
            .header("if-match", "*")
            .json(&diet_body("Bulk"))
            .send()
            .await;
        replaced.assert_status(StatusCode::OK);
        let deleted = call(
            &app,
            &ada,
            Method::DELETE,
            &object,
            &[("if-match", &etag(&replaced))],
        )
        .await;
        deleted.assert_status(StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn of_two_writers_with_the_same_if_match_exactly_one_wins() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let id = diet(&app, &ada, "Cut").await;
        let object = format!("{DIETS}{id}/");
        let tag = etag(&call(&app, &ada, Method::GET, &object, &[]).await);

        let write = |name: &'static str| {
            app.call(Method::PATCH, &object)
                .by(&ada)
                .header("if-match", &tag)
                .json(&json!({ "name": name }))
                .send()
        };
        let (first, second) = tokio::join!(write("First"), write("Second"));
        let mut statuses = [first.status, second.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::PRECONDITION_FAILED],
            "{:?}",
            app.backend()
        );
        let winner = if first.status == StatusCode::OK {
            "First"
        } else {
            "Second"
        };
        let stored = call(&app, &ada, Method::GET, &object, &[]).await;
        assert_eq!(stored.json()["name"], winner);
    }
}

#[tokio::test]
async fn the_profile_patch_carries_the_profiles_own_tag() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let patched = app
            .call(Method::PATCH, "/api/accounts/profile/")
            .by(&ada)
            .json(&json!({"first_name": "Ada"}))
            .send()
            .await;
        patched.assert_status(StatusCode::OK);
        assert_eq!(patched.json()["message"], "Profile updated successfully");
        let profile = call(&app, &ada, Method::GET, "/api/accounts/profile/", &[]).await;
        assert_eq!(patched.header("etag"), profile.header("etag"));
    }
}
