//! `GET /api/nutrition/diary/` (§6.3).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;

use super::{date_text, move_to, record, zone};
use crate::helpers::{Session, TestApp};
use crate::nutrition::{created, get, send};

const DIARY: &str = "/api/nutrition/diary/";

pub(super) async fn diet(app: &TestApp, user: &Session, body: Value) -> i64 {
    let mut full = json!({
        "day_proteins_g": 160, "day_fats_g": 70, "day_carbohydrates_g": 300,
        "day_calories_kcal": 2500,
    });
    for (key, value) in body.as_object().expect("object") {
        full[key] = value.clone();
    }
    created(app, user, "/api/nutrition/diets/", full).await["id"]
        .as_i64()
        .expect("id")
}

/// Each day's `diet` id (or null), in order.
fn diets_by_day(diary: &Value) -> Vec<Value> {
    diary["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|day| day["diet"]["id"].clone())
        .collect()
}

#[tokio::test]
async fn the_contract_example_day_by_day_in_new_york() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        move_to(&app, &ada, "America/New_York").await;
        let lean = diet(
            &app,
            &ada,
            json!({"name": "Lean bulk", "start_date": "2025-03-01"}),
        )
        .await;
        // 22:30 on 1 March in New York, the next UTC day: counted on 1 March.
        for (at, calories, proteins, fats, carbs) in [
            ("2025-03-02T03:30:00Z", 1000.5, 51.2, 30.0, 100.3),
            ("2025-03-01T14:00:00Z", 800.0, 50.0, 25.0, 80.0),
            ("2025-03-01T18:00:00Z", 310.0, 30.0, 15.0, 40.0),
            ("2025-03-01T23:00:00Z", 200.0, 20.0, 10.0, 35.0),
        ] {
            created(
                &app,
                &ada,
                "/api/nutrition/records/",
                json!({"meal_name": "x", "timestamp": at, "calories": calories,
                       "proteins": proteins, "fats": fats, "carbs": carbs}),
            )
            .await;
        }
        let diary = get(
            &app,
            &ada,
            &format!("{DIARY}?start=2025-03-01&end=2025-03-02"),
        )
        .await;
        diary.assert_status(StatusCode::OK);
        let diary = diary.json();
        assert_eq!(diary["time_zone"], "America/New_York");
        assert_eq!(
            (diary["start"].clone(), diary["end"].clone()),
            (json!("2025-03-01"), json!("2025-03-02"))
        );
        let first = &diary["days"][0];
        assert_eq!(first["date"], "2025-03-01");
        assert_eq!(first["diet"], json!({"id": lean, "name": "Lean bulk"}));
        assert_eq!(
            first["target"],
            json!({"calories": 2500.0, "proteins": 160.0, "fats": 70.0, "carbs": 300.0})
        );
        assert_eq!(first["record_count"], 4);
        let actual = &first["actual"];
        let close = |value: &Value, expected: f64| {
            let value = value.as_f64().expect("number");
            assert!((value - expected).abs() < 1e-9, "{value} ≠ {expected}");
        };
        for (key, expected) in [
            ("calories", 2310.5),
            ("proteins", 151.2),
            ("fats", 80.0),
            ("carbs", 255.3),
        ] {
            close(&actual[key], expected);
            close(
                &first["remaining"][key],
                first["target"][key].as_f64().expect("target") - expected,
            );
            close(&diary["totals"][key], expected);
            close(&diary["averages"][key], expected / 2.0);
        }
        assert!(
            first["remaining"]["fats"].as_f64().expect("fats") < 0.0,
            "negative when over"
        );
        let second = &diary["days"][1];
        assert_eq!(second["record_count"], 0, "a day without records is there");
        for key in ["calories", "proteins", "fats", "carbs"] {
            close(&second["actual"][key], 0.0);
            assert_eq!(second["remaining"][key], second["target"][key]);
        }
    }
}

