use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{created, diet, diet_body, get, ids, post, send};
use crate::helpers::TestApp;

const DIETS: &str = "/api/nutrition/diets/";

#[tokio::test]
async fn create_answers_the_full_diet_with_defaults() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let body = json!({
            "name": "Lean bulk", "day_proteins_g": 160, "day_fats_g": "70.5",
            "day_carbohydrates_g": 300, "day_calories_kcal": 2500, "goal_id": 12, "id": 99,
            "user": 7,
        });
        let diet = created(&app, &ada, DIETS, body).await;
        let keys: Vec<&String> = diet.as_object().expect("object").keys().collect();
        assert_eq!(
            keys,
            [
                "created_at",
                "day_calories_kcal",
                "day_carbohydrates_g",
                "day_fats_g",
                "day_proteins_g",
                "end_date",
                "id",
                "is_active",
                "name",
                "notes",
                "start_date",
                "updated_at",
                "user"
            ],
            "no goal key"
        );
        assert_ne!(diet["id"], 99);
        assert_eq!(diet["day_proteins_g"], json!(160.0));
        assert!(
            serde_json::to_string(&diet["day_proteins_g"])
                .expect("json")
                .contains(".0"),
            "integral floats keep their point"
        );
        assert_eq!(diet["day_fats_g"], json!(70.5));
        assert_eq!(diet["is_active"], false);
        assert_eq!(
            diet["start_date"],
            fithub_core::datetime::format_date(fithub_core::datetime::today())
        );
        assert_eq!(diet["end_date"], Value::Null);
        assert_eq!(diet["notes"], "");
        assert_eq!(
            diet["user"],
            json!({"id": ada.id, "username": "ada", "email": "ada@example.com", "first_name": "", "last_name": ""})
        );
        let fetched = get(&app, &ada, &format!("{DIETS}{}/", diet["id"])).await;
        fetched.assert_status(StatusCode::OK);
        assert_eq!(fetched.json(), diet);
    }
}

#[tokio::test]
async fn create_reports_every_invalid_key() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let response = post(&app, &ada, DIETS, json!({})).await;
    response.assert_status(StatusCode::BAD_REQUEST);
    let required = json!(["This field is required."]);
    assert_eq!(
        response.json(),
        json!({
            "name": required, "day_proteins_g": required, "day_fats_g": required,
            "day_carbohydrates_g": required, "day_calories_kcal": required,
        })
    );
    let response = post(
        &app,
        &ada,
        DIETS,
        json!({
            "name": "x".repeat(256), "day_proteins_g": -1, "day_fats_g": "lots",
            "day_carbohydrates_g": "NaN", "day_calories_kcal": null, "is_active": "maybe",
            "start_date": "2025-02-30", "notes": null,
        }),
    )
    .await;
    assert_eq!(
        response.json(),
        json!({
            "name": ["Ensure this field has no more than 255 characters."],
            "day_proteins_g": ["Ensure this value is greater than or equal to 0."],
            "day_fats_g": ["A valid number is required."],
            "day_carbohydrates_g": ["A valid number is required."],
            "day_calories_kcal": ["This field may not be null."],
            "is_active": ["Must be a valid boolean."],
            "start_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
            "notes": ["This field may not be null."],
        })
    );
    let mut body = diet_body("Cut");
    body["start_date"] = json!("2025-03-10");
    body["end_date"] = json!("2025-03-01");
    let response = post(&app, &ada, DIETS, body).await;
    assert_eq!(
        response.json(),
        json!({"end_date": ["End date must not be before start date."]})
    );
}

#[tokio::test]
async fn put_and_patch_keep_what_they_are_not_given() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let mut body = diet_body("Cut");
        body["notes"] = json!("slow");
        body["end_date"] = json!("2099-01-01");
        let diet = created(&app, &ada, DIETS, body).await;
        let url = format!("{DIETS}{}/", diet["id"]);

        // PUT needs every key required on create.
        let response = send(&app, &ada, Method::PUT, &url, json!({"name": "Bulk"})).await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert!(response.json()["day_fats_g"].is_array());

        let response = send(&app, &ada, Method::PUT, &url, diet_body("Bulk")).await;
        response.assert_status(StatusCode::OK);
        let put = response.json();
        assert_eq!(put["name"], "Bulk");
        assert_eq!(put["notes"], "slow", "optional keys keep their values");
        assert_eq!(put["end_date"], "2099-01-01");
        assert_eq!(put["created_at"], diet["created_at"]);
        assert_ne!(put["updated_at"], diet["updated_at"]);

        let response = send(&app, &ada, Method::PATCH, &url, json!({"end_date": null})).await;
        response.assert_status(StatusCode::OK);
        assert_eq!(response.json()["end_date"], Value::Null);
        assert_eq!(response.json()["name"], "Bulk");

        // The stored start date stands in for an omitted one.
        let response = send(
            &app,
            &ada,
            Method::PATCH,
            &url,
            json!({"end_date": "2000-01-01"}),
        )
        .await;
        assert_eq!(
            response.json(),
            json!({"end_date": ["End date must not be before start date."]})
        );
        let response = send(
            &app,
            &ada,
            Method::PATCH,
            &url,
            json!({"start_date": "2100-01-01", "end_date": "2100-06-01"}),
        )
        .await;
        response.assert_status(StatusCode::OK);
        let response = send(
            &app,
            &ada,
            Method::PATCH,
            &url,
            json!({"start_date": "2101-01-01"}),
        )
        .await;
        assert_eq!(
            response.json(),
            json!({"end_date": ["End date must not be before start date."]}),
            "keyed end_date even when only start_date was sent"
        );
    }
}

