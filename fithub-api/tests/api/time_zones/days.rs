//! Every calendar rule of §1.4 follows the caller's zone (§6.1).

use axum::http::StatusCode;
use serde_json::{Value, json};
use time::Duration;

use super::{
    around_local_midnight, date_text, ids, move_to, record, wire, zone, zone_off_utc_today,
};
use crate::helpers::TestApp;
use crate::nutrition::{created, diet_body, get};

#[tokio::test]
async fn records_today_and_the_summary_follow_the_zone_around_local_midnight() {
    for app in TestApp::all().await {
        for (username, name) in [("ny", "America/New_York"), ("ktm", "Asia/Kathmandu")] {
            let user = app.register(username).await;
            move_to(&app, &user, name).await;
            let zone = zone(name);
            let (last_of_yesterday, first_of_today) = around_local_midnight(&zone);
            let yesterday = record(&app, &user, "late", &wire(last_of_yesterday), 100.0).await;
            let today = record(&app, &user, "early", &wire(first_of_today), 250.0).await;

            let todays = get(&app, &user, "/api/nutrition/records/today/")
                .await
                .json();
            assert_eq!(ids(&todays), [today["id"].clone()], "{name}");

            let summary = get(
                &app,
                &user,
                "/api/nutrition/records/nutrition_summary/?days=0",
            )
            .await
            .json();
            let today_text = date_text(zone.today());
            assert_eq!(
                summary,
                json!({
                    "period_days": 0, "start_date": today_text, "end_date": today_text,
                    "total_calories": 250.0, "total_proteins": 25.0, "total_fats": 25.0,
                    "total_carbs": 25.0, "record_count": 1,
                }),
                "{name}"
            );
            let two_days = get(
                &app,
                &user,
                "/api/nutrition/records/nutrition_summary/?days=1",
            )
            .await
            .json();
            assert_eq!(two_days["record_count"], 2, "{name}");
            assert_eq!(two_days["total_calories"], 350.0, "{name}");
            assert_eq!(
                two_days["start_date"],
                date_text(zone.today() - Duration::days(1))
            );
            assert!(!ids(&todays).contains(&yesterday["id"]));
        }
    }
}

async fn weigh(app: &TestApp, user: &crate::helpers::Session, value: f64, at: &str) {
    created(
        app,
        user,
        "/api/goals/measurements/",
        json!({"measurement_type": "log", "value": value, "timestamp": at}),
    )
    .await;
}

#[tokio::test]
async fn trends_date_points_and_buckets_by_local_date() {
    for app in TestApp::all().await {
        let ktm = app.register("ktm").await;
        move_to(&app, &ktm, "Asia/Kathmandu").await;
        let zone = zone("Asia/Kathmandu");
        let today = zone.today();
        let (last_of_yesterday, first_of_today) = around_local_midnight(&zone);
        weigh(&app, &ktm, 72.0, &wire(last_of_yesterday)).await;
        weigh(&app, &ktm, 71.0, &wire(first_of_today)).await;
        weigh(
            &app,
            &ktm,
            70.0,
            &wire(first_of_today + Duration::minutes(1)),
        )
        .await;
        // Outside the window: a day before it starts.
        weigh(
            &app,
            &ktm,
            90.0,
            &wire(zone.start_of(today - Duration::days(2))),
        )
        .await;

        let trend = get(&app, &ktm, "/api/goals/measurements/trends/?days=1")
            .await
            .json();
        assert_eq!(trend["start_date"], date_text(today - Duration::days(1)));
        assert_eq!(trend["end_date"], date_text(today));
        let dates: Vec<&Value> = trend["measurements"]
            .as_array()
            .expect("points")
            .iter()
            .map(|point| &point["date"])
            .collect();
        let (yesterday_text, today_text) = (date_text(today - Duration::days(1)), date_text(today));
        assert_eq!(
            dates,
            [
                &json!(yesterday_text),
                &json!(today_text),
                &json!(today_text)
            ]
        );
        assert_eq!(trend["count"], 3);

        let by_day = get(
            &app,
            &ktm,
            "/api/goals/measurements/trends/?days=1&bucket=day",
        )
        .await
        .json();
        assert_eq!(
            by_day["measurements"],
            json!([
                {"date": yesterday_text, "value": 72.0, "min": 72.0, "max": 72.0, "count": 1},
                {"date": today_text, "value": 70.5, "min": 70.0, "max": 71.0, "count": 2},
            ])
        );
        assert_eq!(by_day["count"], 2, "the number of buckets");

        // A week or a month that began before the window is dated by its first day, and
        // counts only what is inside the window.
        for (bucket, first) in [
            ("week", fithub_core::calendar::Bucket::Week),
            ("month", fithub_core::calendar::Bucket::Month),
        ] {
            let answer = get(
                &app,
                &ktm,
                &format!("/api/goals/measurements/trends/?days=1&bucket={bucket}"),
            )
            .await
            .json();
            let points = answer["measurements"].as_array().expect("points");
            let total: i64 = points
                .iter()
                .map(|p| p["count"].as_i64().expect("count"))
                .sum();
            assert_eq!(total, 3, "{bucket}");
            assert_eq!(
                points[0]["date"],
                date_text(first.first_date(today - Duration::days(1)))
            );
            assert_eq!(answer["count"], points.len());
        }

        let refused = get(&app, &ktm, "/api/goals/measurements/trends/?bucket=hour").await;
        refused.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.json(),
            json!({"bucket": ["Select a valid choice. hour is not one of the available choices."]})
        );
        let empty = get(
            &app,
            &ktm,
            "/api/goals/measurements/trends/?days=-1&bucket=day",
        )
        .await
        .json();
        assert_eq!(
            (empty["measurements"].clone(), empty["count"].clone()),
            (json!([]), json!(0))
        );
    }
}

