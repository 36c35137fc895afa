//! The nutrition diary (API.md §6.3): for each local date of a range, the diet in effect that
//! day, its targets, what was eaten, and what remains. One SQL statement whatever the range and
//! however many records and diets: the days are handed to SQL as rows of instants, and the
//! database totals each day and picks each day's diet.

use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use super::summary::{meal_totals, record_nutrients};
use crate::accounts::User;
use crate::calendar::{Bucket, Zone, push_slot_of, push_spans};
use crate::datetime;
use crate::db::{Database, Query};
use crate::error::{Error, FieldErrors, Result};

/// The most dates one diary covers: a leap year.
pub const MAX_DIARY_DAYS: i64 = 366;
const DATE_FORMAT_ERROR: &str =
    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";

/// Calories and macronutrients, in kcal and grams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, ToSchema)]
pub struct Nutrients {
    #[schema(example = 2310.5)]
    pub calories: f64,
    #[schema(example = 151.2)]
    pub proteins: f64,
    #[schema(example = 80.0)]
    pub fats: f64,
    #[schema(example = 255.3)]
    pub carbs: f64,
}

/// The diet a day follows, by name.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DiaryDiet {
    #[schema(example = 7)]
    pub id: i64,
    #[schema(example = "Lean bulk")]
    pub name: String,
}

/// One local date.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DiaryDay {
    #[serde(with = "datetime::date_serde")]
    #[schema(value_type = String, format = Date, example = "2025-03-01")]
    pub date: Date,
    /// The diet in effect that day; `null` without one.
    pub diet: Option<DiaryDiet>,
    /// The diet's daily targets; `null` without a diet.
    pub target: Option<Nutrients>,
    /// What the day's records add up to.
    pub actual: Nutrients,
    /// Target minus actual, negative when over; `null` without a diet.
    pub remaining: Option<Nutrients>,
    pub record_count: i64,
}

/// `GET /api/nutrition/diary/`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Diary {
    /// The zone whose local dates these are.
    #[schema(value_type = String, example = "America/New_York")]
    pub time_zone: Zone,
    #[serde(with = "datetime::date_serde")]
    #[schema(value_type = String, format = Date, example = "2025-03-01")]
    pub start: Date,
    #[serde(with = "datetime::date_serde")]
    #[schema(value_type = String, format = Date, example = "2025-03-02")]
    pub end: Date,
    /// Every date of the range, in order, days without records included.
    pub days: Vec<DiaryDay>,
    pub totals: Nutrients,
    /// `totals` divided by the number of days.
    pub averages: Nutrients,
}

/// A row of the diary's statement: one day.
#[derive(sqlx::FromRow)]
struct DayRow {
    slot: i64,
    calories: Option<f64>,
    proteins: Option<f64>,
    fats: Option<f64>,
    carbs: Option<f64>,
    record_count: i64,
    diet_id: Option<i64>,
    diet_name: Option<String>,
    target_calories: Option<f64>,
    target_proteins: Option<f64>,
    target_fats: Option<f64>,
    target_carbs: Option<f64>,
}

/// The statement after its `days` and `day_records` clauses. The user is `$1`. A day's records
/// are those whose instant falls in its span, found in one scan of the range's records
/// ([`push_slot_of`]); a day's diet is the one in effect (started, not ended), the
/// active one first, then the latest start, then the greatest id.
const DIARY_SQL: &str = concat!(
    ", ",
    meal_totals!("day_records"),
    ", actuals AS ( SELECT r.slot, ",
    record_nutrients!(),
    ", COUNT(r.id) AS record_count \
       FROM day_records r LEFT JOIN meal_totals t ON t.meal_id = r.meal_id GROUP BY r.slot \
     ), diets_in_effect AS ( \
       SELECT d.slot, di.id, di.name, di.day_calories_kcal, di.day_proteins_g, di.day_fats_g, \
         di.day_carbohydrates_g, ROW_NUMBER() OVER (PARTITION BY d.slot \
           ORDER BY di.is_active DESC, di.start_date DESC, di.id DESC) AS preference \
       FROM days d JOIN diets di ON di.user_id = $1 AND di.start_date <= d.first_date \
         AND (di.end_date IS NULL OR d.first_date <= di.end_date) \
     ) \
     SELECT CAST(d.slot AS BIGINT) AS slot, a.calories, a.proteins, a.fats, a.carbs, \
       CAST(COALESCE(a.record_count, 0) AS BIGINT) AS record_count, \
       e.id AS diet_id, e.name AS diet_name, \
       CAST(e.day_calories_kcal AS DOUBLE PRECISION) AS target_calories, \
       CAST(e.day_proteins_g AS DOUBLE PRECISION) AS target_proteins, \
       CAST(e.day_fats_g AS DOUBLE PRECISION) AS target_fats, \
       CAST(e.day_carbohydrates_g AS DOUBLE PRECISION) AS target_carbs \
     FROM days d LEFT JOIN actuals a ON a.slot = d.slot \
       LEFT JOIN diets_in_effect e ON e.slot = d.slot AND e.preference = 1 \
     ORDER BY d.slot"
);

