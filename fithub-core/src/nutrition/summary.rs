//! Nutrition summaries, computed by the database in one query each, whatever the number of
//! records and ingredients (API.md §3.5.2, §3.5.5).
//!
//! An ingredient's nutrients are per 100 g and a meal-ingredient's quantity is in grams, so a
//! meal contributes `Σ ingredient.X × quantity / 100`. An ad-hoc record contributes its own
//! values (`null` as 0).

use serde::Serialize;
use time::{Date, Duration};
use utoipa::ToSchema;

use crate::accounts::User;
use crate::datetime::{self, Timestamp};
use crate::db::{Database, query};
use crate::error::{Error, Result};

use super::Total;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MealSummary {
    pub total_calories: Total,
    pub total_proteins: Total,
    pub total_fats: Total,
    pub total_carbs: Total,
    pub ingredient_count: i64,
}

#[derive(sqlx::FromRow)]
struct Totals {
    calories: f64,
    proteins: f64,
    fats: f64,
    carbs: f64,
    count: i64,
}

/// `GET /meals/{id}/nutrition_summary/`.
pub async fn meal_summary(db: &Database, user: &User, meal_id: i64) -> Result<MealSummary> {
    // Grouped by the meal, so a meal that is not the caller's yields no row at all.
    let totals: Option<Totals> = query(
        "SELECT \
           CAST(COALESCE(SUM(i.calories * mi.quantity / 100), 0) AS DOUBLE PRECISION) AS calories, \
           CAST(COALESCE(SUM(i.proteins * mi.quantity / 100), 0) AS DOUBLE PRECISION) AS proteins, \
           CAST(COALESCE(SUM(i.fats * mi.quantity / 100), 0) AS DOUBLE PRECISION) AS fats, \
           CAST(COALESCE(SUM(i.carbs * mi.quantity / 100), 0) AS DOUBLE PRECISION) AS carbs, \
           COUNT(mi.id) AS count \
         FROM meals m \
         LEFT JOIN meal_ingredients mi ON mi.meal_id = m.id \
         LEFT JOIN ingredients i ON i.id = mi.ingredient_id \
         WHERE m.id = $1 AND m.user_id = $2 GROUP BY m.id",
    )
    .bind(meal_id)
    .bind(user.id)
    .fetch_optional(db)
    .await?;
    let totals = totals.ok_or(Error::NotFound("Meal"))?;
    Ok(MealSummary {
        total_calories: Total(totals.calories),
        total_proteins: Total(totals.proteins),
        total_fats: Total(totals.fats),
        total_carbs: Total(totals.carbs),
        ingredient_count: totals.count,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RecordsSummary {
    pub period_days: i64,
    #[serde(with = "datetime::date_serde")]
    #[schema(value_type = String, format = Date)]
    pub start_date: Date,
    #[serde(with = "datetime::date_serde")]
    #[schema(value_type = String, format = Date)]
    pub end_date: Date,
    pub total_calories: Total,
    pub total_proteins: Total,
    pub total_fats: Total,
    pub total_carbs: Total,
    pub record_count: i64,
}

/// `GET /records/nutrition_summary/?days=N`: the records of the last `days` days (today included,
/// by UTC date), planned and ad hoc, in one query.
pub async fn records_summary(
    db: &Database,
    user: &User,
    days: Option<&str>,
) -> Result<RecordsSummary> {
    let days = crate::input::days_param(days, 7)?;
    let end_date = datetime::today();
    let start_date = end_date - Duration::days(days);
    let window_start = Timestamp::start_of(start_date);
    let window_end = Timestamp::start_of(end_date) + Duration::days(1);
    // The window's records are read once; only the meals they name are totalled, each once.
    let totals: Totals = query(
        "WITH window_records AS ( \
           SELECT id, meal_id, calories, proteins, fats, carbs FROM meal_records \
           WHERE user_id = $1 AND \"timestamp\" >= $2 AND \"timestamp\" < $3 \
         ), meal_totals AS ( \
           SELECT mi.meal_id, \
             SUM(i.calories * mi.quantity / 100) AS calories, \
             SUM(i.proteins * mi.quantity / 100) AS proteins, \
             SUM(i.fats * mi.quantity / 100) AS fats, \
             SUM(i.carbs * mi.quantity / 100) AS carbs \
           FROM meal_ingredients mi JOIN ingredients i ON i.id = mi.ingredient_id \
           WHERE mi.user_id = $1 AND mi.meal_id IN (SELECT meal_id FROM window_records) \
           GROUP BY mi.meal_id \
         ) \
         SELECT \
           CAST(COALESCE(SUM(CASE WHEN r.meal_id IS NULL THEN COALESCE(r.calories, 0) \
             ELSE COALESCE(t.calories, 0) END), 0) AS DOUBLE PRECISION) AS calories, \
           CAST(COALESCE(SUM(CASE WHEN r.meal_id IS NULL THEN COALESCE(r.proteins, 0) \
             ELSE COALESCE(t.proteins, 0) END), 0) AS DOUBLE PRECISION) AS proteins, \
           CAST(COALESCE(SUM(CASE WHEN r.meal_id IS NULL THEN COALESCE(r.fats, 0) \
             ELSE COALESCE(t.fats, 0) END), 0) AS DOUBLE PRECISION) AS fats, \
           CAST(COALESCE(SUM(CASE WHEN r.meal_id IS NULL THEN COALESCE(r.carbs, 0) \
             ELSE COALESCE(t.carbs, 0) END), 0) AS DOUBLE PRECISION) AS carbs, \
           COUNT(r.id) AS count \
         FROM window_records r LEFT JOIN meal_totals t ON t.meal_id = r.meal_id",
    )
    .bind(user.id)
    .bind(window_start)
    .bind(window_end)
    .fetch_one(db)
    .await?;
    Ok(RecordsSummary {
        period_days: days,
        start_date,
        end_date,
        total_calories: Total(totals.calories),
        total_proteins: Total(totals.proteins),
        total_fats: Total(totals.fats),
        total_carbs: Total(totals.carbs),
        record_count: totals.count,
    })
}
