//! `GET goals/{id}/progress/`: the caller's body-composition measurements (weight, body fat,
//! muscle mass) from first to latest, whatever the goal's type or dates (API.md §3.6.1).

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Goal, Goals};
use crate::accounts::User;
use crate::collection::Collection;
use crate::db::{Database, query};
use crate::error::Result;
use crate::measurements::{BodyMeasurement, measurements_by_id};

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum GoalProgress {
    /// No measurement of the three metrics yet.
    Unmeasured {
        goal: Goal,
        #[schema(example = "No measurements recorded yet")]
        progress: &'static str,
        measurements_count: i64,
    },
    Measured {
        goal: Goal,
        latest_measurement: Box<BodyMeasurement>,
        first_measurement: Box<BodyMeasurement>,
        measurements_count: i64,
        /// Days between the UTC dates of the first and the latest measurement.
        days_since_start: i64,
    },
}

#[derive(sqlx::FromRow)]
struct Span {
    count: i64,
    first_id: Option<i64>,
    latest_id: Option<i64>,
}

pub async fn goal_progress(db: &Database, user: &User, id: Uuid) -> Result<GoalProgress> {
    let goal = Goals::get(db, user, id).await?;
    // The count and both ends in one query; the two measurements in one more.
    let span: Span = query(
        "SELECT COUNT(*) AS count, \
           (SELECT f.id FROM body_measurements f WHERE f.user_id = $1 AND f.metric IN \
             ('weight_kg', 'body_fat_percentage', 'muscle_mass_percentage') \
             ORDER BY f.\"timestamp\", f.id LIMIT 1) AS first_id, \
           (SELECT l.id FROM body_measurements l WHERE l.user_id = $1 AND l.metric IN \
             ('weight_kg', 'body_fat_percentage', 'muscle_mass_percentage') \
             ORDER BY l.\"timestamp\" DESC, l.id DESC LIMIT 1) AS latest_id \
         FROM body_measurements b WHERE b.user_id = $1 AND b.metric IN \
           ('weight_kg', 'body_fat_percentage', 'muscle_mass_percentage')",
    )
    .bind(user.id)
    .fetch_one(db)
    .await?;
    let (Some(first_id), Some(latest_id)) = (span.first_id, span.latest_id) else {
        return Ok(GoalProgress::Unmeasured {
            goal,
            progress: "No measurements recorded yet",
            measurements_count: 0,
        });
    };
    let ends = measurements_by_id(db, user, &[first_id, latest_id]).await?;
    let pick = |id: i64| ends.iter().find(|m| m.id == id).cloned();
    let (Some(first), Some(latest)) = (pick(first_id), pick(latest_id)) else {
        // Deleted between the two queries: as if never measured.
        return Ok(GoalProgress::Unmeasured {
            goal,
            progress: "No measurements recorded yet",
            measurements_count: 0,
        });
    };
    let zone = &user.time_zone;
    let days_since_start =
        (zone.date_of(latest.timestamp) - zone.date_of(first.timestamp)).whole_days();
    Ok(GoalProgress::Measured {
        goal,
        latest_measurement: Box::new(latest),
        first_measurement: Box::new(first),
        measurements_count: span.count,
        days_since_start,
    })
}
