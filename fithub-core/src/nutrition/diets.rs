//! Diets: daily macro targets, at most one active per user (API.md §2.3, §3.5.1).

use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use crate::accounts::{Caller, User, UserBrief};
use crate::collection::{Change, Collection, Operation};
use crate::datetime::{self, Timestamp};
use crate::db::{Database, Executor, Transaction, query};
use crate::error::{Error, Result};
use crate::input::{Body, Field, Form, Mode, Need, Range, Reader, Text};
use crate::listing::{Filter, FilterKind, ListSpec, Page};
use crate::owned::OwnedTable;
use crate::precondition::IfMatch;

use super::Name;

/// A diet as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Diet {
    pub id: i64,
    #[schema(example = "Lean bulk")]
    pub name: String,
    pub user: UserBrief,
    pub day_proteins_g: f64,
    pub day_fats_g: f64,
    pub day_carbohydrates_g: f64,
    pub day_calories_kcal: f64,
    pub is_active: bool,
    #[serde(with = "datetime::date_serde")]
    #[schema(value_type = String, format = Date)]
    pub start_date: Date,
    #[serde(with = "datetime::date_serde::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub end_date: Option<Date>,
    pub notes: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// The columns of [`DietRow`], aliased so that a diet can be read beside a meal.
macro_rules! diet_columns {
    () => {
        "d.id AS diet_id, d.name AS diet_name, d.day_proteins_g AS diet_day_proteins_g, \
         d.day_fats_g AS diet_day_fats_g, d.day_carbohydrates_g AS diet_day_carbohydrates_g, \
         d.day_calories_kcal AS diet_day_calories_kcal, d.is_active AS diet_is_active, \
         d.start_date AS diet_start_date, d.end_date AS diet_end_date, d.notes AS diet_notes, \
         d.created_at AS diet_created_at, d.updated_at AS diet_updated_at"
    };
}
pub(super) use diet_columns;

#[derive(Debug, sqlx::FromRow)]
pub(super) struct DietRow {
    diet_id: i64,
    diet_name: String,
    diet_day_proteins_g: f64,
    diet_day_fats_g: f64,
    diet_day_carbohydrates_g: f64,
    diet_day_calories_kcal: f64,
    diet_is_active: bool,
    diet_start_date: Date,
    diet_end_date: Option<Date>,
    diet_notes: String,
    diet_created_at: Timestamp,
    diet_updated_at: Timestamp,
}

impl DietRow {
    /// Every diet belongs to the caller, so the caller is its `user`.
    pub(super) fn into_diet(self, owner: &UserBrief) -> Diet {
        Diet {
            id: self.diet_id,
            name: self.diet_name,
            user: owner.clone(),
            day_proteins_g: self.diet_day_proteins_g,
            day_fats_g: self.diet_day_fats_g,
            day_carbohydrates_g: self.diet_day_carbohydrates_g,
            day_calories_kcal: self.diet_day_calories_kcal,
            is_active: self.diet_is_active,
            start_date: self.diet_start_date,
            end_date: self.diet_end_date,
            notes: self.diet_notes,
            created_at: self.diet_created_at,
            updated_at: self.diet_updated_at,
        }
    }
}

const TABLE: OwnedTable = OwnedTable {
    table: "diets",
    entity: "Diet",
    object_type: "diet",
    create_action: "diet.create",
    update_action: "diet.update",
    delete_action: "diet.delete",
};

const LIST: ListSpec = ListSpec {
    from: "diets d",
    columns: diet_columns!(),
    filters: &[
        Filter {
            param: "is_active",
            column: "d.is_active",
            kind: FilterKind::Bool,
        },
        Filter {
            param: "start_date",
            column: "d.start_date",
            kind: FilterKind::Date,
        },
        Filter {
            param: "end_date",
            column: "d.end_date",
            kind: FilterKind::Date,
        },
    ],
    search: &["d.name", "d.notes"],
    ordering: &[
        ("created_at", "d.created_at"),
        ("updated_at", "d.updated_at"),
        ("start_date", "d.start_date"),
    ],
    default_ordering: &["-created_at"],
    id: "d.id",
    owner: Some("d.user_id"),
};

/// The diets collection.
pub struct Diets;

impl Collection for Diets {
    const ENTITY: &'static str = "Diet";
    const LIST: &'static ListSpec = &LIST;
    const FORM: Form = FORM;
    type Id = i64;
    type Object = Diet;

    fn id(object: &Diet) -> i64 {
        object.id
    }

    async fn list(
        db: &Database,
        user: &User,
        query_string: &[(String, String)],
    ) -> Result<Page<Diet>> {
        let params = LIST.parse(query_string)?;
        let page: Page<DietRow> = LIST.fetch(db, LIST.owned_by(user.id), &params).await?;
        let owner = user.brief();
        Ok(page.map(|row| row.into_diet(&owner)))
    }

