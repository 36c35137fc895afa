use axum::http::{Method, StatusCode};
use fithub_core::datetime::{self, Timestamp};
use serde_json::{Value, json};
use time::Duration;

use super::{created, diet, get, ids, meal, post, public_ingredient, send};
use crate::helpers::{Session, TestApp};

const RECORDS: &str = "/api/nutrition/records/";

/// A timestamp `days` before now, in the wire form.
fn days_ago(days: i64) -> String {
    (Timestamp::now() - Duration::days(days)).to_wire()
}

/// A meal of `session` holding the contract's example: 80 g oats and 200 g milk.
async fn oats_and_milk(app: &TestApp, session: &Session) -> i64 {
    let diet_id = diet(app, session, "Lean bulk").await;
    let meal_id = meal(app, session, diet_id, "Overnight oats").await;
    for (name, nutrients, quantity) in [
        ("Rolled oats", [379.0, 13.0, 7.0, 68.0], 80),
        ("Milk", [42.0, 3.4, 1.0, 5.0], 200),
    ] {
        let ingredient = public_ingredient(app, name, nutrients).await;
        post(
            app,
            session,
            &format!("/api/nutrition/meals/{meal_id}/add_ingredient/"),
            json!({"ingredient_id": ingredient, "quantity": quantity, "unit": "g"}),
        )
        .await
        .assert_status(StatusCode::CREATED);
    }
    meal_id
}

#[tokio::test]
async fn planned_and_ad_hoc_records_have_the_contract_shape() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let meal_id = oats_and_milk(&app, &ada).await;
        let planned = created(
            &app,
            &ada,
            RECORDS,
            json!({"meal_id": meal_id, "timestamp": "2025-03-02T08:45:00+01:00", "feedback": "Filling", "photo": "x.jpg"}),
        )
        .await;
        assert_eq!(planned["meal"]["id"], meal_id);
        assert_eq!(planned["meal"]["diet"]["user"]["username"], "ada");
        assert_eq!(planned["timestamp"], "2025-03-02T07:45:00Z");
        assert_eq!(planned["photo"], Value::Null);
        assert_eq!(planned["user"]["id"], ada.id);
        assert!(planned.get("meal_id").is_none());
        for key in [
            "meal_name",
            "quantity_grams",
            "calories",
            "proteins",
            "carbs",
            "fats",
        ] {
            assert_eq!(planned[key], Value::Null, "{key} is always present");
        }

        let ad_hoc = created(
            &app,
            &ada,
            RECORDS,
            json!({
                "meal_name": "Street tacos", "quantity_grams": 250, "calories": 520, "proteins": 24,
                "carbs": 48, "fats": 22, "timestamp": "2025-03-02T12:10:00Z",
            }),
        )
        .await;
        assert_eq!(ad_hoc["meal"], Value::Null);
        assert_eq!(ad_hoc["meal_name"], "Street tacos");
        assert_eq!(ad_hoc["quantity_grams"], json!(250.0));
        assert_eq!(ad_hoc["feedback"], Value::Null);

        // The lists read each record's meal in the same statement: the same objects.
        let today = datetime::format_date(datetime::today());
        let planned_today = created(
            &app,
            &ada,
            RECORDS,
            json!({"meal_id": meal_id, "timestamp": format!("{today}T12:00:00Z")}),
        )
        .await;
        let listed = get(&app, &ada, RECORDS).await.json();
        assert_eq!(
            listed["results"],
            json!([planned_today, ad_hoc, planned]),
            "newest first"
        );
        let todays = get(&app, &ada, &format!("{RECORDS}today/")).await.json();
        assert_eq!(todays, json!([planned_today]));
    }
}

#[tokio::test]
async fn a_record_needs_a_meal_or_a_name() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let bobs_meal = {
            let diet_id = diet(&app, &bob, "Bob's").await;
            meal(&app, &bob, diet_id, "Bob's meal").await
        };
        let ts = "2025-03-02T12:10:00Z";
        let cases = [
            (
                json!({"timestamp": ts}),
                json!({"meal_id": ["This field is required."]}),
            ),
            (
                json!({"timestamp": ts, "meal_id": null}),
                json!({"meal_id": ["This field is required."]}),
            ),
            (
                json!({"timestamp": ts, "meal_name": "  "}),
                json!({"meal_name": ["This field may not be blank."]}),
            ),
            (
                json!({"timestamp": ts, "meal_id": bobs_meal}),
                json!({"meal_id": [format!("Invalid pk \"{bobs_meal}\" - object does not exist.")]}),
            ),
            (
                json!({"meal_name": "x", "timestamp": "yesterday", "calories": -1}),
                json!({
                    "timestamp": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],
                    "calories": ["Ensure this value is greater than or equal to 0."],
                }),
            ),
            (
                json!({"meal_name": "x"}),
                json!({"timestamp": ["This field is required."]}),
            ),
            // Every invalid key at once, the missing meal among them.
            (
                json!({}),
                json!({
                    "meal_id": ["This field is required."],
                    "timestamp": ["This field is required."],
                }),
            ),
        ];
        for (body, expected) in cases {
            let response = post(&app, &ada, RECORDS, body.clone()).await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(response.json(), expected, "{body}");
        }
        assert_eq!(
            get(&app, &ada, RECORDS).await.json()["count"],
            0,
            "nothing written"
        );
    }
}