/// `GET /api/nutrition/diary/?start=&end=`: local dates, each defaulting to today.
pub async fn diary(
    db: &Database,
    user: &User,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Diary> {
    let zone = &user.time_zone;
    let (start, end) = range(start, end, zone.today())?;
    let spans = zone.spans(start, end, Bucket::Day);
    let window = zone.window(start, end);
    let mut sql = Query::builder().bind(user.id);
    sql.push("WITH ");
    push_spans(&mut sql, "days", &spans);
    sql.push(", day_records AS (SELECT ");
    push_slot_of(&mut sql, db.dialect(), "r.\"timestamp\"", &spans);
    sql.push(
        " AS slot, r.id, r.meal_id, r.calories, r.proteins, r.fats, r.carbs FROM meal_records r \
         WHERE r.user_id = $1 AND r.\"timestamp\" >= ",
    )
    .push_bind(window.from)
    .push(" AND r.\"timestamp\" < ")
    .push_bind(window.until)
    .push(")");
    sql.push(DIARY_SQL);
    let rows: Vec<DayRow> = sql.fetch_all(db).await?;

    let mut days = Vec::with_capacity(spans.len());
    let mut totals = Nutrients::default();
    for row in rows {
        let Some(span) = usize::try_from(row.slot).ok().and_then(|i| spans.get(i)) else {
            continue;
        };
        let actual = Nutrients {
            calories: row.calories.unwrap_or_default(),
            proteins: row.proteins.unwrap_or_default(),
            fats: row.fats.unwrap_or_default(),
            carbs: row.carbs.unwrap_or_default(),
        };
        totals = totals.plus(actual);
        let diet = row
            .diet_id
            .zip(row.diet_name)
            .map(|(id, name)| DiaryDiet { id, name });
        let target = diet.as_ref().map(|_| Nutrients {
            calories: row.target_calories.unwrap_or_default(),
            proteins: row.target_proteins.unwrap_or_default(),
            fats: row.target_fats.unwrap_or_default(),
            carbs: row.target_carbs.unwrap_or_default(),
        });
        days.push(DiaryDay {
            date: span.first_date,
            diet,
            target,
            actual,
            remaining: target.map(|target| target.minus(actual)),
            record_count: row.record_count,
        });
    }
    let count = days.len().max(1) as f64;
    Ok(Diary {
        time_zone: zone.clone(),
        start,
        end,
        days,
        totals,
        averages: totals.divided_by(count),
    })
}

/// `start` and `end`, each today when absent or empty; at most [`MAX_DIARY_DAYS`] dates, `end`
/// not before `start`.
fn range(start: Option<&str>, end: Option<&str>, today: Date) -> Result<(Date, Date)> {
    let mut errors = FieldErrors::new();
    let mut date = |key: &str, raw: Option<&str>| match raw.map(str::trim).filter(|r| !r.is_empty())
    {
        None => Some(today),
        Some(raw) => {
            let parsed = datetime::parse_date(raw);
            if parsed.is_none() {
                errors.insert(key.to_owned(), vec![DATE_FORMAT_ERROR.to_owned()]);
            }
            parsed
        }
    };
    let (start, end) = (date("start", start), date("end", end));
    let (Some(start), Some(end)) = (start, end) else {
        return Err(Error::Validation(errors));
    };
    if end < start {
        return Err(Error::field("end", "Ensure this date is not before start."));
    }
    if (end - start).whole_days() >= MAX_DIARY_DAYS {
        return Err(Error::field(
            "end",
            "Ensure the range spans at most 366 days.",
        ));
    }
    Ok((start, end))
}

impl Nutrients {
    fn plus(self, other: Nutrients) -> Nutrients {
        Nutrients {
            calories: self.calories + other.calories,
            proteins: self.proteins + other.proteins,
            fats: self.fats + other.fats,
            carbs: self.carbs + other.carbs,
        }
    }

    fn minus(self, other: Nutrients) -> Nutrients {
        Nutrients {
            calories: self.calories - other.calories,
            proteins: self.proteins - other.proteins,
            fats: self.fats - other.fats,
            carbs: self.carbs - other.carbs,
        }
    }

    fn divided_by(self, count: f64) -> Nutrients {
        Nutrients {
            calories: self.calories / count,
            proteins: self.proteins / count,
            fats: self.fats / count,
            carbs: self.carbs / count,
        }
    }
}

mod csv;

#[cfg(test)]
mod tests;
