use axum::http::{Method, StatusCode};
use fithub_core::datetime;
use serde_json::{Value, json};
use time::Duration;

use crate::helpers::TestApp;
use crate::nutrition::{created, get, post, send};

const GOALS: &str = "/api/goals/goals/";

fn date_in(days: i64) -> String {
    datetime::format_date(datetime::today() + Duration::days(days))
}

fn uuids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap_or_else(|| items["results"].as_array().expect("array or page"))
        .iter()
        .map(|item| item["id"].as_str().expect("uuid").to_owned())
        .collect()
}

#[tokio::test]
async fn goals_have_uuid_ids_and_days_remaining() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let goal = created(
            &app,
            &ada,
            GOALS,
            json!({"goal_type": "muscle_gain", "target_date": date_in(91), "notes": "+4 kg lean mass", "id": "6f1c2f0e-3b7a-4d55-9a51-0c7e2b9d4a11"}),
        )
        .await;
        let id = goal["id"].as_str().expect("uuid");
        assert_eq!(id.len(), 36);
        assert_eq!(id, id.to_lowercase());
        assert_ne!(
            id, "6f1c2f0e-3b7a-4d55-9a51-0c7e2b9d4a11",
            "ids are not writable"
        );
        assert_eq!(goal["days_remaining"], 91);
        assert_eq!(goal["is_active"], true);
        assert_eq!(goal["user"]["username"], "ada");
        assert_eq!(get(&app, &ada, &format!("{GOALS}{id}/")).await.json(), goal);

        let past = created(
            &app,
            &ada,
            GOALS,
            json!({"goal_type": "strength", "target_date": date_in(-3)}),
        )
        .await;
        assert_eq!(past["days_remaining"], -3);
        let open = created(&app, &ada, GOALS, json!({"goal_type": "endurance"})).await;
        assert_eq!(open["days_remaining"], Value::Null);
        assert_eq!(open["target_date"], Value::Null);
        assert_eq!(open["notes"], "");
    }
}

#[tokio::test]
async fn validation_and_replacement() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let response = post(
        &app,
        &ada,
        GOALS,
        json!({"target_date": "soon", "notes": null, "is_active": "perhaps"}),
    )
    .await;
    response.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({
            "goal_type": ["This field is required."],
            "target_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
            "notes": ["This field may not be null."],
            "is_active": ["Must be a valid boolean."],
        })
    );
    let response = post(&app, &ada, GOALS, json!({"goal_type": "get_rich"})).await;
    assert_eq!(
        response.json(),
        json!({"goal_type": ["\"get_rich\" is not a valid choice."]})
    );

    let goal = created(
        &app,
        &ada,
        GOALS,
        json!({"goal_type": "strength", "notes": "deadlift"}),
    )
    .await;
    let url = format!("{GOALS}{}/", goal["id"].as_str().expect("id"));
    let put = send(&app, &ada, Method::PUT, &url, json!({"notes": "x"})).await;
    assert_eq!(
        put.json(),
        json!({"goal_type": ["This field is required."]})
    );
    let put = send(
        &app,
        &ada,
        Method::PUT,
        &url,
        json!({"goal_type": "flexibility"}),
    )
    .await;
    put.assert_status(StatusCode::OK);
    assert_eq!(
        put.json()["notes"],
        "deadlift",
        "absent optional keys keep their values"
    );
    let patch = send(&app, &ada, Method::PATCH, &url, json!({"is_active": false})).await;
    assert_eq!(patch.json()["is_active"], false);
    assert_eq!(patch.json()["goal_type"], "flexibility");
}

