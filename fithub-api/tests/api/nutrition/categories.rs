use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{created, get, ids, make_staff, personal_ingredient, post, send};
use crate::helpers::TestApp;

const CATEGORIES: &str = "/api/nutrition/categories/";

#[tokio::test]
async fn categories_are_shared_but_changed_only_by_creator_or_staff() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let staff = app.register("staffer").await;
        make_staff(&app, &staff).await;
        let grains = created(&app, &ada, CATEGORIES, json!({"name": "Grains"})).await;
        assert_eq!(
            grains,
            json!({"id": grains["id"], "name": "Grains", "parent": null})
        );
        let url = format!("{CATEGORIES}{}/", grains["id"]);

        // Everyone sees it.
        get(&app, &bob, &url).await.assert_status(StatusCode::OK);
        assert_eq!(get(&app, &bob, CATEGORIES).await.json()["count"], 1);

        for method in [Method::PUT, Method::PATCH] {
            let response = send(&app, &bob, method, &url, json!({"name": "Bob's"})).await;
            response.assert_status(StatusCode::FORBIDDEN);
            assert_eq!(
                response.json(),
                json!({"detail": "You do not have permission to perform this action."})
            );
        }
        app.call(Method::DELETE, &url)
            .by(&bob)
            .send()
            .await
            .assert_status(StatusCode::FORBIDDEN);

        let renamed = send(&app, &ada, Method::PATCH, &url, json!({"name": "Cereals"})).await;
        renamed.assert_status(StatusCode::OK);
        assert_eq!(renamed.json()["name"], "Cereals");
        let renamed = send(&app, &staff, Method::PUT, &url, json!({"name": "Grains"})).await;
        renamed.assert_status(StatusCode::OK);

        // 404 before 403 before 400.
        send(
            &app,
            &bob,
            Method::PATCH,
            &format!("{CATEGORIES}999999/"),
            json!({"name": ""}),
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
        send(&app, &bob, Method::PATCH, &url, json!({"name": ""}))
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn parents_must_exist_and_never_make_a_cycle() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let root = created(&app, &ada, CATEGORIES, json!({"name": "Food"})).await["id"]
            .as_i64()
            .expect("id");
        let child = created(
            &app,
            &ada,
            CATEGORIES,
            json!({"name": "Grains", "parent": root}),
        )
        .await;
        assert_eq!(child["parent"], root);
        let child = child["id"].as_i64().expect("id");
        let grandchild = created(
            &app,
            &ada,
            CATEGORIES,
            json!({"name": "Oats", "parent": child.to_string()}),
        )
        .await["id"]
            .as_i64()
            .expect("id");

        let cases = [
            (
                json!({"name": "x", "parent": 999999}),
                json!({"parent": ["Invalid pk \"999999\" - object does not exist."]}),
            ),
            (
                json!({"name": "x", "parent": "abc"}),
                json!({"parent": ["Incorrect type. Expected pk value, received str."]}),
            ),
            (
                json!({"name": "x", "parent": [1]}),
                json!({"parent": ["Incorrect type. Expected pk value, received list."]}),
            ),
            (
                json!({"name": "x", "parent": {"id": 1}}),
                json!({"parent": ["Incorrect type. Expected pk value, received dict."]}),
            ),
        ];
        for (body, expected) in cases {
            let response = post(&app, &ada, CATEGORIES, body).await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(response.json(), expected);
        }
        let cycle = json!({"parent": ["A category cannot be its own ancestor."]});
        // Food under itself, or under its own grandchild: both would close a cycle.
        for parent in [root, grandchild] {
            let response = send(
                &app,
                &ada,
                Method::PATCH,
                &format!("{CATEGORIES}{root}/"),
                json!({"parent": parent}),
            )
            .await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(response.json(), cycle);
        }
        // A move that keeps the tree a tree is fine; so is clearing the parent.
        send(
            &app,
            &ada,
            Method::PATCH,
            &format!("{CATEGORIES}{grandchild}/"),
            json!({"parent": root}),
        )
        .await
        .assert_status(StatusCode::OK);
        let cleared = send(
            &app,
            &ada,
            Method::PATCH,
            &format!("{CATEGORIES}{child}/"),
            json!({"parent": null}),
        )
        .await;
        assert_eq!(cleared.json()["parent"], json!(null));
    }
}

#[tokio::test]
async fn deleting_a_category_unlinks_its_ingredients_and_children() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let grains = created(&app, &ada, CATEGORIES, json!({"name": "Grains"})).await["id"]
            .as_i64()
            .expect("id");
        let oats = created(
            &app,
            &ada,
            CATEGORIES,
            json!({"name": "Oats", "parent": grains}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let ingredient =
            personal_ingredient(&app, &ada, "Rolled oats", [379.0, 13.0, 7.0, 68.0]).await;
        send(
            &app,
            &ada,
            Method::PATCH,
            &format!("/api/nutrition/ingredients/{ingredient}/"),
            json!({"category_id": grains}),
        )
        .await
        .assert_status(StatusCode::OK);

        app.call(Method::DELETE, &format!("{CATEGORIES}{grains}/"))
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
        let child = get(&app, &ada, &format!("{CATEGORIES}{oats}/"))
            .await
            .json();
        assert_eq!(child["parent"], json!(null));
        let kept = get(
            &app,
            &ada,
            &format!("/api/nutrition/ingredients/{ingredient}/"),
        )
        .await;
        kept.assert_status(StatusCode::OK);
        assert_eq!(kept.json()["category"], json!(null));
    }
}

#[tokio::test]
async fn list_filters_by_parent_searches_and_orders_by_name() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let food = created(&app, &ada, CATEGORIES, json!({"name": "Food"})).await["id"]
            .as_i64()
            .expect("id");
        let b = created(
            &app,
            &ada,
            CATEGORIES,
            json!({"name": "Beans", "parent": food}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let a = created(
            &app,
            &ada,
            CATEGORIES,
            json!({"name": "Apples", "parent": food}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        assert_eq!(ids(&get(&app, &ada, CATEGORIES).await.json()), [a, b, food]);
        assert_eq!(
            ids(&get(&app, &ada, &format!("{CATEGORIES}?parent={food}"))
                .await
                .json()),
            [a, b]
        );
        assert_eq!(
            ids(&get(&app, &ada, &format!("{CATEGORIES}?search=bean"))
                .await
                .json()),
            [b]
        );
        assert_eq!(
            ids(
                &get(&app, &ada, &format!("{CATEGORIES}?ordering=-created_at"))
                    .await
                    .json()
            ),
            [a, b, food]
        );
    }
}
