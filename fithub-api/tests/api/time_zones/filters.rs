//! Date and time ranges on lists (§6.2): inclusive bounds, local dates in the caller's zone, a
//! 400 keyed by the parameter for a value that does not parse.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{ids, move_to, record};
use crate::helpers::{Session, TestApp};
use crate::nutrition::{created, get};

/// The ids `uri` lists for `user`, asserting a 200.
async fn listed(app: &TestApp, user: &Session, uri: &str) -> Vec<Value> {
    let response = get(app, user, uri).await;
    response.assert_status(StatusCode::OK);
    ids(&response.json())
}

/// Four instants around New York's daylight-saving changes of 2025: 23:30 on 8 March (EST),
/// 23:30 on 9 March (EDT, a 23-hour day), 00:30 on 10 March, and 23:30 on 2 November (EST, at
/// the end of a 25-hour day).
const INSTANTS: [&str; 4] = [
    "2025-03-09T04:30:00Z",
    "2025-03-10T03:30:00Z",
    "2025-03-10T04:30:00Z",
    "2025-11-03T04:30:00Z",
];

/// The five range filters of a timestamp collection, and their refusals.
async fn check_timestamp_ranges(app: &TestApp, user: &Session, base: &str, made: &[Value]) {
    let id = |i: usize| made[i]["id"].clone();
    let cases: [(&str, Vec<usize>); 9] = [
        ("date=2025-03-08", vec![0]),
        ("date=2025-03-09", vec![1]),
        ("date=2025-03-10", vec![2]),
        ("date=2025-11-02", vec![3]),
        ("date__gte=2025-03-09&date__lte=2025-03-10", vec![1, 2]),
        ("date__lte=2025-03-09", vec![0, 1]),
        ("timestamp__gte=2025-03-10T03:30:00Z", vec![1, 2, 3]),
        (
            "timestamp__lte=2025-03-10T03:30:00Z&timestamp__gte=",
            vec![0, 1],
        ),
        (
            "timestamp__gte=2025-03-09T23:30:00-04:00&date__lte=2025-03-09",
            vec![1],
        ),
    ];
    for (filter, expected) in cases {
        let mut found = listed(app, user, &format!("{base}?{filter}&ordering=timestamp")).await;
        found.sort_by_key(|id| id.as_i64());
        let expected: Vec<Value> = expected.into_iter().map(id).collect();
        assert_eq!(found, expected, "{base}?{filter}");
    }
    // A lower bound after the upper one matches nothing.
    for filter in [
        "date__gte=2025-03-10&date__lte=2025-03-09",
        "timestamp__gte=2025-03-10T00:00:00Z&timestamp__lte=2025-03-09T00:00:00Z",
    ] {
        let page = get(app, user, &format!("{base}?{filter}")).await;
        page.assert_status(StatusCode::OK);
        assert_eq!(page.json()["count"], 0, "{filter}");
    }
    for (param, value, message) in [
        ("date", "2025-02-30", "Enter a valid date."),
        ("date__gte", "03/09/2025", "Enter a valid date."),
        ("date__lte", "2025-3-9", "Enter a valid date."),
        ("timestamp__gte", "yesterday", "Enter a valid date/time."),
        (
            "timestamp__lte",
            "2025-03-10T25:00:00Z",
            "Enter a valid date/time.",
        ),
    ] {
        let refused = get(app, user, &format!("{base}?{param}={value}")).await;
        refused.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.json(),
            json!({ param: [message] }),
            "{base} {param}"
        );
    }
}

#[tokio::test]
async fn records_filter_by_local_date_and_instant_across_daylight_saving() {
    for app in TestApp::all().await {
        let ny = app.register("ny").await;
        move_to(&app, &ny, "America/New_York").await;
        let mut made = Vec::new();
        for at in INSTANTS {
            made.push(record(&app, &ny, "meal", at, 100.0).await);
        }
        // Another user's records never show.
        let bob = app.register("bob").await;
        record(&app, &bob, "meal", INSTANTS[1], 1.0).await;
        check_timestamp_ranges(&app, &ny, "/api/nutrition/records/", &made).await;
    }
}

#[tokio::test]
async fn measurements_filter_by_local_date_and_instant_across_daylight_saving() {
    for app in TestApp::all().await {
        let ny = app.register("ny").await;
        move_to(&app, &ny, "America/New_York").await;
        let mut made = Vec::new();
        for (i, at) in INSTANTS.iter().enumerate() {
            let body = json!({"measurement_type": "log", "value": 70 + i, "timestamp": at});
            made.push(created(&app, &ny, "/api/goals/measurements/", body).await);
        }
        check_timestamp_ranges(&app, &ny, "/api/goals/measurements/", &made).await;
        // Combined with the existing filters by AND.
        let none = listed(
            &app,
            &ny,
            "/api/goals/measurements/?date=2025-03-09&metric=waist_cm",
        )
        .await;
        assert!(none.is_empty());
    }
}

#[tokio::test]
async fn goals_filter_by_target_date_range() {
    for app in TestApp::all().await {
        let ada = app.register("ada").await;
        let mut made = Vec::new();
        for target in ["2025-03-01", "2025-03-15", "2025-04-01"] {
            let body = json!({"goal_type": "strength", "target_date": target});
            made.push(created(&app, &ada, "/api/goals/goals/", body).await["id"].clone());
        }
        created(
            &app,
            &ada,
            "/api/goals/goals/",
            json!({"goal_type": "strength"}),
        )
        .await;
        let base = "/api/goals/goals/?ordering=target_date";
        for (filter, expected) in [
            ("target_date__gte=2025-03-15", vec![1, 2]),
            ("target_date__lte=2025-03-15", vec![0, 1]),
            (
                "target_date__gte=2025-03-02&target_date__lte=2025-03-31",
                vec![1],
            ),
            ("target_date__gte=2025-04-02", vec![]),
            (
                "target_date__gte=2025-03-16&target_date__lte=2025-03-14",
                vec![],
            ),
        ] {
            let expected: Vec<Value> = expected
                .into_iter()
                .map(|i: usize| made[i].clone())
                .collect();
            assert_eq!(
                listed(&app, &ada, &format!("{base}&{filter}")).await,
                expected,
                "{filter}"
            );
        }
        for param in ["target_date__gte", "target_date__lte"] {
            let refused = get(&app, &ada, &format!("/api/goals/goals/?{param}=soon")).await;
            refused.assert_status(StatusCode::BAD_REQUEST);
            assert_eq!(refused.json(), json!({ param: ["Enter a valid date."] }));
        }
    }
}