#[tokio::test]
async fn activate_makes_one_goal_the_only_active_one() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let a = created(&app, &ada, GOALS, json!({"goal_type": "strength"})).await["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let b = created(&app, &ada, GOALS, json!({"goal_type": "endurance"})).await["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let bobs = created(&app, &bob, GOALS, json!({"goal_type": "strength"})).await["id"]
            .as_str()
            .expect("id")
            .to_owned();
        assert_eq!(
            uuids(&get(&app, &ada, &format!("{GOALS}active/")).await.json()),
            [b.clone(), a.clone()]
        );

        let response = post(&app, &ada, &format!("{GOALS}{a}/activate/"), json!({})).await;
        response.assert_status(StatusCode::OK);
        assert_eq!(response.json(), json!({"status": "goal activated"}));
        assert_eq!(
            uuids(&get(&app, &ada, &format!("{GOALS}active/")).await.json()),
            std::slice::from_ref(&a)
        );
        assert_eq!(
            get(&app, &bob, &format!("{GOALS}{bobs}/")).await.json()["is_active"],
            true,
            "bob's goals untouched"
        );

        let response = post(&app, &ada, &format!("{GOALS}{a}/deactivate/"), json!({})).await;
        assert_eq!(response.json(), json!({"status": "goal deactivated"}));
        assert_eq!(
            get(&app, &ada, &format!("{GOALS}active/")).await.json(),
            json!([])
        );

        for action in ["activate", "deactivate"] {
            post(&app, &ada, &format!("{GOALS}{bobs}/{action}/"), json!({}))
                .await
                .assert_status(StatusCode::NOT_FOUND);
        }
    }
}

#[tokio::test]
async fn by_type_upcoming_and_overdue() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let make = |body: Value| {
            let (app, ada) = (&app, &ada);
            async move {
                created(app, ada, GOALS, body).await["id"]
                    .as_str()
                    .expect("id")
                    .to_owned()
            }
        };
        let today = make(json!({"goal_type": "strength", "target_date": date_in(0)})).await;
        let later = make(json!({"goal_type": "strength", "target_date": date_in(10)})).await;
        let yesterday = make(json!({"goal_type": "endurance", "target_date": date_in(-1)})).await;
        let long_ago = make(json!({"goal_type": "endurance", "target_date": date_in(-30)})).await;
        make(json!({"goal_type": "endurance"})).await;
        make(json!({"goal_type": "strength", "target_date": date_in(5), "is_active": false})).await;

        let listed = |path: &str| {
            let url = format!("{GOALS}{path}");
            let (app, ada) = (&app, &ada);
            async move { uuids(&get(app, ada, &url).await.json()) }
        };
        assert_eq!(listed("upcoming/").await, [today.clone(), later.clone()]);
        assert_eq!(
            listed("overdue/").await,
            [long_ago.clone(), yesterday.clone()]
        );
        assert_eq!(listed("by_type/?type=strength").await.len(), 3);
        assert_eq!(listed("by_type/").await.len(), 6);
        assert_eq!(listed("by_type/?type=get_rich").await, Vec::<String>::new());
        let newest_first = listed("by_type/?type=endurance").await;
        assert_eq!(newest_first[1..], [long_ago, yesterday]);
    }
}