#[tokio::test]
async fn patch_switches_between_planned_and_ad_hoc() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let diet_id = diet(&app, &ada, "Cut").await;
        let meal_id = meal(&app, &ada, diet_id, "Oats").await;
        let record = created(
            &app,
            &ada,
            RECORDS,
            json!({"meal_id": meal_id, "timestamp": "2025-03-02T07:45:00Z"}),
        )
        .await;
        let url = format!("{RECORDS}{}/", record["id"]);
        let refused = send(&app, &ada, Method::PATCH, &url, json!({"meal_id": null})).await;
        refused.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.json(),
            json!({"meal_id": ["This field is required."]})
        );

        let switched = send(
            &app,
            &ada,
            Method::PATCH,
            &url,
            json!({"meal_id": null, "meal_name": "Tacos"}),
        )
        .await;
        switched.assert_status(StatusCode::OK);
        assert_eq!(switched.json()["meal"], Value::Null);
        assert_eq!(switched.json()["meal_name"], "Tacos");

        let back = send(&app, &ada, Method::PATCH, &url, json!({"meal_id": meal_id})).await;
        assert_eq!(back.json()["meal"]["id"], meal_id);
        // PUT needs the timestamp again; the stored meal stands in for an absent meal_id.
        let put = send(&app, &ada, Method::PUT, &url, json!({"feedback": "ok"})).await;
        assert_eq!(
            put.json(),
            json!({"timestamp": ["This field is required."]})
        );
        let put = send(
            &app,
            &ada,
            Method::PUT,
            &url,
            json!({"timestamp": "2025-03-03T07:45:00Z"}),
        )
        .await;
        put.assert_status(StatusCode::OK);
        assert_eq!(put.json()["meal"]["id"], meal_id);
    }
}

#[tokio::test]
async fn today_lists_todays_records_newest_first() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let today = datetime::format_date(datetime::today());
        let early = created(
            &app,
            &ada,
            RECORDS,
            json!({"meal_name": "Early", "timestamp": format!("{today}T00:00:00Z")}),
        )
        .await;
        let late = created(
            &app,
            &ada,
            RECORDS,
            json!({"meal_name": "Late", "timestamp": format!("{today}T23:59:59.999999Z")}),
        )
        .await;
        created(
            &app,
            &ada,
            RECORDS,
            json!({"meal_name": "Yesterday", "timestamp": days_ago(1)}),
        )
        .await;
        created(
            &app,
            &bob,
            RECORDS,
            json!({"meal_name": "Bob's", "timestamp": format!("{today}T12:00:00Z")}),
        )
        .await;
        let listed = get(&app, &ada, &format!("{RECORDS}today/")).await;
        listed.assert_status(StatusCode::OK);
        let listed: Vec<Value> = listed.json().as_array().expect("array").clone();
        let found: Vec<&Value> = listed.iter().map(|record| &record["id"]).collect();
        assert_eq!(found, [&late["id"], &early["id"]]);
    }
}

