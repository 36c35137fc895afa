//! The records of an archive: one struct per table, read from the database on export and from
//! the archive on import. Ids are the exporting instance's; references are by those ids.

use serde::{Deserialize, Serialize};
use time::{Date, Time};

use crate::accounts::{Email, PersonName, Username};
use crate::datetime::{self, Timestamp};
use crate::db::DbUuid;
use crate::goals::GoalType;
use crate::input::Choice;
use crate::measurements::{MeasurementType, Metric};
use crate::nutrition::{Barcode, MealType, Name, PreferenceType, RecurrenceType};

use super::table::table;

/// A checked record, or the reason it cannot be imported.
pub type Checked = std::result::Result<(), String>;

fn non_negative(field: &str, value: f64) -> Checked {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(format!(
            "{field} must be a number of at least 0, got {value}"
        ))
    }
}

fn optional_non_negative(field: &str, value: Option<f64>) -> Checked {
    value.map_or(Ok(()), |value| non_negative(field, value))
}

/// A text under the rule the API applies to it (see `text_field!`): `parse` is that rule's.
fn text<T>(field: &str, parsed: std::result::Result<T, String>) -> Checked {
    parsed
        .map(|_| ())
        .map_err(|problem| format!("{field}: {problem}"))
}

fn optional_text<T>(
    field: &str,
    value: Option<&str>,
    parse: fn(&str) -> std::result::Result<T, String>,
) -> Checked {
    value.map_or(Ok(()), |value| text(field, parse(value)))
}

/// The stored hash of a user without a password (imported without one): not a PHC string, so it
/// never verifies. Exported as no hash at all.
pub(super) const NO_PASSWORD: &str = "!";

/// The longest password hash an archive may hold (an argon2id PHC string is about 100).
const PASSWORD_HASH_MAX: usize = 1000;

fn choice<C: Choice>(field: &str, value: &str) -> Checked {
    C::parse(value).map(|_| ()).ok_or_else(|| {
        format!(
            "{field} {value:?} is not one of {:?}",
            C::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()
        )
    })
}