#[tokio::test]
async fn each_day_has_the_diet_in_effect_that_day() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        // 1–10 March: a diet that ends on the 3rd; from the 2nd a longer one; from the 4th an
        // active one; the 8th to the 9th nothing but a gap before a last diet from the 10th;
        // two diets starting on the same day on the 6th: the later id wins.
        let ended = diet(
            &app,
            &ada,
            json!({"name": "Ended", "start_date": "2025-03-01", "end_date": "2025-03-03"}),
        )
        .await;
        let longer = diet(
            &app,
            &ada,
            json!({"name": "Longer", "start_date": "2025-03-02", "end_date": "2025-03-05"}),
        )
        .await;
        let active = diet(&app, &ada, json!({"name": "Active", "start_date": "2025-03-04", "end_date": "2025-03-06", "is_active": true})).await;
        let _same_day_first = diet(
            &app,
            &ada,
            json!({"name": "Twin A", "start_date": "2025-03-07", "end_date": "2025-03-07"}),
        )
        .await;
        let same_day_second = diet(
            &app,
            &ada,
            json!({"name": "Twin B", "start_date": "2025-03-07", "end_date": "2025-03-07"}),
        )
        .await;
        let last = diet(
            &app,
            &ada,
            json!({"name": "Last", "start_date": "2025-03-10"}),
        )
        .await;
        // Another user's diet is never anyone else's diet in effect.
        let bob = app.register("bob").await;
        diet(
            &app,
            &bob,
            json!({"name": "Bob's", "start_date": "2025-03-01", "is_active": true}),
        )
        .await;

        let diary = get(
            &app,
            &ada,
            &format!("{DIARY}?start=2025-03-01&end=2025-03-11"),
        )
        .await
        .json();
        assert_eq!(
            diets_by_day(&diary),
            [
                json!(ended),           // 1: only it
                json!(longer),          // 2: overlapping, the latest start
                json!(longer),          // 3
                json!(active),          // 4: the active one, though not the latest start
                json!(active),          // 5
                json!(active),          // 6
                json!(same_day_second), // 7: same start, the greater id
                Value::Null,            // 8: a gap
                Value::Null,            // 9
                json!(last),            // 10
                json!(last),            // 11: no end date
            ]
        );
        let gap = &diary["days"][7];
        assert_eq!(
            (gap["target"].clone(), gap["remaining"].clone()),
            (Value::Null, Value::Null)
        );
        assert_eq!(gap["actual"]["calories"], 0.0);
        // Ending the diet changes the days after its new end.
        send(
            &app,
            &ada,
            Method::PATCH,
            &format!("/api/nutrition/diets/{last}/"),
            json!({"end_date": "2025-03-10"}),
        )
        .await
        .assert_status(StatusCode::OK);
        let diary = get(
            &app,
            &ada,
            &format!("{DIARY}?start=2025-03-10&end=2025-03-11"),
        )
        .await
        .json();
        assert_eq!(diets_by_day(&diary), [json!(last), Value::Null]);
    }
}

