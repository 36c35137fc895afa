//! The day in the user's time zone (API.md §6.1–6.3), on every backend: the profile's
//! `time_zone`, the calendar rules that follow it, date and time ranges on lists, and the diary.
//!
//! "Today" is the machine's, so these tests place records around the current local midnight of
//! the zone they test, computed with the server's own calendar, never a hard-coded date.

mod days;
mod diary;
mod filters;
mod kept_diary;
mod profile;

use axum::http::{Method, StatusCode};
use fithub_core::calendar::Zone;
use fithub_core::datetime::{self, Timestamp};
use serde_json::{Value, json};
use time::{Date, Duration};

use crate::helpers::{Session, TestApp};
use crate::nutrition::{created, send};

pub fn zone(name: &str) -> Zone {
    Zone::named(name).expect("a zone of the bundled database")
}

/// Puts `session`'s user in `name`, through the profile.
pub async fn move_to(app: &TestApp, session: &Session, name: &str) {
    send(
        app,
        session,
        Method::PATCH,
        "/api/accounts/profile/",
        json!({ "time_zone": name }),
    )
    .await
    .assert_status(StatusCode::OK);
}

/// A zone whose date differs from UTC's right now (one of UTC+14 and UTC−11 always does), so
/// that a rule still computed in UTC gives a wrong answer whenever the test runs.
pub fn zone_off_utc_today() -> Zone {
    let utc_today = Zone::utc().today();
    ["Pacific/Kiritimati", "Pacific/Pago_Pago"]
        .into_iter()
        .map(zone)
        .find(|zone| zone.today() != utc_today)
        .expect("UTC+14 or UTC-11 is on another date")
}

pub fn wire(at: Timestamp) -> String {
    at.to_wire()
}

pub fn date_text(date: Date) -> String {
    datetime::format_date(date)
}

/// The instants a minute before and a minute after the start of today in `zone`: the last
/// minute of yesterday and the first of today, local time.
pub fn around_local_midnight(zone: &Zone) -> (Timestamp, Timestamp) {
    let midnight = zone.start_of(zone.today());
    (
        midnight - Duration::minutes(1),
        midnight + Duration::minutes(1),
    )
}

/// An ad-hoc record of `calories` kcal (and a tenth of it in each macronutrient) at `at`.
pub async fn record(
    app: &TestApp,
    session: &Session,
    name: &str,
    at: &str,
    calories: f64,
) -> Value {
    created(
        app,
        session,
        "/api/nutrition/records/",
        json!({
            "meal_name": name, "timestamp": at, "calories": calories,
            "proteins": calories / 10.0, "fats": calories / 10.0, "carbs": calories / 10.0,
        }),
    )
    .await
}

/// The ids of an array or of a page's results.
pub fn ids(items: &Value) -> Vec<Value> {
    items
        .as_array()
        .or_else(|| items["results"].as_array())
        .unwrap_or_else(|| panic!("an array or a page: {items}"))
        .iter()
        .map(|item| item["id"].clone())
        .collect()
}
