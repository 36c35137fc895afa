//! Meals, each in one of the owner's diets (API.md §2.4, §3.5.2).

use std::collections::HashMap;

use serde::Serialize;
use time::{Date, Time};
use utoipa::ToSchema;

use crate::accounts::{Caller, User, UserBrief};
use crate::collection::{Change, Collection, Operation};
use crate::datetime::{self, Timestamp};
use crate::db::{Database, Executor, Query, Transaction, query};
use crate::error::{Error, FieldErrors, Result};
use crate::input::{Body, Field, Form, Mode, Need, Range, Reader, RefStyle, Text, invalid_pk};
use crate::listing::{Filter, FilterKind, ListSpec, Page};
use crate::owned::OwnedTable;
use crate::precondition::IfMatch;

use super::diets::{Diet, DietRow, diet_columns, owns_diet};
use super::{MealType, Name, RecurrenceType};

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Meal {
    pub id: i64,
    #[schema(example = "Overnight oats")]
    pub name: String,
    pub description: Option<String>,
    pub diet: Diet,
    pub is_scheduled: bool,
    #[serde(with = "datetime::date_serde::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub start_date: Option<Date>,
    #[serde(with = "datetime::date_serde::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub end_date: Option<Date>,
    #[serde(with = "datetime::time_serde::option")]
    #[schema(value_type = Option<String>, example = "07:30:00")]
    pub start_time: Option<Time>,
    pub duration_minutes: i64,
    pub recurrence_type: RecurrenceType,
    #[serde(with = "datetime::date_serde::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub recurrence_until: Option<Date>,
    pub meal_type: MealType,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

macro_rules! meal_columns {
    () => {
        concat!(
            "m.id AS meal_id, m.name AS meal_name, m.description AS meal_description, \
             m.is_scheduled AS meal_is_scheduled, m.start_date AS meal_start_date, \
             m.end_date AS meal_end_date, m.start_time AS meal_start_time, \
             m.duration_minutes AS meal_duration_minutes, \
             m.recurrence_type AS meal_recurrence_type, \
             m.recurrence_until AS meal_recurrence_until, m.meal_type AS meal_meal_type, \
             m.created_at AS meal_created_at, m.updated_at AS meal_updated_at, ",
            diet_columns!()
        )
    };
}

/// Meals with their diets.
const FROM: &str = "meals m JOIN diets d ON d.id = m.diet_id";

#[derive(Debug, sqlx::FromRow)]
struct MealRow {
    meal_id: i64,
    meal_name: String,
    meal_description: Option<String>,
    meal_is_scheduled: bool,
    meal_start_date: Option<Date>,
    meal_end_date: Option<Date>,
    meal_start_time: Option<Time>,
    meal_duration_minutes: i32,
    meal_recurrence_type: RecurrenceType,
    meal_recurrence_until: Option<Date>,
    meal_meal_type: MealType,
    meal_created_at: Timestamp,
    meal_updated_at: Timestamp,
    #[sqlx(flatten)]
    diet: DietRow,
}

impl MealRow {
    fn into_meal(self, owner: &UserBrief) -> Meal {
        Meal {
            id: self.meal_id,
            name: self.meal_name,
            description: self.meal_description,
            diet: self.diet.into_diet(owner),
            is_scheduled: self.meal_is_scheduled,
            start_date: self.meal_start_date,
            end_date: self.meal_end_date,
            start_time: self.meal_start_time,
            duration_minutes: i64::from(self.meal_duration_minutes),
            recurrence_type: self.meal_recurrence_type,
            recurrence_until: self.meal_recurrence_until,
            meal_type: self.meal_meal_type,
            created_at: self.meal_created_at,
            updated_at: self.meal_updated_at,
        }
    }
}

const TABLE: OwnedTable = OwnedTable {
    table: "meals",
    entity: "Meal",
    object_type: "meal",
    create_action: "meal.create",
    update_action: "meal.update",
    delete_action: "meal.delete",
};

const LIST: ListSpec = ListSpec {
    from: FROM,
    columns: meal_columns!(),
    filters: &[
        Filter {
            param: "diet",
            column: "m.diet_id",
            kind: FilterKind::Id,
        },
        Filter {
            param: "meal_type",
            column: "m.meal_type",
            kind: FilterKind::Choice(MealType::VALUES),
        },
        Filter {
            param: "is_scheduled",
            column: "m.is_scheduled",
            kind: FilterKind::Bool,
        },
        Filter {
            param: "recurrence_type",
            column: "m.recurrence_type",
            kind: FilterKind::Choice(RecurrenceType::VALUES),
        },
    ],
    search: &["m.name", "m.description"],
    ordering: &[
        ("created_at", "m.created_at"),
        ("updated_at", "m.updated_at"),
        ("start_date", "m.start_date"),
        ("start_time", "m.start_time"),
    ],
    default_ordering: &["-created_at"],
    id: "m.id",
    owner: Some("m.user_id"),
};

/// The meals collection.
pub struct Meals;

impl Collection for Meals {
    const ENTITY: &'static str = "Meal";
    const LIST: &'static ListSpec = &LIST;
    const FORM: Form = FORM;
    type Id = i64;
    type Object = Meal;

    fn id(object: &Meal) -> i64 {
        object.id
    }

    async fn list(
        db: &Database,
        user: &User,
        query_string: &[(String, String)],
    ) -> Result<Page<Meal>> {
        let params = LIST.parse(query_string)?;
        let page: Page<MealRow> = LIST.fetch(db, LIST.owned_by(user.id), &params).await?;
        let owner = user.brief();
        Ok(page.map(|row| row.into_meal(&owner)))
    }

    async fn get(db: &Database, user: &User, id: i64) -> Result<Meal> {
        find(db, user, id).await
    }

    async fn create(db: &Database, caller: Caller<'_>, body: &Body) -> Result<Meal> {
        let insert = async |tx: &mut Transaction| {
            let fields = MealFields::read(tx, caller.user, body, Mode::Create, None).await?;
            insert_row(tx, caller.user, fields).await
        };
        let read = async |tx: &mut Transaction, id| find(tx, caller.user, id).await;
        TABLE.create(db, caller, insert, read).await
    }

    async fn update(
        db: &Database,
        caller: Caller<'_>,
        id: i64,
        change: Change<'_>,
    ) -> Result<Meal> {
        let read = async |tx: &mut Transaction| find(tx, caller.user, id).await;
        let write = async |tx: &mut Transaction, current: &Meal| {
            let (body, mode) = (change.body, change.mode);
            let fields = MealFields::read(tx, caller.user, body, mode, Some(current)).await?;
            update_row(tx, caller.user, id, fields).await
        };
        TABLE
            .update(db, caller, id, change.if_match, read, write)
            .await
    }

    /// Deletes the meal, its meal-ingredients and every record of it.
    async fn delete(db: &Database, caller: Caller<'_>, id: i64, if_match: &IfMatch) -> Result<()> {
        let current = async |tx: &mut Transaction| find(tx, caller.user, id).await;
        TABLE.delete(db, caller, id, if_match, current).await
    }

    fn rule(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::List => Some("The caller's meals."),
            Operation::Update => Some("`diet_id` moves the meal to another of the caller's diets."),
            Operation::Delete => Some("With its ingredients and records."),
            _ => None,
        }
    }
}