    async fn get(db: &Database, user: &User, id: i64) -> Result<Diet> {
        find(db, user, id).await
    }

    async fn create(db: &Database, caller: Caller<'_>, body: &Body) -> Result<Diet> {
        let fields = DietFields::read(body, Mode::Create, None, caller.user)?;
        let insert = async |tx: &mut Transaction| insert_row(tx, caller.user, fields).await;
        let read = async |tx: &mut Transaction, id| find(tx, caller.user, id).await;
        TABLE.create(db, caller, insert, read).await
    }

    /// `PUT` (`Mode::Replace`) or `PATCH` (`Mode::Update`).
    async fn update(
        db: &Database,
        caller: Caller<'_>,
        id: i64,
        change: Change<'_>,
    ) -> Result<Diet> {
        let read = async |tx: &mut Transaction| find(tx, caller.user, id).await;
        let write = async |tx: &mut Transaction, current: &Diet| {
            let fields = DietFields::read(change.body, change.mode, Some(current), caller.user)?;
            update_row(tx, caller.user, id, fields).await
        };
        TABLE
            .update(db, caller, id, change.if_match, read, write)
            .await
    }

    /// Deletes the diet and, through it, its meals, their ingredients and records.
    async fn delete(db: &Database, caller: Caller<'_>, id: i64, if_match: &IfMatch) -> Result<()> {
        let current = async |tx: &mut Transaction| find(tx, caller.user, id).await;
        TABLE.delete(db, caller, id, if_match, current).await
    }

    fn rule(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::Create | Operation::Replace | Operation::Update => Some(
                "`is_active: true` deactivates the caller's other diets, in the same transaction.",
            ),
            Operation::Delete => Some("Its meals go with it, and their ingredients and records."),
            _ => None,
        }
    }
}

/// Inserts the caller's new diet; an active one deactivates the others.
async fn insert_row(tx: &mut Transaction, user: &User, fields: DietFields) -> Result<i64> {
    if fields.is_active {
        deactivate_others(&mut *tx, user, None).await?;
    }
    let now = Timestamp::now();
    let id: i64 = query(
        "INSERT INTO diets (user_id, name, day_proteins_g, day_fats_g, day_carbohydrates_g, \
             day_calories_kcal, is_active, start_date, end_date, notes, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(user.id)
    .bind(fields.name)
    .bind(fields.day_proteins_g)
    .bind(fields.day_fats_g)
    .bind(fields.day_carbohydrates_g)
    .bind(fields.day_calories_kcal)
    .bind(fields.is_active)
    .bind(fields.start_date)
    .bind(fields.end_date)
    .bind(fields.notes)
    .bind(now)
    .fetch_scalar(tx)
    .await?;
    Ok(id)
}

/// Writes the caller's diet `id`; an active one deactivates the others.
async fn update_row(tx: &mut Transaction, user: &User, id: i64, fields: DietFields) -> Result<()> {
    if fields.is_active {
        deactivate_others(&mut *tx, user, Some(id)).await?;
    }
    query(
        "UPDATE diets SET name = $3, day_proteins_g = $4, day_fats_g = $5, \
             day_carbohydrates_g = $6, day_calories_kcal = $7, is_active = $8, start_date = $9, \
             end_date = $10, notes = $11, updated_at = $12 WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user.id)
    .bind(fields.name)
    .bind(fields.day_proteins_g)
    .bind(fields.day_fats_g)
    .bind(fields.day_carbohydrates_g)
    .bind(fields.day_calories_kcal)
    .bind(fields.is_active)
    .bind(fields.start_date)
    .bind(fields.end_date)
    .bind(fields.notes)
    .bind(Timestamp::now())
    .execute(tx)
    .await?;
    Ok(())
}

async fn find<'e>(executor: impl Into<Executor<'e>>, user: &User, id: i64) -> Result<Diet> {
    let row: Option<DietRow> = query(concat!(
        "SELECT ",
        diet_columns!(),
        " FROM diets d WHERE d.id = $1 AND d.user_id = $2"
    ))
    .bind(id)
    .bind(user.id)
    .fetch_optional(executor)
    .await?;
    row.map(|row| row.into_diet(&user.brief()))
        .ok_or(Error::NotFound("Diet"))
}

/// `GET /diets/active/`: the caller's active diet, if any.
pub async fn active_diet(db: &Database, user: &User) -> Result<Option<Diet>> {
    let row: Option<DietRow> = query(concat!(
        "SELECT ",
        diet_columns!(),
        " FROM diets d WHERE d.user_id = $1 AND d.is_active"
    ))
    .bind(user.id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| row.into_diet(&user.brief())))
}

