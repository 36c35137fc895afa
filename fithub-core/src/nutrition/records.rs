//! Logged meals: planned (one of the owner's meals) or ad hoc with their own name and nutrition
//! (API.md §2.8, §3.5.5, §5.1).

use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::{Caller, User, UserBrief};
use crate::collection::{Change, Collection, Operation};
use crate::datetime::Timestamp;
use crate::db::{Connection, Database, Executor, Transaction, query};
use crate::error::{Error, Result};
use crate::input::{
    Body, Field, Form, Mode, Need, REQUIRED, Range, Reader, RefStyle, Text, invalid_pk,
};
use crate::listing::{Filter, FilterKind, ListSpec, Page, timestamp_ranges};
use crate::owned::OwnedTable;
use crate::precondition::IfMatch;

use super::Name;
use super::meals::{Meal, meals_by_id, owns_meal};

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MealRecord {
    pub id: i64,
    pub meal: Option<Meal>,
    pub meal_name: Option<String>,
    pub quantity_grams: Option<f64>,
    pub calories: Option<f64>,
    pub proteins: Option<f64>,
    pub carbs: Option<f64>,
    pub fats: Option<f64>,
    #[schema(value_type = String, format = DateTime)]
    pub timestamp: Timestamp,
    /// Always `null`: photos are not part of the API.
    #[schema(value_type = Option<String>)]
    pub photo: Option<()>,
    pub user: UserBrief,
    pub feedback: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        "r.id, r.meal_id, r.meal_name, r.quantity_grams, r.calories, r.proteins, r.carbs, r.fats, \
         r.\"timestamp\", r.feedback, r.created_at, r.updated_at"
    };
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    id: i64,
    meal_id: Option<i64>,
    meal_name: Option<String>,
    quantity_grams: Option<f64>,
    calories: Option<f64>,
    proteins: Option<f64>,
    carbs: Option<f64>,
    fats: Option<f64>,
    timestamp: Timestamp,
    feedback: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// Records with their meals: one query for the records, one for all their meals.