#[tokio::test]
async fn at_most_one_diet_is_active() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let no_active = get(&app, &ada, "/api/nutrition/diets/active/").await;
        no_active.assert_status(StatusCode::NOT_FOUND);
        assert_eq!(no_active.json(), json!({"error": "No active diet found"}));

        let first = diet(&app, &ada, "First").await;
        let mut body = diet_body("Second");
        body["is_active"] = json!(true);
        let second = created(&app, &ada, DIETS, body).await["id"]
            .as_i64()
            .expect("id");
        let bobs = created(&app, &bob, DIETS, {
            let mut body = diet_body("Bob's");
            body["is_active"] = json!(true);
            body
        })
        .await;

        let response = post(&app, &ada, &format!("{DIETS}{first}/activate/"), json!({})).await;
        response.assert_status(StatusCode::OK);
        assert_eq!(response.json(), json!({"status": "diet activated"}));
        // Idempotent.
        post(&app, &ada, &format!("{DIETS}{first}/activate/"), json!({}))
            .await
            .assert_status(StatusCode::OK);
        let active = get(&app, &ada, "/api/nutrition/diets/active/").await.json();
        assert_eq!(active["id"], first);
        let second = get(&app, &ada, &format!("{DIETS}{second}/")).await.json();
        assert_eq!(second["is_active"], false);

        // PATCH is_active: true moves the flag as well.
        send(
            &app,
            &ada,
            Method::PATCH,
            &format!("{DIETS}{}/", second["id"]),
            json!({"is_active": true}),
        )
        .await
        .assert_status(StatusCode::OK);
        let active = get(&app, &ada, "/api/nutrition/diets/active/").await.json();
        assert_eq!(active["id"], second["id"]);

        // Another user's diets are untouched.
        let bobs_now = get(&app, &bob, &format!("{DIETS}{}/", bobs["id"]))
            .await
            .json();
        assert_eq!(bobs_now["is_active"], true);
        // And cannot be activated by ada.
        post(
            &app,
            &ada,
            &format!("{DIETS}{}/activate/", bobs["id"]),
            json!({}),
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn concurrent_activations_leave_exactly_one_active() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let mut diets = Vec::new();
        for i in 0..6 {
            diets.push(diet(&app, &ada, &format!("Diet {i}")).await);
        }
        let activations = diets.iter().map(|id| {
            let url = format!("{DIETS}{id}/activate/");
            let (app, ada) = (&app, &ada);
            async move { post(app, ada, &url, json!({})).await.status }
        });
        let statuses = futures_util::future::join_all(activations).await;
        assert!(
            statuses.iter().all(|status| *status == StatusCode::OK),
            "{:?}: {statuses:?}",
            app.backend()
        );
        let active = get(&app, &ada, &format!("{DIETS}?is_active=true"))
            .await
            .json();
        assert_eq!(active["count"], 1, "{:?}", app.backend());
    }
}

#[tokio::test]
async fn another_users_diet_is_not_found_anywhere() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let bobs = diet(&app, &bob, "Bob's secret diet").await;
        let url = format!("{DIETS}{bobs}/");
        let not_found = json!({"detail": "No Diet matches the given query."});
        for method in [Method::GET, Method::DELETE] {
            let response = app.call(method, &url).by(&ada).send().await;
            response.assert_status(StatusCode::NOT_FOUND);
            assert_eq!(response.json(), not_found);
        }
        for method in [Method::PUT, Method::PATCH] {
            // 404 whatever the body holds: not found comes before validation.
            let response = send(&app, &ada, method, &url, json!({"name": ""})).await;
            response.assert_status(StatusCode::NOT_FOUND);
        }
        let list = get(&app, &ada, DIETS).await.json();
        assert_eq!(list["count"], 0);
        let search = get(&app, &ada, &format!("{DIETS}?search=secret"))
            .await
            .json();
        assert_eq!(search["count"], 0);
        // Still there for bob.
        get(&app, &bob, &url).await.assert_status(StatusCode::OK);
    }
}