fn ordered(field: &str, start: Option<Date>, end: Option<Date>) -> Checked {
    match (start, end) {
        (Some(start), Some(end)) if end < start => Err(format!("{field} is before start_date")),
        _ => Ok(()),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct ArchivedUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// The argon2 hash: a restored user logs in with the same password (taken from the archive
    /// only when the import trusts it). Left out of a user's own export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: Timestamp,
    pub last_login: Option<Timestamp>,
    /// JWTs issued under an earlier generation are revoked: a restore keeps them so.
    #[serde(default)]
    pub token_generation: i64,
    /// Archives written before time zones have none: those users are in UTC.
    #[serde(default = "utc")]
    pub time_zone: String,
}

fn utc() -> String {
    crate::calendar::UTC.to_owned()
}

table!(
    ArchivedUser,
    "users", "user", [username, email, first_name, last_name, password_hash, is_active, is_staff, is_superuser, date_joined, last_login, token_generation, time_zone], key []
);

impl ArchivedUser {
    pub fn check(&self) -> Checked {
        if crate::calendar::Zone::named(&self.time_zone).is_none() {
            return Err(format!(
                "time_zone {:?} of {:?} is not an IANA time zone",
                self.time_zone, self.username
            ));
        }
        text("username", Username::parse(&self.username))?;
        text("email", Email::parse(&self.email))?;
        text("first_name", PersonName::parse(&self.first_name))?;
        text("last_name", PersonName::parse(&self.last_name))?;
        if self.token_generation < 0 {
            return Err("token_generation must be at least 0".to_owned());
        }
        let Some(hash) = &self.password_hash else {
            return Ok(());
        };
        if hash.chars().count() > PASSWORD_HASH_MAX {
            return Err(format!(
                "password_hash is longer than {PASSWORD_HASH_MAX} characters"
            ));
        }
        crate::accounts::check_password_hash(hash)
            .map_err(|problem| format!("password_hash of {:?} {problem}", self.username))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct ArchivedCategory {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

table!(
    ArchivedCategory,
    "categories", "category", [name, parent_id, created_by, created_at, updated_at], key []
);

impl ArchivedCategory {
    pub fn check(&self) -> Checked {
        text("name", Name::parse(&self.name))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct ArchivedIngredient {
    pub id: i64,
    pub name: String,
    pub category_id: Option<i64>,
    pub proteins: f64,
    pub fats: f64,
    pub carbs: f64,
    pub calories: f64,
    pub fibers: f64,
    pub sugars: f64,
    pub description: Option<String>,
    pub is_personal: bool,
    pub created_by: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

table!(
    ArchivedIngredient,
    "ingredients", "ingredient", [name, category_id, proteins, fats, carbs, calories, fibers, sugars, description, is_personal, created_by, created_at, updated_at], key []
);

impl ArchivedIngredient {
    pub fn check(&self) -> Checked {
        text("name", Name::parse(&self.name))?;
        for (field, value) in [
            ("proteins", self.proteins),
            ("fats", self.fats),
            ("carbs", self.carbs),
            ("calories", self.calories),
            ("fibers", self.fibers),
            ("sugars", self.sugars),
        ] {
            non_negative(field, value)?;
        }
        if self.is_personal && self.created_by.is_none() {
            return Err("a personal ingredient needs created_by".to_owned());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct ArchivedDiet {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub day_proteins_g: f64,
    pub day_fats_g: f64,
    pub day_carbohydrates_g: f64,
    pub day_calories_kcal: f64,
    pub is_active: bool,
    #[serde(with = "datetime::date_serde")]
    pub start_date: Date,
    #[serde(with = "datetime::date_serde::option")]
    pub end_date: Option<Date>,
    pub notes: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

table!(
    ArchivedDiet,
    "diets", "diet", [user_id, name, day_proteins_g, day_fats_g, day_carbohydrates_g, day_calories_kcal, is_active, start_date, end_date, notes, created_at, updated_at], key [user_id, created_at, name]
);

impl ArchivedDiet {
    pub fn check(&self) -> Checked {
        text("name", Name::parse(&self.name))?;
        non_negative("day_proteins_g", self.day_proteins_g)?;
        non_negative("day_fats_g", self.day_fats_g)?;
        non_negative("day_carbohydrates_g", self.day_carbohydrates_g)?;
        non_negative("day_calories_kcal", self.day_calories_kcal)?;
        ordered("end_date", Some(self.start_date), self.end_date)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct ArchivedMeal {
    pub id: i64,
    pub user_id: i64,
    pub diet_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub is_scheduled: bool,
    #[serde(with = "datetime::date_serde::option")]
    pub start_date: Option<Date>,
    #[serde(with = "datetime::date_serde::option")]
    pub end_date: Option<Date>,
    #[serde(with = "datetime::time_serde::option")]
    pub start_time: Option<Time>,
    pub duration_minutes: i32,
    pub recurrence_type: String,
    #[serde(with = "datetime::date_serde::option")]
    pub recurrence_until: Option<Date>,
    pub meal_type: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

table!(
    ArchivedMeal,
    "meals", "meal", [user_id, diet_id, name, description, is_scheduled, start_date, end_date, start_time, duration_minutes, recurrence_type, recurrence_until, meal_type, created_at, updated_at], key [user_id, created_at, name]
);

impl ArchivedMeal {
    pub fn check(&self) -> Checked {
        text("name", Name::parse(&self.name))?;
        if !(0..=1440).contains(&self.duration_minutes) {
            return Err("duration_minutes must be 0 to 1440".to_owned());
        }
        choice::<RecurrenceType>("recurrence_type", &self.recurrence_type)?;
        choice::<MealType>("meal_type", &self.meal_type)?;
        ordered("end_date", self.start_date, self.end_date)?;
        ordered("recurrence_until", self.start_date, self.recurrence_until)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct ArchivedMealIngredient {
    pub id: i64,
    pub user_id: i64,
    pub meal_id: i64,
    pub ingredient_id: i64,
    pub barcode: Option<String>,
    pub quantity: f64,
    pub unit: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

table!(
    ArchivedMealIngredient,
    "meal_ingredients", "meal_ingredient", [user_id, meal_id, ingredient_id, barcode, quantity, unit, created_at, updated_at], key [user_id, created_at, meal_id, ingredient_id]
);

impl ArchivedMealIngredient {
    pub fn check(&self) -> Checked {
        non_negative("quantity", self.quantity)?;
        text("unit", Name::parse(&self.unit))?;
        optional_text("barcode", self.barcode.as_deref(), Barcode::parse)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct ArchivedMealRecord {
    pub id: i64,
    pub user_id: i64,
    pub meal_id: Option<i64>,
    pub meal_name: Option<String>,
    pub quantity_grams: Option<f64>,
    pub calories: Option<f64>,
    pub proteins: Option<f64>,
    pub carbs: Option<f64>,
    pub fats: Option<f64>,
    pub timestamp: Timestamp,
    pub feedback: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

table!(
    ArchivedMealRecord,
    "meal_records", "meal_record", [user_id, meal_id, meal_name, quantity_grams, calories, proteins, carbs, fats, timestamp, feedback, created_at, updated_at], key [user_id, created_at, timestamp]
);

impl ArchivedMealRecord {
    pub fn check(&self) -> Checked {
        if self.meal_id.is_none()
            && self
                .meal_name
                .as_deref()
                .is_none_or(|n| n.trim().is_empty())
        {
            return Err("a record needs a meal_id or a meal_name".to_owned());
        }
        optional_text("meal_name", self.meal_name.as_deref(), Name::parse)?;
        optional_non_negative("quantity_grams", self.quantity_grams)?;
        optional_non_negative("calories", self.calories)?;
        optional_non_negative("proteins", self.proteins)?;
        optional_non_negative("carbs", self.carbs)?;
        optional_non_negative("fats", self.fats)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct ArchivedPreference {
    pub id: i64,
    pub user_id: i64,
    pub ingredient_id: i64,
    pub barcode: Option<String>,
    pub description: Option<String>,
    pub preference_type: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

table!(
    ArchivedPreference,
    "meal_preferences", "meal_preference", [user_id, ingredient_id, barcode, description, preference_type, created_at, updated_at], key [user_id, created_at, ingredient_id]
);

impl ArchivedPreference {
    pub fn check(&self) -> Checked {
        choice::<PreferenceType>("preference_type", &self.preference_type)?;
        optional_text("barcode", self.barcode.as_deref(), Barcode::parse)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct ArchivedGoal {
    #[serde(with = "db_uuid")]
    pub id: DbUuid,
    pub user_id: i64,
    pub goal_type: String,
    #[serde(with = "datetime::date_serde::option")]
    pub target_date: Option<Date>,
    pub notes: String,
    pub is_active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

table!(
    ArchivedGoal,
    "goals", "goal", [user_id, goal_type, target_date, notes, is_active, created_at, updated_at], key []
);

impl ArchivedGoal {
    pub fn check(&self) -> Checked {
        choice::<GoalType>("goal_type", &self.goal_type)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct ArchivedMeasurement {
    pub id: i64,
    pub user_id: i64,
    pub metric: String,
    pub measurement_type: String,
    pub value: f64,
    pub timestamp: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

table!(
    ArchivedMeasurement,
    "body_measurements", "body_measurement", [user_id, metric, measurement_type, value, timestamp, created_at, updated_at], key [user_id, created_at, timestamp, metric]
);

impl ArchivedMeasurement {
    pub fn check(&self) -> Checked {
        choice::<Metric>("metric", &self.metric)?;
        choice::<MeasurementType>("measurement_type", &self.measurement_type)?;
        non_negative("value", self.value)?;
        if Metric::parse(&self.metric).is_some_and(Metric::is_percentage) && self.value > 100.0 {
            return Err(format!("value {} is over 100 for a percentage", self.value));
        }
        Ok(())
    }
}

/// A UUID as its hyphenated text.
mod db_uuid {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::db::DbUuid;

    pub fn serialize<S: Serializer>(id: &DbUuid, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&id.0.hyphenated().to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DbUuid, D::Error> {
        let text = String::deserialize(deserializer)?;
        uuid::Uuid::parse_str(&text)
            .map(DbUuid)
            .map_err(serde::de::Error::custom)
    }
}