async fn insert_row(tx: &mut Transaction, user: &User, fields: MealFields) -> Result<i64> {
    let now = Timestamp::now();
    let id: i64 = query(
        "INSERT INTO meals (user_id, diet_id, name, description, is_scheduled, start_date, \
             end_date, start_time, duration_minutes, recurrence_type, recurrence_until, meal_type, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(user.id)
    .bind(fields.diet_id)
    .bind(fields.name)
    .bind(fields.description)
    .bind(fields.is_scheduled)
    .bind(fields.start_date)
    .bind(fields.end_date)
    .bind(fields.start_time)
    .bind(fields.duration_minutes)
    .bind(fields.recurrence_type)
    .bind(fields.recurrence_until)
    .bind(fields.meal_type)
    .bind(now)
    .fetch_scalar(tx)
    .await?;
    Ok(id)
}

async fn update_row(tx: &mut Transaction, user: &User, id: i64, fields: MealFields) -> Result<()> {
    query(
        "UPDATE meals SET diet_id = $3, name = $4, description = $5, is_scheduled = $6, \
             start_date = $7, end_date = $8, start_time = $9, duration_minutes = $10, \
             recurrence_type = $11, recurrence_until = $12, meal_type = $13, updated_at = $14 \
             WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user.id)
    .bind(fields.diet_id)
    .bind(fields.name)
    .bind(fields.description)
    .bind(fields.is_scheduled)
    .bind(fields.start_date)
    .bind(fields.end_date)
    .bind(fields.start_time)
    .bind(fields.duration_minutes)
    .bind(fields.recurrence_type)
    .bind(fields.recurrence_until)
    .bind(fields.meal_type)
    .bind(Timestamp::now())
    .execute(tx)
    .await?;
    Ok(())
}

async fn find<'e>(executor: impl Into<Executor<'e>>, user: &User, id: i64) -> Result<Meal> {
    let row: Option<MealRow> = query(concat!(
        "SELECT ",
        meal_columns!(),
        " FROM meals m JOIN diets d ON d.id = m.diet_id WHERE m.id = $1 AND m.user_id = $2"
    ))
    .bind(id)
    .bind(user.id)
    .fetch_optional(executor)
    .await?;
    row.map(|row| row.into_meal(&user.brief()))
        .ok_or(Error::NotFound("Meal"))
}

/// The user's meals with these ids, in one query (for the meals nested in records).
pub(super) async fn meals_by_id<'e>(
    executor: impl Into<Executor<'e>>,
    user: &User,
    ids: &[i64],
) -> Result<HashMap<i64, Meal>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Query::builder();
    sql.push(concat!("SELECT ", meal_columns!(), " FROM "))
        .push(FROM)
        .push(" WHERE m.user_id = ")
        .push_bind(user.id)
        .push(" AND m.id IN (")
        .push_bind_list(ids.iter().copied())
        .push(")");
    let rows: Vec<MealRow> = sql.fetch_all(executor).await?;
    let owner = user.brief();
    Ok(rows
        .into_iter()
        .map(|row| (row.meal_id, row.into_meal(&owner)))
        .collect())
}

