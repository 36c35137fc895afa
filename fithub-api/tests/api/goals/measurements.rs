use axum::http::{Method, StatusCode};
use fithub_core::datetime;
use serde_json::{Value, json};
use time::{Date, Duration};

use crate::helpers::{Session, TestApp};
use crate::nutrition::{created, get, ids, post, send};

const MEASUREMENTS: &str = "/api/goals/measurements/";

async fn measure(app: &TestApp, session: &Session, metric: &str, value: f64, at: &str) -> Value {
    created(
        app,
        session,
        MEASUREMENTS,
        json!({"metric": metric, "measurement_type": "log", "value": value, "timestamp": at}),
    )
    .await
}

fn at(date: Date, clock: &str) -> String {
    format!("{}T{clock}Z", datetime::format_date(date))
}

#[tokio::test]
async fn measurements_carry_their_labels() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let created = created(
            &app,
            &ada,
            MEASUREMENTS,
            json!({"measurement_type": "log", "value": "71.4", "timestamp": "2025-03-02T06:30:00Z"}),
        )
        .await;
        assert_eq!(
            created,
            json!({
                "id": created["id"],
                "user": {"id": ada.id, "username": "ada", "email": "ada@example.com", "first_name": "", "last_name": ""},
                "metric": "weight_kg", "metric_display": "Weight (kg)",
                "measurement_type": "log", "measurement_type_display": "Log",
                "value": 71.4, "timestamp": "2025-03-02T06:30:00Z",
                "created_at": created["created_at"], "updated_at": created["updated_at"],
            })
        );
        let fat = measure(
            &app,
            &ada,
            "body_fat_percentage",
            21.0,
            "2025-02-20T06:15:00Z",
        )
        .await;
        assert_eq!(fat["metric_display"], "Body Fat (%)");
        let url = format!("{MEASUREMENTS}{}/", created["id"]);
        let put = send(
            &app,
            &ada,
            Method::PUT,
            &url,
            json!({"measurement_type": "target", "value": 70, "timestamp": "2025-03-03T06:30:00Z"}),
        )
        .await;
        put.assert_status(StatusCode::OK);
        assert_eq!(put.json()["metric"], "weight_kg", "the stored metric stays");
        assert_eq!(put.json()["measurement_type_display"], "Target");
    }
}

#[tokio::test]
async fn values_are_non_negative_and_percentages_at_most_100() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let response = post(
            &app,
            &ada,
            MEASUREMENTS,
            json!({"metric": "bogus", "value": -1}),
        )
        .await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            response.json(),
            json!({
                "metric": ["\"bogus\" is not a valid choice."],
                "measurement_type": ["This field is required."],
                "value": ["Ensure this value is greater than or equal to 0."],
                "timestamp": ["This field is required."],
            })
        );
        let response = post(
            &app,
            &ada,
            MEASUREMENTS,
            json!({"metric": "muscle_mass_percentage", "measurement_type": "log", "value": 100.5, "timestamp": "2025-03-02T06:30:00Z"}),
        )
        .await;
        assert_eq!(
            response.json(),
            json!({"value": ["Ensure this value is less than or equal to 100."]})
        );
        // A weight over 100 is fine; patching its metric to a percentage is not.
        let heavy = measure(&app, &ada, "weight_kg", 120.0, "2025-03-02T06:30:00Z").await;
        let url = format!("{MEASUREMENTS}{}/", heavy["id"]);
        let response = send(
            &app,
            &ada,
            Method::PATCH,
            &url,
            json!({"metric": "body_fat_percentage"}),
        )
        .await;
        response.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            response.json(),
            json!({"value": ["Ensure this value is less than or equal to 100."]})
        );
        assert_eq!(
            get(&app, &ada, MEASUREMENTS).await.json()["count"],
            1,
            "nothing half-written"
        );
    }
}