async fn with_meals<'e>(
    executor: impl Into<Executor<'e>>,
    user: &User,
    rows: Vec<Row>,
) -> Result<Vec<MealRecord>> {
    let mut ids: Vec<i64> = rows.iter().filter_map(|row| row.meal_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let meals = meals_by_id(executor, user, &ids).await?;
    let owner = user.brief();
    Ok(rows
        .into_iter()
        .map(|row| MealRecord {
            id: row.id,
            meal: row.meal_id.and_then(|id| meals.get(&id).cloned()),
            meal_name: row.meal_name,
            quantity_grams: row.quantity_grams,
            calories: row.calories,
            proteins: row.proteins,
            carbs: row.carbs,
            fats: row.fats,
            timestamp: row.timestamp,
            photo: None,
            user: owner.clone(),
            feedback: row.feedback,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
        .collect())
}

const TABLE: OwnedTable = OwnedTable {
    table: "meal_records",
    entity: "MealRecord",
    object_type: "meal_record",
    create_action: "record.create",
    update_action: "record.update",
    delete_action: "record.delete",
};

const LIST: ListSpec = ListSpec {
    from: "meal_records r",
    columns: columns!(),
    filters: &{
        let [from, until, date, date_from, date_until] = timestamp_ranges("r.\"timestamp\"");
        [
            Filter {
                param: "meal",
                column: "r.meal_id",
                kind: FilterKind::Id,
            },
            Filter {
                param: "timestamp",
                column: "r.\"timestamp\"",
                kind: FilterKind::Timestamp,
            },
            from,
            until,
            date,
            date_from,
            date_until,
        ]
    },
    search: &["r.meal_name", "r.feedback"],
    ordering: &[
        ("timestamp", "r.\"timestamp\""),
        ("created_at", "r.created_at"),
    ],
    default_ordering: &["-timestamp"],
    id: "r.id",
    owner: Some("r.user_id"),
};

/// The records collection.
pub struct Records;

impl Collection for Records {
    const ENTITY: &'static str = "MealRecord";
    const LIST: &'static ListSpec = &LIST;
    const FORM: Form = FORM;
    type Id = i64;
    type Object = MealRecord;

    fn id(object: &MealRecord) -> i64 {
        object.id
    }

    async fn list(
        db: &Database,
        user: &User,
        query_string: &[(String, String)],
    ) -> Result<Page<MealRecord>> {
        let params = LIST.parse_in(query_string, &user.time_zone)?;
        // The page and its meals on one connection.
        let mut conn = Connection::acquire(db).await?;
        let page: Page<Row> = LIST
            .fetch_on(&mut conn, LIST.owned_by(user.id), &params)
            .await?;
        let records = with_meals(&mut conn, user, page.results).await?;
        Ok(Page {
            count: page.count,
            number: page.number,
            last: page.last,
            results: records,
        })
    }

    async fn get(db: &Database, user: &User, id: i64) -> Result<MealRecord> {
        let row = find_row(db, user, id).await?;
        Ok(with_meals(db, user, vec![row]).await?.remove(0))
    }

    async fn create(db: &Database, caller: Caller<'_>, body: &Body) -> Result<MealRecord> {
        let mut tx = caller.begin(db).await?;
        let fields = Fields::read(&mut tx, caller.user, body, Mode::Create, None).await?;
        let now = Timestamp::now();
        let id: i64 = query(
            "INSERT INTO meal_records (user_id, meal_id, meal_name, quantity_grams, calories, \
             proteins, carbs, fats, \"timestamp\", feedback, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(caller.user.id)
        .bind(fields.meal_id)
        .bind(fields.meal_name)
        .bind(fields.quantity_grams)
        .bind(fields.calories)
        .bind(fields.proteins)
        .bind(fields.carbs)
        .bind(fields.fats)
        .bind(fields.timestamp)
        .bind(fields.feedback)
        .bind(now)
        .fetch_scalar(&mut tx)
        .await?;
        caller
            .audit(&mut tx, TABLE.create_action, TABLE.object_type, id)
            .await?;
        tx.commit().await?;
        Records::get(db, caller.user, id).await
    }

    async fn update(
        db: &Database,
        caller: Caller<'_>,
        id: i64,
        change: Change<'_>,
    ) -> Result<MealRecord> {
        let Change {
            body,
            mode,
            if_match,
        } = change;
        let mut tx = caller.begin(db).await?;
        let current = find_row(&mut tx, caller.user, id).await?;
        if if_match.is_set() {
            let shown = with_meals(&mut tx, caller.user, vec![current.clone()]).await?;
            if_match.check(&shown[0])?;
        }
        let fields = Fields::read(&mut tx, caller.user, body, mode, Some(&current)).await?;
        query(
            "UPDATE meal_records SET meal_id = $3, meal_name = $4, quantity_grams = $5, \
             calories = $6, proteins = $7, carbs = $8, fats = $9, \"timestamp\" = $10, \
             feedback = $11, updated_at = $12 WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(caller.user.id)
        .bind(fields.meal_id)
        .bind(fields.meal_name)
        .bind(fields.quantity_grams)
        .bind(fields.calories)
        .bind(fields.proteins)
        .bind(fields.carbs)
        .bind(fields.fats)
        .bind(fields.timestamp)
        .bind(fields.feedback)
        .bind(Timestamp::now())
        .execute(&mut tx)
        .await?;
        caller
            .audit(&mut tx, TABLE.update_action, TABLE.object_type, id)
            .await?;
        tx.commit().await?;
        Records::get(db, caller.user, id).await
    }

    async fn delete(db: &Database, caller: Caller<'_>, id: i64, if_match: &IfMatch) -> Result<()> {
        let current = async |tx: &mut Transaction| {
            let row = find_row(&mut *tx, caller.user, id).await?;
            Ok(with_meals(tx, caller.user, vec![row]).await?.remove(0))
        };
        TABLE.delete(db, caller, id, if_match, current).await
    }

    fn rule(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::List => Some("The caller's records, newest first."),
            Operation::Create => {
                Some("One of the caller's meals, or a name with its own nutrition.")
            }
            Operation::Update => Some("May switch between a planned and an ad-hoc record."),
            _ => None,
        }
    }
}

async fn find_row<'e>(executor: impl Into<Executor<'e>>, user: &User, id: i64) -> Result<Row> {
    query(concat!(
        "SELECT ",
        columns!(),
        " FROM meal_records r WHERE r.id = $1 AND r.user_id = $2"
    ))
    .bind(id)
    .bind(user.id)
    .fetch_optional(executor)
    .await?
    .ok_or(Error::NotFound("MealRecord"))
}

/// `GET /records/today/`: the caller's records of today's local date, newest first.
pub async fn records_today(db: &Database, user: &User) -> Result<Vec<MealRecord>> {
    let zone = &user.time_zone;
    let today = zone.window(zone.today(), zone.today());
    let rows: Vec<Row> = query(concat!(
        "SELECT ",
        columns!(),
        " FROM meal_records r WHERE r.user_id = $1 AND r.\"timestamp\" >= $2 \
         AND r.\"timestamp\" < $3 ORDER BY r.\"timestamp\" DESC, r.id DESC"
    ))
    .bind(user.id)
    .bind(today.from)
    .bind(today.until)
    .fetch_all(db)
    .await?;
    with_meals(db, user, rows).await
}

struct Fields {
    meal_id: Option<i64>,
    meal_name: Option<String>,
    quantity_grams: Option<f64>,
    calories: Option<f64>,
    proteins: Option<f64>,
    carbs: Option<f64>,
    fats: Option<f64>,
    timestamp: Timestamp,
    feedback: Option<String>,
}

/// The keys of a meal record's body: what the reader below accepts and the API documents.
const FORM: Form = Form(&[
    Field::reference("meal_id", Need::Optional, RefStyle::IdKey)
        .or_null()
        .about("One of the caller's meals; may be omitted or `null` when `meal_name` is given"),
    Field::text("meal_name", Need::Optional, Name::TEXT)
        .or_null()
        .about("Required (not blank) for a record without a meal"),
    Field::number("quantity_grams", Need::Optional, Range::AMOUNT)
        .or_null()
        .about("The portion, informational only"),
    Field::number("calories", Need::Optional, Range::AMOUNT)
        .or_null()
        .about("Totals for the portion eaten (not per 100 g), like each nutrient"),
    Field::number("proteins", Need::Optional, Range::AMOUNT).or_null(),
    Field::number("carbs", Need::Optional, Range::AMOUNT).or_null(),
    Field::number("fats", Need::Optional, Range::AMOUNT).or_null(),
    Field::timestamp("timestamp", Need::Required),
    Field::text("feedback", Need::Optional, Text::ANY).or_null(),
]);

impl Fields {
    async fn read(
        tx: &mut Transaction,
        user: &User,
        body: &Body,
        mode: Mode,
        current: Option<&Row>,
    ) -> Result<Fields> {
        let mut reader = Reader::new(body, mode, FORM);
        let meal_id = reader.reference_or_null("meal_id");
        let meal_name = reader.string_or_null("meal_name");
        let mut nutrient = |key| reader.number_or_null(key);
        let quantity_grams = nutrient("quantity_grams");
        let calories = nutrient("calories");
        let proteins = nutrient("proteins");
        let carbs = nutrient("carbs");
        let fats = nutrient("fats");
        let timestamp = reader.timestamp("timestamp");
        let feedback = reader.string_or_null("feedback");
        if let Some(Some(meal)) = meal_id
            && !owns_meal(&mut *tx, user, meal).await?
        {
            reader.error("meal_id", invalid_pk(meal));
        }
        // A record is a meal, or at least a name (§5.1): reported with every other key's error.
        let stays = |given: Option<bool>, stored: bool| given.unwrap_or(stored);
        let has_meal = stays(
            meal_id.map(|id| id.is_some()),
            current.is_some_and(|r| r.meal_id.is_some()),
        );
        let has_name = stays(
            meal_name.as_ref().map(|name| name.is_some()),
            current.is_some_and(|r| r.meal_name.is_some()),
        );
        if !has_meal && !has_name && !reader.has_error("meal_id") && !reader.has_error("meal_name")
        {
            reader.error("meal_id", REQUIRED);
        }
        reader.finish()?;

        let stored = |value: fn(&Row) -> Option<f64>| current.and_then(value);
        let fields = Fields {
            meal_id: meal_id.unwrap_or_else(|| current.and_then(|r| r.meal_id)),
            meal_name: meal_name.unwrap_or_else(|| current.and_then(|r| r.meal_name.clone())),
            quantity_grams: quantity_grams.unwrap_or_else(|| stored(|r| r.quantity_grams)),
            calories: calories.unwrap_or_else(|| stored(|r| r.calories)),
            proteins: proteins.unwrap_or_else(|| stored(|r| r.proteins)),
            carbs: carbs.unwrap_or_else(|| stored(|r| r.carbs)),
            fats: fats.unwrap_or_else(|| stored(|r| r.fats)),
            timestamp: timestamp
                .or(current.map(|r| r.timestamp))
                .unwrap_or_else(Timestamp::now),
            feedback: feedback.unwrap_or_else(|| current.and_then(|r| r.feedback.clone())),
        };
        Ok(fields)
    }
}