#[tokio::test]
async fn isolation_and_malformed_ids() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let bobs = created(
            &app,
            &bob,
            GOALS,
            json!({"goal_type": "strength", "notes": "secret"}),
        )
        .await["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let url = format!("{GOALS}{bobs}/");
        for method in [Method::GET, Method::DELETE] {
            let response = app.call(method, &url).by(&ada).send().await;
            response.assert_status(StatusCode::NOT_FOUND);
            assert_eq!(
                response.json(),
                json!({"detail": "No Goal matches the given query."})
            );
        }
        send(
            &app,
            &ada,
            Method::PUT,
            &url,
            json!({"goal_type": "strength"}),
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
        get(&app, &ada, &format!("{url}progress/"))
            .await
            .assert_status(StatusCode::NOT_FOUND);
        assert_eq!(get(&app, &ada, GOALS).await.json()["count"], 0);
        assert_eq!(
            get(&app, &ada, &format!("{GOALS}?search=secret"))
                .await
                .json()["count"],
            0
        );
        for path in ["by_type/", "active/", "upcoming/"] {
            assert_eq!(
                get(&app, &ada, &format!("{GOALS}{path}")).await.json(),
                json!([])
            );
        }
        for id in ["42", "not-a-uuid", "6f1c2f0e-3b7a-4d55-9a51"] {
            let response = get(&app, &ada, &format!("{GOALS}{id}/")).await;
            response.assert_status(StatusCode::NOT_FOUND);
            assert_eq!(response.json(), json!({"detail": "Not found."}));
        }
        app.call(Method::DELETE, &url)
            .by(&bob)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn list_filters_searches_and_orders() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let a = created(
            &app,
            &ada,
            GOALS,
            json!({"goal_type": "strength", "target_date": "2030-01-01", "notes": "squat"}),
        )
        .await;
        let b = created(
            &app,
            &ada,
            GOALS,
            json!({"goal_type": "endurance", "target_date": "2029-01-01", "is_active": false}),
        )
        .await;
        let list = |query: &str| {
            let url = format!("{GOALS}{query}");
            let (app, ada) = (&app, &ada);
            async move {
                let response = get(app, ada, &url).await;
                response.assert_status(StatusCode::OK);
                uuids(&response.json())
            }
        };
        let (a, b) = (
            a["id"].as_str().expect("id").to_owned(),
            b["id"].as_str().expect("id").to_owned(),
        );
        assert_eq!(list("").await, [b.clone(), a.clone()]);
        assert_eq!(list("?ordering=target_date").await, [b.clone(), a.clone()]);
        assert_eq!(list("?ordering=-target_date").await, [a.clone(), b.clone()]);
        assert_eq!(list("?goal_type=strength").await, std::slice::from_ref(&a));
        assert_eq!(list("?is_active=0").await, std::slice::from_ref(&b));
        assert_eq!(
            list("?target_date=2029-01-01").await,
            std::slice::from_ref(&b)
        );
        assert_eq!(list("?search=SQUAT").await, std::slice::from_ref(&a));
        assert_eq!(list("?page_size=1&page=2").await, [a]);
        let response = get(
            &app,
            &ada,
            &format!("{GOALS}?goal_type=get_rich&target_date=x"),
        )
        .await;
        assert_eq!(
            response.json(),
            json!({
                "goal_type": ["Select a valid choice. get_rich is not one of the available choices."],
                "target_date": ["Enter a valid date."],
            })
        );
    }
}

#[tokio::test]
async fn progress_spans_the_body_composition_measurements() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let goal = created(&app, &ada, GOALS, json!({"goal_type": "muscle_gain"})).await;
        let url = format!("{GOALS}{}/progress/", goal["id"].as_str().expect("id"));

        let empty = get(&app, &ada, &url).await;
        empty.assert_status(StatusCode::OK);
        assert_eq!(
            empty.json(),
            json!({"goal": goal, "progress": "No measurements recorded yet", "measurements_count": 0})
        );

        let measure = |session, metric: &str, value: f64, at: &str| {
            let body = json!({"metric": metric, "measurement_type": "log", "value": value, "timestamp": at});
            let app = &app;
            async move { created(app, session, "/api/goals/measurements/", body).await }
        };
        let first = measure(&ada, "body_fat_percentage", 21.0, "2025-02-20T06:15:00Z").await;
        // Same instant, greater id: the latest of a tie.
        measure(&ada, "weight_kg", 72.0, "2025-03-02T06:30:00Z").await;
        let latest = measure(&ada, "muscle_mass_percentage", 40.0, "2025-03-02T06:30:00Z").await;
        measure(&ada, "waist_cm", 80.0, "2025-04-01T06:30:00Z").await; // not a progress metric
        measure(&bob, "weight_kg", 90.0, "2025-05-01T06:30:00Z").await; // not ada's

        let progress = get(&app, &ada, &url).await.json();
        assert_eq!(progress["goal"], goal);
        assert_eq!(progress["first_measurement"], first);
        assert_eq!(progress["latest_measurement"], latest);
        assert_eq!(progress["measurements_count"], 3);
        assert_eq!(progress["days_since_start"], 10);

        // A single measurement is both ends.
        let bobs_goal = created(&app, &bob, GOALS, json!({"goal_type": "weight_loss"})).await;
        let single = get(
            &app,
            &bob,
            &format!("{GOALS}{}/progress/", bobs_goal["id"].as_str().expect("id")),
        )
        .await
        .json();
        assert_eq!(single["measurements_count"], 1);
        assert_eq!(single["days_since_start"], 0);
        assert_eq!(single["first_measurement"], single["latest_measurement"]);
    }
}