#[tokio::test]
async fn list_filters_orders_and_isolates() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let a = measure(&app, &ada, "weight_kg", 72.0, "2025-03-01T06:30:00Z").await["id"]
            .as_i64()
            .expect("id");
        let b = measure(&app, &ada, "waist_cm", 80.0, "2025-03-03T06:30:00Z").await["id"]
            .as_i64()
            .expect("id");
        let c = created(
            &app,
            &ada,
            MEASUREMENTS,
            json!({"measurement_type": "target", "value": 65, "timestamp": "2025-03-02T06:30:00Z"}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let bobs = measure(&app, &bob, "weight_kg", 90.0, "2025-03-02T06:30:00Z").await["id"]
            .as_i64()
            .expect("id");
        let list = |query: &str| {
            let url = format!("{MEASUREMENTS}{query}");
            let (app, ada) = (&app, &ada);
            async move { ids(&get(app, ada, &url).await.json()) }
        };
        assert_eq!(list("").await, [b, c, a]);
        assert_eq!(list("?ordering=value").await, [c, a, b]);
        assert_eq!(list("?metric=weight_kg").await, [c, a]);
        assert_eq!(list("?measurement_type=target").await, [c]);
        assert_eq!(list("?search=waist").await.len(), 3, "no search: ignored");
        let response = get(&app, &ada, &format!("{MEASUREMENTS}?metric=height")).await;
        assert_eq!(
            response.json(),
            json!({"metric": ["Select a valid choice. height is not one of the available choices."]})
        );
        let response = get(&app, &ada, &format!("{MEASUREMENTS}{bobs}/")).await;
        response.assert_status(StatusCode::NOT_FOUND);
        assert_eq!(
            response.json(),
            json!({"detail": "No BodyMeasurement matches the given query."})
        );
        for path in [
            "latest/",
            "by_metric/?metric=weight_kg",
            "trends/?days=3650",
        ] {
            let found = get(&app, &ada, &format!("{MEASUREMENTS}{path}"))
                .await
                .json();
            let text = found.to_string();
            assert!(
                !text.contains("90.0") && !text.contains(&format!("\"id\":{bobs}")),
                "{path}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn latest_follows_the_requested_metrics() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        measure(&app, &ada, "weight_kg", 72.0, "2025-03-01T06:30:00Z").await;
        let tie_first = measure(&app, &ada, "weight_kg", 71.5, "2025-03-02T06:30:00Z").await;
        let weight = measure(&app, &ada, "weight_kg", 71.4, "2025-03-02T06:30:00Z").await;
        let fat = measure(
            &app,
            &ada,
            "body_fat_percentage",
            21.0,
            "2025-02-20T06:15:00Z",
        )
        .await;
        let waist = measure(&app, &ada, "waist_cm", 80.0, "2025-01-01T06:15:00Z").await;
        assert_ne!(tie_first["id"], weight["id"]);

        let latest = |query: &str| {
            let url = format!("{MEASUREMENTS}latest/{query}");
            let (app, ada) = (&app, &ada);
            async move { get(app, ada, &url).await.json() }
        };
        // Default: weight, body fat, muscle mass (none); the tie goes to the greater id.
        assert_eq!(latest("").await, json!([weight, fat]));
        assert_eq!(
            latest("?metrics=waist_cm&metrics=bogus&metrics=weight_kg").await,
            json!([waist, weight])
        );
        assert_eq!(
            latest("?metrics=waist_cm,weight_kg").await,
            json!([]),
            "not comma-separated"
        );
        assert_eq!(latest("?metrics=hip_cm").await, json!([]));
    }
}

#[tokio::test]
async fn by_metric_needs_a_metric() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let old = measure(&app, &ada, "waist_cm", 81.0, "2025-03-01T06:30:00Z").await;
        let new = measure(&app, &ada, "waist_cm", 80.0, "2025-03-02T06:30:00Z").await;
        measure(&app, &ada, "weight_kg", 72.0, "2025-03-02T06:30:00Z").await;
        for query in ["", "?metric="] {
            let response = get(&app, &ada, &format!("{MEASUREMENTS}by_metric/{query}")).await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(
                response.json(),
                json!({"error": "metric parameter is required"})
            );
        }
        assert_eq!(
            get(
                &app,
                &ada,
                &format!("{MEASUREMENTS}by_metric/?metric=waist_cm")
            )
            .await
            .json(),
            json!([new, old])
        );
        assert_eq!(
            get(
                &app,
                &ada,
                &format!("{MEASUREMENTS}by_metric/?metric=height")
            )
            .await
            .json(),
            json!([])
        );
    }
}

#[tokio::test]
async fn trends_cover_the_window_inclusively() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let today = datetime::today();
        let empty = get(&app, &ada, &format!("{MEASUREMENTS}trends/")).await;
        empty.assert_status(StatusCode::OK);
        assert_eq!(
            empty.json(),
            json!({
                "metric": "weight_kg", "period_days": 30,
                "start_date": datetime::format_date(today - Duration::days(30)),
                "end_date": datetime::format_date(today),
                "measurements": [], "count": 0,
            })
        );

        // The window's first day at midnight and its last day just before midnight count;
        // the day before the window does not.
        let first_day = today - Duration::days(30);
        measure(
            &app,
            &ada,
            "weight_kg",
            73.0,
            &at(first_day - Duration::days(1), "23:59:59"),
        )
        .await;
        measure(&app, &ada, "weight_kg", 72.1, &at(first_day, "00:00:00")).await;
        created(
            &app,
            &ada,
            MEASUREMENTS,
            json!({"measurement_type": "baseline", "value": 71.9, "timestamp": at(today - Duration::days(10), "12:00:00")}),
        )
        .await;
        measure(&app, &ada, "weight_kg", 71.4, &at(today, "23:59:59.999999")).await;
        measure(&app, &ada, "waist_cm", 80.0, &at(today, "08:00:00")).await;

        let trend = get(&app, &ada, &format!("{MEASUREMENTS}trends/"))
            .await
            .json();
        assert_eq!(
            trend["measurements"],
            json!([
                {"date": datetime::format_date(first_day), "value": 72.1, "measurement_type": "log"},
                {"date": datetime::format_date(today - Duration::days(10)), "value": 71.9, "measurement_type": "baseline"},
                {"date": datetime::format_date(today), "value": 71.4, "measurement_type": "log"},
            ])
        );
        assert_eq!(trend["count"], 3);

        let single = get(
            &app,
            &ada,
            &format!("{MEASUREMENTS}trends/?metric=waist_cm&days=0"),
        )
        .await
        .json();
        assert_eq!(single["count"], 1);
        assert_eq!(single["start_date"], single["end_date"]);
        let unknown = get(&app, &ada, &format!("{MEASUREMENTS}trends/?metric=height"))
            .await
            .json();
        assert_eq!(
            (unknown["metric"].clone(), unknown["count"].clone()),
            (json!("height"), json!(0))
        );
        let negative = get(&app, &ada, &format!("{MEASUREMENTS}trends/?days=-5"))
            .await
            .json();
        assert_eq!(negative["count"], 0);

        for (days, message) in [
            ("x", "A valid integer is required."),
            ("4000", "Ensure this value is less than or equal to 3650."),
        ] {
            let response = get(&app, &ada, &format!("{MEASUREMENTS}trends/?days={days}")).await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(response.json(), json!({"days": [message]}));
        }
    }
}

