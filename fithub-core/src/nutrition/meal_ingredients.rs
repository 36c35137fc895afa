//! Ingredients in meals, with quantities (API.md §2.7, §3.5.7, and the `ingredients` and
//! `add_ingredient` actions of §3.5.2).

use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::{Caller, User};
use crate::collection::{Change, Collection, Operation};
use crate::datetime::Timestamp;
use crate::db::{Database, Executor, Transaction, query};
use crate::error::{Error, Result};
use crate::input::{Body, Field, Form, Mode, Need, Range, Reader, RefStyle, invalid_pk};
use crate::listing::{Filter, FilterKind, ListSpec, Page};
use crate::owned::OwnedTable;
use crate::precondition::IfMatch;

use super::ingredients::{Ingredient, IngredientRow, ingredient_columns, is_visible};
use super::meals::owns_meal;
use super::{Barcode, Name};

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MealIngredient {
    pub id: i64,
    /// The meal's id.
    pub meal: i64,
    pub ingredient: Ingredient,
    pub barcode: Option<String>,
    /// Grams, whatever the unit says.
    pub quantity: f64,
    #[schema(example = "g")]
    pub unit: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        concat!(
            "mi.id, mi.meal_id, mi.barcode, mi.quantity, mi.unit, mi.created_at, mi.updated_at, ",
            ingredient_columns!()
        )
    };
}

macro_rules! from {
    () => {
        "meal_ingredients mi JOIN ingredients i ON i.id = mi.ingredient_id \
         LEFT JOIN categories c ON c.id = i.category_id"
    };
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: i64,
    meal_id: i64,
    barcode: Option<String>,
    quantity: f64,
    unit: String,
    created_at: Timestamp,
    updated_at: Timestamp,
    #[sqlx(flatten)]
    ingredient: IngredientRow,
}

