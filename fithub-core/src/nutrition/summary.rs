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
use crate::datetime;
use crate::db::{Database, query};
use crate::error::{Error, Result};

use super::Total;

/// `meal_totals (meal_id, calories, proteins, fats, carbs)`, a `WITH` clause: the nutrients of each
/// meal of user `$1` that `$records` (a relation with a `meal_id` column) names, each meal once.
/// An ingredient's nutrients are per 100 g and a meal-ingredient's quantity in grams.
macro_rules! meal_totals {
    ($records:literal) => {
        concat!(
            "meal_totals AS ( \
               SELECT mi.meal_id, \
                 SUM(i.calories * mi.quantity / 100) AS calories, \
                 SUM(i.proteins * mi.quantity / 100) AS proteins, \
                 SUM(i.fats * mi.quantity / 100) AS fats, \
                 SUM(i.carbs * mi.quantity / 100) AS carbs \
               FROM meal_ingredients mi JOIN ingredients i ON i.id = mi.ingredient_id \
               WHERE mi.user_id = $1 AND mi.meal_id IN (SELECT meal_id FROM ",
            $records,
            ") GROUP BY mi.meal_id)"
        )
    };
}
pub(super) use meal_totals;

/// The four totals of records `r` joined to `meal_totals t`: a planned record counts its meal, an
/// ad-hoc one its own values (`null` as 0).
macro_rules! record_nutrients {
    () => {
        concat!(
            record_nutrients!(@one "calories"), ", ",
            record_nutrients!(@one "proteins"), ", ",
            record_nutrients!(@one "fats"), ", ",
            record_nutrients!(@one "carbs")
        )
    };
    (@one $nutrient:literal) => {
        concat!(
            "CAST(COALESCE(SUM(CASE WHEN r.meal_id IS NULL THEN COALESCE(r.", $nutrient,
            ", 0) ELSE COALESCE(t.", $nutrient, ", 0) END), 0) AS DOUBLE PRECISION) AS ",
            $nutrient
        )
    };
}
pub(super) use record_nutrients;

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
/// by local date in the caller's zone), planned and ad hoc, in one query.
pub async fn records_summary(
    db: &Database,
    user: &User,
    days: Option<&str>,
) -> Result<RecordsSummary> {
    let days = crate::input::days_param(days, 7)?;
    let zone = &user.time_zone;
    let end_date = zone.today();
    let start_date = end_date - Duration::days(days);
    let window = zone.window(start_date, end_date);
    // Only the meals the window's records name are totalled, each once. They are read by a
    // scan of their own: a clause that two others named would be computed and stored first.
    let totals: Totals = query(concat!(
        "WITH window_records AS ( \
           SELECT id, meal_id, calories, proteins, fats, carbs FROM meal_records \
           WHERE user_id = $1 AND \"timestamp\" >= $2 AND \"timestamp\" < $3 \
         ), window_meals AS ( \
           SELECT meal_id FROM meal_records \
           WHERE user_id = $1 AND \"timestamp\" >= $2 AND \"timestamp\" < $3 \
         ), ",
        meal_totals!("window_meals"),
        " SELECT ",
        record_nutrients!(),
        ", COUNT(r.id) AS count \
         FROM window_records r LEFT JOIN meal_totals t ON t.meal_id = r.meal_id",
    ))
    .bind(user.id)
    .bind(window.from)
    .bind(window.until)
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
