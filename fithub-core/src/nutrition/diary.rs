//! The nutrition diary (API.md §6.3): for each local date of a range, the diet in effect that
//! day, its targets, what was eaten, and what remains. Two SQL statements whatever the range and
//! however many records: the database totals each day's records, and reads the diets that touch
//! the range.

use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use super::summary::{meal_totals, record_nutrients};
use crate::accounts::User;
use crate::calendar::{Bucket, Window, Zone, push_slot_of};
use crate::datetime;
use crate::db::{Database, Query, query};
use crate::error::{Error, FieldErrors, Result};

/// The most dates one diary covers: a leap year.
pub const MAX_DIARY_DAYS: i64 = 366;
const DATE_FORMAT_ERROR: &str =
    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";

/// Calories and macronutrients, in kcal and grams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
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

/// What one day's records add up to: a row of the first statement, by the day's slot (its
/// index in the range). Days without records have no row.
#[derive(sqlx::FromRow)]
struct DayActuals {
    slot: i64,
    #[sqlx(flatten)]
    nutrients: Nutrients,
    record_count: i64,
}

/// A diet in effect on at least one date of the range: a row of the second statement.
#[derive(sqlx::FromRow)]
struct DietInRange {
    id: i64,
    name: String,
    start_date: Date,
    end_date: Option<Date>,
    /// The diet's daily targets.
    #[sqlx(flatten)]
    targets: Nutrients,
}

impl DietInRange {
    fn is_in_effect_on(&self, date: Date) -> bool {
        self.start_date <= date && self.end_date.is_none_or(|end| date <= end)
    }
}

/// The first statement after its `day_records` and `window_meals` clauses (the user is `$1`):
/// each day's totals, from one scan of the range's records, each record's day counted by
/// [`push_slot_of`]. The meals to total come from a second, index-only scan of the range
/// (`window_meals`) rather than from `day_records`: a clause named twice is computed and
/// stored first, which cost PostgreSQL a third of the statement.
const DAY_ACTUALS_SQL: &str = concat!(
    ", ",
    meal_totals!("window_meals"),
    " SELECT CAST(r.slot AS BIGINT) AS slot, ",
    record_nutrients!(),
    ", COUNT(r.id) AS record_count \
     FROM day_records r LEFT JOIN meal_totals t ON t.meal_id = r.meal_id GROUP BY r.slot"
);

/// The second statement: the diets in effect on some date from `$3` to `$2`, in the order that
/// decides a day followed by several (API.md §6.3): the active one first, then the latest
/// start, then the greatest id.
const DIETS_IN_RANGE_SQL: &str = "SELECT id, name, start_date, end_date, \
       CAST(day_calories_kcal AS DOUBLE PRECISION) AS calories, \
       CAST(day_proteins_g AS DOUBLE PRECISION) AS proteins, \
       CAST(day_fats_g AS DOUBLE PRECISION) AS fats, \
       CAST(day_carbohydrates_g AS DOUBLE PRECISION) AS carbs \
     FROM diets WHERE user_id = $1 AND start_date <= $2 AND (end_date IS NULL OR end_date >= $3) \
     ORDER BY is_active DESC, start_date DESC, id DESC";

/// `GET /api/nutrition/diary/?start=&end=`: local dates, each defaulting to today.
///
/// Two statements whatever the range: the records' totals grouped by day, and the few diets
/// that touch the range. Each day then takes its diet here, in memory: handing the database
/// one row per day to join (366 rows, three bound values each) cost more to bind and plan than
/// the whole answer (README, "Performance").
pub async fn diary(
    db: &Database,
    user: &User,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Diary> {
    let (start, end) = range(start, end, user.time_zone.today())?;
    diary_of(db, user, start, end).await
}

/// The diary of the local dates `start` to `end`, read now.
async fn diary_of(db: &Database, user: &User, start: Date, end: Date) -> Result<Diary> {
    let zone = &user.time_zone;
    let spans = zone.spans(start, end, Bucket::Day);
    let window = zone.window(start, end);
    let mut sql = Query::builder().bind(user.id);
    sql.push("WITH day_records AS (SELECT ");
    push_slot_of(&mut sql, db.dialect(), "r.\"timestamp\"", &spans);
    sql.push(
        " AS slot, r.id, r.meal_id, r.calories, r.proteins, r.fats, r.carbs FROM meal_records r \
         WHERE r.user_id = $1 AND ",
    );
    push_in_window(&mut sql, window);
    sql.push("), window_meals AS (SELECT r.meal_id FROM meal_records r WHERE r.user_id = $1 AND ");
    push_in_window(&mut sql, window);
    sql.push(")").push(DAY_ACTUALS_SQL);
    let mut actuals: Vec<Option<DayActuals>> = Vec::new();
    actuals.resize_with(spans.len(), || None);
    for row in sql.fetch_all::<DayActuals>(db).await? {
        if let Some(day) = usize::try_from(row.slot)
            .ok()
            .and_then(|i| actuals.get_mut(i))
        {
            *day = Some(row);
        }
    }
    let diets: Vec<DietInRange> = query(DIETS_IN_RANGE_SQL)
        .bind(user.id)
        .bind(end)
        .bind(start)
        .fetch_all(db)
        .await?;

    let mut days = Vec::with_capacity(spans.len());
    let mut totals = Nutrients::default();
    for (span, actual) in spans.iter().zip(actuals) {
        let date = span.first_date;
        let (actual, record_count) = actual.map_or((Nutrients::default(), 0), |row| {
            (row.nutrients, row.record_count)
        });
        totals = totals.plus(actual);
        let diet = diets.iter().find(|diet| diet.is_in_effect_on(date));
        let target = diet.map(|diet| diet.targets);
        days.push(DiaryDay {
            date,
            diet: diet.map(|diet| DiaryDiet {
                id: diet.id,
                name: diet.name.clone(),
            }),
            target,
            actual,
            remaining: target.map(|target| target.minus(actual)),
            record_count,
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

/// `r."timestamp"` within `window`.
fn push_in_window(sql: &mut Query, window: Window) {
    sql.push("r.\"timestamp\" >= ")
        .push_bind(window.from)
        .push(" AND r.\"timestamp\" < ")
        .push_bind(window.until);
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
mod kept;

pub use kept::{DiaryJson, KeptDiaries, diary_json};

#[cfg(test)]
mod tests;