impl From<Row> for MealIngredient {
    fn from(row: Row) -> MealIngredient {
        MealIngredient {
            id: row.id,
            meal: row.meal_id,
            ingredient: row.ingredient.into(),
            barcode: row.barcode,
            quantity: row.quantity,
            unit: row.unit,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

const TABLE: OwnedTable = OwnedTable {
    table: "meal_ingredients",
    entity: "MealIngredient",
    object_type: "meal_ingredient",
    create_action: "meal_ingredient.create",
    update_action: "meal_ingredient.update",
    delete_action: "meal_ingredient.delete",
};

const LIST: ListSpec = ListSpec {
    from: from!(),
    columns: columns!(),
    filters: &[
        Filter {
            param: "meal",
            column: "mi.meal_id",
            kind: FilterKind::Id,
        },
        Filter {
            param: "ingredient",
            column: "mi.ingredient_id",
            kind: FilterKind::Id,
        },
    ],
    search: &[],
    ordering: &[("created_at", "mi.created_at"), ("quantity", "mi.quantity")],
    default_ordering: &["-created_at"],
    id: "mi.id",
    owner: Some("mi.user_id"),
};

/// The meal ingredients collection.
pub struct MealIngredients;

impl Collection for MealIngredients {
    const ENTITY: &'static str = "MealIngredient";
    const LIST: &'static ListSpec = &LIST;
    const FORM: Form = FORM;
    type Id = i64;
    type Object = MealIngredient;

    fn id(object: &MealIngredient) -> i64 {
        object.id
    }

    async fn list(
        db: &Database,
        user: &User,
        query_string: &[(String, String)],
    ) -> Result<Page<MealIngredient>> {
        let params = LIST.parse(query_string)?;
        let page: Page<Row> = LIST.fetch(db, LIST.owned_by(user.id), &params).await?;
        Ok(page.map(MealIngredient::from))
    }

    async fn get(db: &Database, user: &User, id: i64) -> Result<MealIngredient> {
        find(db, user, id).await
    }

    async fn create(db: &Database, caller: Caller<'_>, body: &Body) -> Result<MealIngredient> {
        let insert = async |tx: &mut Transaction| {
            let fields = Fields::read(tx, caller.user, body, Mode::Create, None, None).await?;
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
    ) -> Result<MealIngredient> {
        let read = async |tx: &mut Transaction| find(tx, caller.user, id).await;
        let write = async |tx: &mut Transaction, current: &MealIngredient| {
            let (body, mode) = (change.body, change.mode);
            let fields = Fields::read(tx, caller.user, body, mode, None, Some(current)).await?;
            update_row(tx, caller.user, id, fields).await
        };
        TABLE
            .update(db, caller, id, change.if_match, read, write)
            .await
    }

    async fn delete(db: &Database, caller: Caller<'_>, id: i64, if_match: &IfMatch) -> Result<()> {
        let current = async |tx: &mut Transaction| find(tx, caller.user, id).await;
        TABLE.delete(db, caller, id, if_match, current).await
    }

    fn rule(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::List => Some("The ingredients of the caller's meals."),
            _ => None,
        }
    }
}

async fn find<'e>(
    executor: impl Into<Executor<'e>>,
    user: &User,
    id: i64,
) -> Result<MealIngredient> {
    let row: Option<Row> = query(concat!(
        "SELECT ",
        columns!(),
        " FROM ",
        from!(),
        " WHERE mi.id = $1 AND mi.user_id = $2"
    ))
    .bind(id)
    .bind(user.id)
    .fetch_optional(executor)
    .await?;
    row.map(MealIngredient::from)
        .ok_or(Error::NotFound("MealIngredient"))
}

/// `GET /meals/{id}/ingredients/`: the meal's ingredients in the order they were added.
pub async fn ingredients_of_meal(
    db: &Database,
    user: &User,
    meal_id: i64,
) -> Result<Vec<MealIngredient>> {
    if !owns_meal(db, user, meal_id).await? {
        return Err(Error::NotFound("Meal"));
    }
    let rows: Vec<Row> = query(concat!(
        "SELECT ",
        columns!(),
        " FROM ",
        from!(),
        " WHERE mi.meal_id = $1 AND mi.user_id = $2 ORDER BY mi.created_at, mi.id"
    ))
    .bind(meal_id)
    .bind(user.id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(MealIngredient::from).collect())
}

struct Fields {
    meal_id: i64,
    ingredient_id: i64,
    quantity: f64,
    unit: String,
    barcode: Option<String>,
}

const INGREDIENT_ID: Field = Field::reference("ingredient_id", Need::Required, RefStyle::IdKey)
    .about("A public ingredient or one of the caller's own");
const QUANTITY: Field =
    Field::number("quantity", Need::Required, Range::AMOUNT).about("In `unit`s");
const UNIT: Field = Field::text("unit", Need::Required, Name::TEXT);
const BARCODE: Field = Field::text("barcode", Need::Optional, Barcode::TEXT).or_null();

/// The keys of a meal ingredient's body: what the reader below accepts and the API documents.
const FORM: Form = Form(&[
    Field::reference("meal", Need::Required, RefStyle::PkKey).about("One of the caller's meals"),
    INGREDIENT_ID,
    QUANTITY,
    UNIT,
    BARCODE,
]);

/// The keys of `add_ingredient`'s body: the path names the meal.
pub const ADD_INGREDIENT_FORM: Form = Form(&[INGREDIENT_ID, QUANTITY, UNIT, BARCODE]);

impl Fields {
    /// `meal` comes from the body, or from the path for `add_ingredient`.
    async fn read(
        tx: &mut Transaction,
        user: &User,
        body: &Body,
        mode: Mode,
        meal_in_path: Option<i64>,
        current: Option<&MealIngredient>,
    ) -> Result<Fields> {
        let form = match meal_in_path {
            Some(_) => ADD_INGREDIENT_FORM,
            None => FORM,
        };
        let mut reader = Reader::new(body, mode, form);
        let meal_id = match meal_in_path {
            Some(meal) => Some(meal),
            None => reader.reference("meal"),
        };
        let ingredient_id = reader.reference("ingredient_id");
        let quantity = reader.number("quantity");
        let unit = reader.string("unit");
        let barcode = reader.string_or_null("barcode");
        if meal_in_path.is_none()
            && let Some(meal) = meal_id
            && !owns_meal(&mut *tx, user, meal).await?
        {
            reader.error("meal", invalid_pk(meal));
        }
        if let Some(ingredient) = ingredient_id
            && !is_visible(&mut *tx, user, ingredient).await?
        {
            reader.error("ingredient_id", invalid_pk(ingredient));
        }
        reader.finish()?;
        Ok(Fields {
            meal_id: meal_id.or(current.map(|mi| mi.meal)).unwrap_or_default(),
            ingredient_id: ingredient_id
                .or(current.map(|mi| mi.ingredient.id))
                .unwrap_or_default(),
            quantity: quantity
                .or(current.map(|mi| mi.quantity))
                .unwrap_or_default(),
            unit: unit
                .or_else(|| current.map(|mi| mi.unit.clone()))
                .unwrap_or_default(),
            barcode: barcode.unwrap_or_else(|| current.and_then(|mi| mi.barcode.clone())),
        })
    }
}

async fn insert_row(tx: &mut Transaction, user: &User, fields: Fields) -> Result<i64> {
    let now = Timestamp::now();
    let id: i64 = query(
        "INSERT INTO meal_ingredients (user_id, meal_id, ingredient_id, barcode, quantity, unit, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(user.id)
    .bind(fields.meal_id)
    .bind(fields.ingredient_id)
    .bind(fields.barcode)
    .bind(fields.quantity)
    .bind(fields.unit)
    .bind(now)
    .fetch_scalar(tx)
    .await?;
    Ok(id)
}

async fn update_row(tx: &mut Transaction, user: &User, id: i64, fields: Fields) -> Result<()> {
    query(
        "UPDATE meal_ingredients SET meal_id = $3, ingredient_id = $4, barcode = $5, \
             quantity = $6, unit = $7, updated_at = $8 WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user.id)
    .bind(fields.meal_id)
    .bind(fields.ingredient_id)
    .bind(fields.barcode)
    .bind(fields.quantity)
    .bind(fields.unit)
    .bind(Timestamp::now())
    .execute(tx)
    .await?;
    Ok(())
}

/// `POST /meals/{id}/add_ingredient/`: the path names the meal (404 unless the caller's); a
/// `meal` key in the body is ignored.
pub async fn add_ingredient_to_meal(
    db: &Database,
    caller: Caller<'_>,
    meal_id: i64,
    body: &Body,
) -> Result<MealIngredient> {
    let insert = async |tx: &mut Transaction| {
        if !owns_meal(&mut *tx, caller.user, meal_id).await? {
            return Err(Error::NotFound("Meal"));
        }
        let fields = Fields::read(tx, caller.user, body, Mode::Create, Some(meal_id), None).await?;
        insert_row(tx, caller.user, fields).await
    };
    let read = async |tx: &mut Transaction, id| find(tx, caller.user, id).await;
    TABLE.create(db, caller, insert, read).await
}