struct MealFields {
    name: String,
    diet_id: i64,
    description: Option<String>,
    is_scheduled: bool,
    start_date: Option<Date>,
    end_date: Option<Date>,
    start_time: Option<Time>,
    duration_minutes: i64,
    recurrence_type: RecurrenceType,
    recurrence_until: Option<Date>,
    meal_type: MealType,
}

/// The keys of a meal's body: what the reader below accepts and the API documents.
const FORM: Form = Form(&[
    Field::text("name", Need::Required, Name::TEXT),
    // A full replacement may leave the meal in its diet.
    Field::reference("diet_id", Need::RequiredOnCreate, RefStyle::IdKey)
        .about("One of the caller's diets"),
    Field::text("description", Need::Optional, Text::ANY).or_null(),
    Field::boolean("is_scheduled", Need::Optional),
    Field::date("start_date", Need::Optional).or_null(),
    Field::date("end_date", Need::Optional)
        .or_null()
        .about("Not before `start_date`"),
    Field::time("start_time", Need::Optional).or_null(),
    Field::integer(
        "duration_minutes",
        Need::Optional,
        Range::between(0.0, 1440.0),
    )
    .about("Default 30"),
    Field::choice("recurrence_type", Need::Optional, RecurrenceType::VALUES),
    Field::date("recurrence_until", Need::Optional)
        .or_null()
        .about("Not before `start_date`"),
    Field::choice("meal_type", Need::Optional, MealType::VALUES),
]);

impl MealFields {
    async fn read(
        tx: &mut Transaction,
        user: &User,
        body: &Body,
        mode: Mode,
        current: Option<&Meal>,
    ) -> Result<MealFields> {
        let mut reader = Reader::new(body, mode, FORM);
        let name = reader.string("name");
        let diet_id = reader.reference("diet_id");
        let description = reader.string_or_null("description");
        let is_scheduled = reader.boolean("is_scheduled");
        let start_date = reader.date_or_null("start_date");
        let end_date = reader.date_or_null("end_date");
        let start_time = reader.time_or_null("start_time");
        let duration_minutes = reader.integer("duration_minutes");
        let recurrence_type = reader.choice("recurrence_type");
        let recurrence_until = reader.date_or_null("recurrence_until");
        let meal_type = reader.choice("meal_type");
        if let Some(diet_id) = diet_id
            && !owns_diet(tx, user, diet_id).await?
        {
            reader.error("diet_id", invalid_pk(diet_id));
        }
        reader.finish()?;

        let fields = MealFields {
            name: name
                .or_else(|| current.map(|m| m.name.clone()))
                .unwrap_or_default(),
            diet_id: diet_id.or(current.map(|m| m.diet.id)).unwrap_or_default(),
            description: description.unwrap_or_else(|| current.and_then(|m| m.description.clone())),
            is_scheduled: is_scheduled
                .or(current.map(|m| m.is_scheduled))
                .unwrap_or(false),
            start_date: start_date.unwrap_or_else(|| current.and_then(|m| m.start_date)),
            end_date: end_date.unwrap_or_else(|| current.and_then(|m| m.end_date)),
            start_time: start_time.unwrap_or_else(|| current.and_then(|m| m.start_time)),
            duration_minutes: duration_minutes
                .or(current.map(|m| m.duration_minutes))
                .unwrap_or(30),
            recurrence_type: recurrence_type
                .or(current.map(|m| m.recurrence_type))
                .unwrap_or(RecurrenceType::None),
            recurrence_until: recurrence_until
                .unwrap_or_else(|| current.and_then(|m| m.recurrence_until)),
            meal_type: meal_type
                .or(current.map(|m| m.meal_type))
                .unwrap_or(MealType::Regular),
        };
        let mut errors = FieldErrors::new();
        if let Some(start) = fields.start_date {
            if fields.end_date.is_some_and(|end| end < start) {
                errors.insert(
                    "end_date".into(),
                    vec!["End date must not be before start date.".into()],
                );
            }
            if fields.recurrence_until.is_some_and(|until| until < start) {
                errors.insert(
                    "recurrence_until".into(),
                    vec!["Recurrence end must not be before start date.".into()],
                );
            }
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        Ok(fields)
    }
}

/// Whether `id` is one of the user's meals: the check of `meal` / `meal_id` in a body.
pub(super) async fn owns_meal<'e>(
    executor: impl Into<Executor<'e>>,
    user: &User,
    id: i64,
) -> Result<bool> {
    Ok(
        query("SELECT EXISTS (SELECT 1 FROM meals WHERE id = $1 AND user_id = $2)")
            .bind(id)
            .bind(user.id)
            .fetch_scalar(executor)
            .await?,
    )
}