/// A diet's writable keys, after defaults (create) or the stored values (update).
struct DietFields {
    name: String,
    day_proteins_g: f64,
    day_fats_g: f64,
    day_carbohydrates_g: f64,
    day_calories_kcal: f64,
    is_active: bool,
    start_date: Date,
    end_date: Option<Date>,
    notes: String,
}

/// The keys of a diet's body: what the reader below accepts and the API documents.
const FORM: Form = Form(&[
    Field::text("name", Need::Required, Name::TEXT),
    Field::number("day_proteins_g", Need::Required, Range::AMOUNT),
    Field::number("day_fats_g", Need::Required, Range::AMOUNT),
    Field::number("day_carbohydrates_g", Need::Required, Range::AMOUNT),
    Field::number("day_calories_kcal", Need::Required, Range::AMOUNT),
    Field::boolean("is_active", Need::Optional)
        .about("`true` deactivates the caller's other diets"),
    Field::date("start_date", Need::Optional).about("Default: today"),
    Field::date("end_date", Need::Optional)
        .or_null()
        .about("Not before `start_date`"),
    Field::text("notes", Need::Optional, Text::ANY),
]);

impl DietFields {
    /// A new diet starts today, in its owner's zone, unless told otherwise.
    fn read(body: &Body, mode: Mode, current: Option<&Diet>, owner: &User) -> Result<DietFields> {
        let mut reader = Reader::new(body, mode, FORM);
        let name = reader.string("name");
        let mut target = |key| reader.number(key);
        let day_proteins_g = target("day_proteins_g");
        let day_fats_g = target("day_fats_g");
        let day_carbohydrates_g = target("day_carbohydrates_g");
        let day_calories_kcal = target("day_calories_kcal");
        let is_active = reader.boolean("is_active");
        let start_date = reader.date("start_date");
        let end_date = reader.date_or_null("end_date");
        let notes = reader.string("notes");
        // `goal_id` is accepted and ignored: diets have no goal.
        reader.finish()?;

        let fields = DietFields {
            name: name
                .or_else(|| current.map(|d| d.name.clone()))
                .unwrap_or_default(),
            day_proteins_g: day_proteins_g
                .or(current.map(|d| d.day_proteins_g))
                .unwrap_or_default(),
            day_fats_g: day_fats_g
                .or(current.map(|d| d.day_fats_g))
                .unwrap_or_default(),
            day_carbohydrates_g: day_carbohydrates_g
                .or(current.map(|d| d.day_carbohydrates_g))
                .unwrap_or_default(),
            day_calories_kcal: day_calories_kcal
                .or(current.map(|d| d.day_calories_kcal))
                .unwrap_or_default(),
            is_active: is_active.or(current.map(|d| d.is_active)).unwrap_or(false),
            start_date: start_date
                .or(current.map(|d| d.start_date))
                .unwrap_or_else(|| owner.time_zone.today()),
            end_date: end_date.unwrap_or_else(|| current.and_then(|d| d.end_date)),
            notes: notes
                .or_else(|| current.map(|d| d.notes.clone()))
                .unwrap_or_default(),
        };
        if fields.end_date.is_some_and(|end| end < fields.start_date) {
            return Err(Error::field(
                "end_date",
                "End date must not be before start date.",
            ));
        }
        Ok(fields)
    }
}

/// Deactivates every other diet of the user (all of them for a diet not yet inserted), inside a
/// transaction that holds the user's lock ([`Caller::begin`]).
async fn deactivate_others(tx: &mut Transaction, user: &User, except: Option<i64>) -> Result<()> {
    query(
        "UPDATE diets SET is_active = false, updated_at = $3 \
         WHERE user_id = $1 AND is_active AND id <> $2",
    )
    .bind(user.id)
    .bind(except.unwrap_or(0))
    .bind(Timestamp::now())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// `POST /diets/{id}/activate/`: this diet active, every other one not, in one transaction.
pub async fn activate_diet(db: &Database, caller: Caller<'_>, id: i64) -> Result<()> {
    let mut tx = caller.begin(db).await?;
    find(&mut tx, caller.user, id).await?;
    deactivate_others(&mut tx, caller.user, Some(id)).await?;
    query("UPDATE diets SET is_active = true, updated_at = $3 WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(caller.user.id)
        .bind(Timestamp::now())
        .execute(&mut tx)
        .await?;
    caller.audit(&mut tx, "diet.activate", "diet", id).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `id` is one of the user's diets: the check of a `diet_id` in a body.
pub(super) async fn owns_diet(tx: &mut Transaction, user: &User, id: i64) -> Result<bool> {
    Ok(
        query("SELECT EXISTS (SELECT 1 FROM diets WHERE id = $1 AND user_id = $2)")
            .bind(id)
            .bind(user.id)
            .fetch_scalar(tx)
            .await?,
    )
}