#[tokio::test]
async fn summary_lists_seven_metrics_in_order() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let empty = get(&app, &ada, &format!("{MEASUREMENTS}summary/")).await;
        empty.assert_status(StatusCode::OK);
        assert_eq!(empty.text(), "{}");

        measure(&app, &ada, "bmi_value", 23.2, "2025-02-28T23:30:00-02:00").await; // 1 March in UTC
        measure(&app, &ada, "weight_kg", 72.0, "2025-03-01T06:30:00Z").await;
        created(&app, &ada, MEASUREMENTS, json!({"measurement_type": "target", "value": 71.4, "timestamp": "2025-03-02T06:30:00Z"})).await;
        measure(
            &app,
            &ada,
            "arm_circumference_cm",
            30.0,
            "2025-03-02T06:30:00Z",
        )
        .await;
        let summary = get(&app, &ada, &format!("{MEASUREMENTS}summary/")).await;
        assert_eq!(
            summary.text(),
            r#"{"weight_kg":{"latest_value":71.4,"latest_date":"2025-03-02","measurement_type":"target"},"bmi_value":{"latest_value":23.2,"latest_date":"2025-03-01","measurement_type":"log"}}"#
        );
    }
}

#[tokio::test]
async fn bulk_create_is_all_or_nothing() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bulk = |body: Value| {
            let (app, ada) = (&app, &ada);
            async move {
                app.call(Method::POST, &format!("{MEASUREMENTS}bulk_create/"))
                    .by(ada)
                    .json(&body)
                    .send()
                    .await
            }
        };
        let ok = bulk(json!({"measurements": [
            {"metric": "weight_kg", "measurement_type": "log", "value": 75.5, "timestamp": "2025-03-02T06:30:00Z"},
            {"metric": "body_fat_percentage", "measurement_type": "log", "value": 15.2, "timestamp": "2025-03-02T06:30:00Z"},
        ]}))
        .await;
        ok.assert_status(StatusCode::CREATED);
        let created = ok.json();
        assert_eq!(created[0]["value"], json!(75.5));
        assert_eq!(created[1]["metric_display"], "Body Fat (%)");

        for body in [json!({"measurements": []}), json!({})] {
            let response = bulk(body).await;
            response.assert_status(StatusCode::CREATED);
            assert_eq!(response.json(), json!([]));
        }

        let refused = bulk(json!({"measurements": [
            {"metric": "weight_kg", "measurement_type": "log", "value": 75.5, "timestamp": "2025-03-03T06:30:00Z"},
            {"metric": "bogus", "measurement_type": "log", "timestamp": "2025-03-03T06:30:00Z"},
        ]}))
        .await;
        refused.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.json(),
            json!({
                "error": "Invalid measurement data: {\"metric\":[\"\\\"bogus\\\" is not a valid choice.\"],\"value\":[\"This field is required.\"]}",
                "item": 1,
            })
        );
        let shape = json!({"error": "Invalid measurement data: expected an object with a \"measurements\" list of objects"});
        for body in [
            json!([1, 2]),
            json!({"measurements": "many"}),
            json!({"measurements": [1]}),
        ] {
            let response = bulk(body).await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(response.json(), shape);
        }
        let item =
            json!({"measurement_type": "log", "value": 70, "timestamp": "2025-03-03T06:30:00Z"});
        let too_many = bulk(json!({"measurements": vec![item.clone(); 1001]})).await;
        too_many.assert_status(StatusCode::BAD_REQUEST);
        assert!(
            too_many.json()["error"]
                .as_str()
                .unwrap_or_default()
                .contains("at most 1000")
        );
        let at_the_cap = bulk(json!({"measurements": vec![item; 1000]})).await;
        at_the_cap.assert_status(StatusCode::CREATED);

        assert_eq!(
            get(&app, &ada, MEASUREMENTS).await.json()["count"],
            1002,
            "the refused requests wrote nothing"
        );
    }
}