#[tokio::test]
async fn the_summary_counts_planned_and_ad_hoc_records_in_the_window() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let meal_id = oats_and_milk(&app, &ada).await;
        let today = datetime::today();
        let start = today - Duration::days(7);
        let at =
            |date: time::Date, clock: &str| format!("{}T{clock}Z", datetime::format_date(date));
        // Both ends of the window count; a day before it does not.
        for timestamp in [at(today, "23:59:59"), at(start, "00:00:00")] {
            created(
                &app,
                &ada,
                RECORDS,
                json!({"meal_id": meal_id, "timestamp": timestamp}),
            )
            .await;
        }
        created(
            &app,
            &ada,
            RECORDS,
            json!({"meal_id": meal_id, "timestamp": at(start - Duration::days(1), "23:59:59")}),
        )
        .await;
        created(
            &app,
            &ada,
            RECORDS,
            json!({"meal_name": "Tacos", "calories": 520, "proteins": null, "timestamp": at(today, "12:00:00")}),
        )
        .await;
        created(
            &app,
            &bob,
            RECORDS,
            json!({"meal_name": "Bob's", "calories": 1000, "timestamp": at(today, "12:00:00")}),
        )
        .await;

        let summary = get(&app, &ada, &format!("{RECORDS}nutrition_summary/")).await;
        summary.assert_status(StatusCode::OK);
        let summary = summary.json();
        assert_eq!(summary["period_days"], 7);
        assert_eq!(summary["start_date"], datetime::format_date(start));
        assert_eq!(summary["end_date"], datetime::format_date(today));
        assert_eq!(summary["record_count"], 3);
        let close = |key: &str, expected: f64| {
            let value = summary[key].as_f64().expect("number");
            assert!(
                (value - expected).abs() < 1e-9,
                "{key}: {value} vs {expected}"
            );
        };
        close("total_calories", 2.0 * 387.2 + 520.0);
        close("total_proteins", 2.0 * 17.2);
        close("total_fats", 2.0 * 7.6);
        close("total_carbs", 2.0 * 64.4);

        // days=0 is today only; a negative window is empty, with zeros as integers.
        let today_only = get(&app, &ada, &format!("{RECORDS}nutrition_summary/?days=0"))
            .await
            .json();
        assert_eq!(today_only["record_count"], 2);
        let empty = get(&app, &ada, &format!("{RECORDS}nutrition_summary/?days=-2")).await;
        let text = empty.text();
        assert!(
            text.contains(r#""total_calories":0,"#) && text.contains(r#""record_count":0"#),
            "{text}"
        );
        assert_eq!(
            empty.json()["start_date"],
            datetime::format_date(today + Duration::days(2))
        );

        for (days, message) in [
            ("abc", "A valid integer is required."),
            ("1.5", "A valid integer is required."),
            ("3651", "Ensure this value is less than or equal to 3650."),
            (
                "-3651",
                "Ensure this value is greater than or equal to -3650.",
            ),
            (
                "99999999999999999999",
                "Ensure this value is less than or equal to 3650.",
            ),
        ] {
            let response = get(
                &app,
                &ada,
                &format!("{RECORDS}nutrition_summary/?days={days}"),
            )
            .await;
            response.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(response.json(), json!({"days": [message]}));
        }
        get(
            &app,
            &ada,
            &format!("{RECORDS}nutrition_summary/?days=3650"),
        )
        .await
        .assert_status(StatusCode::OK);
    }
}

#[tokio::test]
async fn list_filters_searches_and_isolates() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        let diet_id = diet(&app, &ada, "Cut").await;
        let meal_id = meal(&app, &ada, diet_id, "Oats").await;
        let planned = created(
            &app,
            &ada,
            RECORDS,
            json!({"meal_id": meal_id, "timestamp": "2025-03-02T07:45:00Z", "feedback": "filling"}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let tacos = created(
            &app,
            &ada,
            RECORDS,
            json!({"meal_name": "Street tacos", "timestamp": "2025-03-03T12:00:00Z"}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let bobs = created(
            &app,
            &bob,
            RECORDS,
            json!({"meal_name": "Street tacos", "timestamp": "2025-03-03T12:00:00Z"}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let list = |query: &str| {
            let url = format!("{RECORDS}{query}");
            let (app, ada) = (&app, &ada);
            async move { ids(&get(app, ada, &url).await.json()) }
        };
        assert_eq!(list("").await, [tacos, planned], "newest timestamp first");
        assert_eq!(list("?ordering=timestamp").await, [planned, tacos]);
        assert_eq!(list(&format!("?meal={meal_id}")).await, [planned]);
        assert_eq!(
            list("?timestamp=2025-03-02T08:45:00%2B01:00").await,
            [planned]
        );
        assert_eq!(list("?search=tacos").await, [tacos]);
        assert_eq!(list("?search=FILLING").await, [planned]);
        let response = get(&app, &ada, &format!("{RECORDS}?timestamp=noon&meal=x")).await;
        assert_eq!(
            response.json(),
            json!({
                "timestamp": ["Enter a valid date/time."],
                "meal": ["Select a valid choice. That choice is not one of the available choices."],
            })
        );
        let url = format!("{RECORDS}{bobs}/");
        let response = get(&app, &ada, &url).await;
        response.assert_status(StatusCode::NOT_FOUND);
        assert_eq!(
            response.json(),
            json!({"detail": "No MealRecord matches the given query."})
        );
        send(
            &app,
            &ada,
            Method::PATCH,
            &url,
            json!({"meal_name": "mine"}),
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
        app.call(Method::DELETE, &url)
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.call(Method::DELETE, &format!("{RECORDS}{tacos}/"))
            .by(&ada)
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
    }
}