#[tokio::test]
async fn the_range_defaults_to_today_and_is_limited() {
    for app in TestApp::all().await {
        let ktm = app.register("ktm").await;
        move_to(&app, &ktm, "Asia/Kathmandu").await;
        let kathmandu = zone("Asia/Kathmandu");
        let today = kathmandu.today();
        let (_, first_of_today) = super::around_local_midnight(&kathmandu);
        record(&app, &ktm, "early", &first_of_today.to_wire(), 500.0).await;

        let diary = get(&app, &ktm, DIARY).await.json();
        assert_eq!(diary["start"], date_text(today));
        assert_eq!(diary["end"], date_text(today));
        assert_eq!(diary["days"].as_array().map(Vec::len), Some(1));
        assert_eq!(diary["days"][0]["record_count"], 1);
        assert_eq!(diary["days"][0]["diet"], Value::Null);

        let year_ago = date_text(today - Duration::days(365));
        let full = get(&app, &ktm, &format!("{DIARY}?start={year_ago}")).await;
        full.assert_status(StatusCode::OK);
        assert_eq!(full.json()["days"].as_array().map(Vec::len), Some(366));

        for (query, expected) in [
            (
                format!("start={}", date_text(today - Duration::days(366))),
                json!({"end": ["Ensure the range spans at most 366 days."]}),
            ),
            (
                "start=2025-03-02&end=2025-03-01".to_owned(),
                json!({"end": ["Ensure this date is not before start."]}),
            ),
            (
                "start=2025-3-1&end=2025-03-01".to_owned(),
                json!({"start": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}),
            ),
            (
                "start=2025-03-01&end=tomorrow".to_owned(),
                json!({"end": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}),
            ),
        ] {
            let refused = get(&app, &ktm, &format!("{DIARY}?{query}")).await;
            refused.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(refused.json(), expected, "{query}");
        }
        let anonymous = app.get(DIARY).await;
        anonymous.assert_status(StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn the_csv_form_quotes_text_and_defuses_formulas() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        diet(&app, &ada, json!({"name": "=HYPERLINK(\"http://x\",\"Cut, hard\")", "start_date": "2025-03-01", "end_date": "2025-03-01"})).await;
        diet(
            &app,
            &ada,
            json!({"name": "Lean bulk", "start_date": "2025-03-02", "end_date": "2025-03-02"}),
        )
        .await;
        created(
            &app,
            &ada,
            "/api/nutrition/records/",
            json!({"meal_name": "x", "timestamp": "2025-03-01T12:00:00Z", "calories": 2310.5,
                   "proteins": 151.2, "fats": 80, "carbs": 255.3}),
        )
        .await;
        let uri = format!("{DIARY}?start=2025-03-01&end=2025-03-03");
        let by_format = get(&app, &ada, &format!("{uri}&format=csv")).await;
        by_format.assert_status(StatusCode::OK);
        assert_eq!(
            by_format.header("content-type"),
            Some("text/csv; charset=utf-8")
        );
        assert_eq!(
            by_format.header("content-disposition"),
            Some("attachment; filename=\"fithub-diary-2025-03-01-2025-03-03.csv\"")
        );
        let lines: Vec<String> = by_format.text().lines().map(str::to_owned).collect();
        assert_eq!(
            lines,
            [
                "date,diet,target_calories,target_proteins,target_fats,target_carbs,calories,proteins,fats,carbs,record_count",
                "2025-03-01,\"'=HYPERLINK(\"\"http://x\"\",\"\"Cut, hard\"\")\",2500,160,70,300,2310.5,151.2,80,255.3,1",
                "2025-03-02,Lean bulk,2500,160,70,300,0,0,0,0,0",
                "2025-03-03,,,,,,0,0,0,0,0",
            ]
        );
        let by_accept = app
            .call(Method::GET, &uri)
            .by(&ada)
            .header("accept", "text/csv")
            .send()
            .await;
        assert_eq!(by_accept.body, by_format.body);
        let json_first = app
            .call(Method::GET, &format!("{uri}&format=json"))
            .by(&ada)
            .header("accept", "application/json, text/csv")
            .send()
            .await;
        assert_eq!(json_first.json()["days"].as_array().map(Vec::len), Some(3));
        let refused = get(
            &app,
            &ada,
            &format!("{DIARY}?start=2025-03-02&end=2025-03-01&format=csv"),
        )
        .await;
        refused.assert_status(StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn days_of_23_and_25_hours_get_their_own_records() {
    for app in TestApp::all().await {
        let ny = app.register("ny").await;
        move_to(&app, &ny, "America/New_York").await;
        for at in [
            "2025-03-09T04:30:00Z",        // 23:30 on 8 March (EST)
            "2025-03-10T03:30:00Z",        // 23:30 on 9 March (EDT): the 23-hour day
            "2025-03-10T04:00:00.000001Z", // just after midnight on 10 March
            "2025-03-11T03:59:59Z",        // the last second of 10 March
            "2025-11-02T04:00:00Z",        // midnight starting 2 November (EDT)
            "2025-11-03T04:30:00Z",        // 23:30 on 2 November (EST): the 25-hour day
        ] {
            record(&app, &ny, "x", at, 10.0).await;
        }
        let counts = |diary: Value| -> Vec<i64> {
            diary["days"]
                .as_array()
                .expect("days")
                .iter()
                .map(|day| day["record_count"].as_i64().expect("count"))
                .collect()
        };
        let march = get(
            &app,
            &ny,
            &format!("{DIARY}?start=2025-03-07&end=2025-03-11"),
        )
        .await;
        assert_eq!(counts(march.json()), [0, 1, 1, 2, 0]);
        let november = get(
            &app,
            &ny,
            &format!("{DIARY}?start=2025-11-01&end=2025-11-03"),
        )
        .await;
        assert_eq!(counts(november.json()), [0, 2, 0]);
        let year = get(
            &app,
            &ny,
            &format!("{DIARY}?start=2025-01-01&end=2025-12-31"),
        )
        .await
        .json();
        assert_eq!(counts(year).iter().sum::<i64>(), 6);
    }
}