#[tokio::test]
async fn malformed_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    for id in ["abc", "1.5", "99999999999999999999"] {
        let response = get(&app, &ada, &format!("{DIETS}{id}/")).await;
        response.assert_status(StatusCode::NOT_FOUND);
        assert_eq!(response.json(), json!({"detail": "Not found."}));
    }
    // Credentials still come first.
    app.get(&format!("{DIETS}abc/"))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn delete_cascades_to_meals_and_records() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let diet_id = diet(&app, &ada, "Cut").await;
        let meal_id = super::meal(&app, &ada, diet_id, "Oats").await;
        created(
            &app,
            &ada,
            "/api/nutrition/records/",
            json!({"meal_id": meal_id, "timestamp": "2025-03-02T07:45:00Z"}),
        )
        .await;
        let response = app
            .call(Method::DELETE, &format!("{DIETS}{diet_id}/"))
            .by(&ada)
            .send()
            .await;
        response.assert_status(StatusCode::NO_CONTENT);
        assert!(response.body.is_empty());
        get(&app, &ada, &format!("/api/nutrition/meals/{meal_id}/"))
            .await
            .assert_status(StatusCode::NOT_FOUND);
        let records = get(&app, &ada, "/api/nutrition/records/").await.json();
        assert_eq!(records["count"], 0);
    }
}

#[tokio::test]
async fn list_filters_searches_orders_and_pages() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let mut made = Vec::new();
        for (i, (name, notes, start)) in [
            ("Alpha cut", "winter", "2025-01-05"),
            ("Beta bulk", "summer plan", "2025-03-01"),
            ("Gamma cut", "", "2025-02-01"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut body = diet_body(name);
            body["notes"] = json!(notes);
            body["start_date"] = json!(start);
            body["is_active"] = json!(i == 1);
            made.push(
                created(&app, &ada, DIETS, body).await["id"]
                    .as_i64()
                    .expect("id"),
            );
        }
        let list = |query: &str| {
            let url = format!("{DIETS}{query}");
            let (app, ada) = (&app, &ada);
            async move {
                let response = get(app, ada, &url).await;
                response.assert_status(StatusCode::OK);
                response.json()
            }
        };
        // Default: newest first.
        assert_eq!(ids(&list("").await), [made[2], made[1], made[0]]);
        assert_eq!(
            ids(&list("?ordering=start_date").await),
            [made[0], made[2], made[1]]
        );
        assert_eq!(
            ids(&list("?ordering=bogus,-start_date").await),
            [made[1], made[2], made[0]]
        );
        assert_eq!(
            ids(&list("?ordering=bogus").await),
            [made[2], made[1], made[0]]
        );
        assert_eq!(ids(&list("?is_active=true").await), [made[1]]);
        assert_eq!(ids(&list("?is_active=False").await), [made[2], made[0]]);
        assert_eq!(ids(&list("?start_date=2025-02-01").await), [made[2]]);
        assert_eq!(ids(&list("?search=CUT").await), [made[2], made[0]]);
        assert_eq!(ids(&list("?search=cut,winter").await), [made[0]]);
        assert_eq!(ids(&list("?search=%22summer%20plan%22").await), [made[1]]);
        assert_eq!(
            ids(&list("?is_active=").await).len(),
            3,
            "empty means no filter"
        );

        let response = get(
            &app,
            &ada,
            &format!("{DIETS}?is_active=maybe&start_date=soon"),
        )
        .await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            response.json(),
            json!({"is_active": ["Must be a valid boolean."], "start_date": ["Enter a valid date."]})
        );

        // Pages of two: absolute links keeping the other parameters.
        let first = list("?page_size=2&ordering=start_date").await;
        assert_eq!(first["count"], 3);
        assert_eq!(ids(&first), [made[0], made[2]]);
        assert_eq!(first["previous"], Value::Null);
        let next = first["next"].as_str().expect("next");
        assert!(next.starts_with("http://"), "{next}");
        assert!(
            next.contains("page_size=2")
                && next.contains("ordering=start_date")
                && next.contains("page=2"),
            "{next}"
        );
        let path = next
            .split_once("/api/")
            .map(|(_, rest)| format!("/api/{rest}"))
            .expect("path");
        let second = get(&app, &ada, &path).await.json();
        assert_eq!(ids(&second), [made[1]]);
        assert_eq!(second["next"], Value::Null);
        let previous = second["previous"].as_str().expect("previous");
        assert!(
            !previous.contains("page="),
            "page 1 has no page parameter: {previous}"
        );

        assert_eq!(
            ids(&list("?page_size=2&page=last&ordering=start_date").await),
            [made[1]]
        );
        for page in ["3", "0", "-1", "x"] {
            let response = get(&app, &ada, &format!("{DIETS}?page_size=2&page={page}")).await;
            response.assert_status(StatusCode::NOT_FOUND);
            assert_eq!(response.json(), json!({"detail": "Invalid page."}));
        }
        let response = get(&app, &ada, &format!("{DIETS}?page_size=none")).await;
        assert_eq!(
            response.json(),
            json!({"page_size": ["A valid integer is required."]})
        );
        assert_eq!(
            ids(&list("?page_size=1000").await).len(),
            3,
            "capped, not refused"
        );
    }
}

#[tokio::test]
async fn an_empty_list_is_page_one_of_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let response = get(&app, &ada, DIETS).await;
    response.assert_status(StatusCode::OK);
    assert_eq!(
        response.json(),
        json!({"count": 0, "next": null, "previous": null, "results": []})
    );
    get(&app, &ada, &format!("{DIETS}?page=2"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