#[tokio::test]
async fn goal_deadlines_and_days_remaining_count_from_the_local_today() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let zone = zone_off_utc_today();
        move_to(&app, &ada, zone.name()).await;
        let today = zone.today();
        let goal = |days: i64| json!({"goal_type": "endurance", "target_date": date_text(today + Duration::days(days))});
        let due_today = created(&app, &ada, "/api/goals/goals/", goal(0)).await;
        let due_yesterday = created(&app, &ada, "/api/goals/goals/", goal(-1)).await;
        let due_tomorrow = created(&app, &ada, "/api/goals/goals/", goal(1)).await;
        assert_eq!(due_today["days_remaining"], 0, "{}", zone.name());
        assert_eq!(due_yesterday["days_remaining"], -1);
        assert_eq!(due_tomorrow["days_remaining"], 1);

        let upcoming = get(&app, &ada, "/api/goals/goals/upcoming/").await.json();
        assert_eq!(
            ids(&upcoming),
            [due_today["id"].clone(), due_tomorrow["id"].clone()]
        );
        let overdue = get(&app, &ada, "/api/goals/goals/overdue/").await.json();
        assert_eq!(ids(&overdue), [due_yesterday["id"].clone()]);
        let listed = get(&app, &ada, "/api/goals/goals/?ordering=target_date")
            .await
            .json();
        let remaining: Vec<&Value> = listed["results"]
            .as_array()
            .expect("page")
            .iter()
            .map(|goal| &goal["days_remaining"])
            .collect();
        assert_eq!(remaining, [&json!(-1), &json!(0), &json!(1)]);
    }
}

#[tokio::test]
async fn a_new_diet_starts_today_in_its_owners_zone_and_progress_counts_local_days() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let zone = zone_off_utc_today();
        move_to(&app, &ada, zone.name()).await;
        let diet = created(&app, &ada, "/api/nutrition/diets/", diet_body("Cut")).await;
        assert_eq!(
            diet["start_date"],
            date_text(zone.today()),
            "{}",
            zone.name()
        );

        // Two measurements two minutes apart, on either side of local midnight: a day apart.
        let ktm = app.register("ktm").await;
        move_to(&app, &ktm, "Asia/Kathmandu").await;
        let kathmandu = super::zone("Asia/Kathmandu");
        let (before, after) = around_local_midnight(&kathmandu);
        weigh(&app, &ktm, 72.0, &wire(before)).await;
        weigh(&app, &ktm, 71.0, &wire(after)).await;
        let goal = created(
            &app,
            &ktm,
            "/api/goals/goals/",
            json!({"goal_type": "weight_loss"}),
        )
        .await;
        let progress = get(
            &app,
            &ktm,
            &format!(
                "/api/goals/goals/{}/progress/",
                goal["id"].as_str().expect("id")
            ),
        )
        .await
        .json();
        assert_eq!(progress["days_since_start"], 1);
        let summary = get(&app, &ktm, "/api/goals/measurements/summary/")
            .await
            .json();
        assert_eq!(
            summary["weight_kg"]["latest_date"],
            date_text(kathmandu.today())
        );
    }
}
