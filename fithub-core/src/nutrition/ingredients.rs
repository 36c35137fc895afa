//! Ingredients, nutrients per 100 g (API.md §2.6, §3.5.3). The public catalogue is visible to
//! everyone and written by staff; every ingredient created through the API is the caller's
//! personal one, invisible to anyone else.

use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::{Caller, User};
use crate::collection::{Change, Collection, Operation};
use crate::datetime::Timestamp;
use crate::db::{Database, Executor, Query, Transaction, query};
use crate::error::{Error, Result};
use crate::input::{Body, Field, Form, Mode, Need, Range, Reader, RefStyle, Text, invalid_pk};
use crate::listing::{Filter, FilterKind, ListSpec, Page};
use crate::permissions::ensure_may_modify_shared;
use crate::precondition::IfMatch;

use super::Name;
use super::categories::{Category, category_exists};

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Ingredient {
    pub id: i64,
    #[schema(example = "Rolled oats")]
    pub name: String,
    pub category: Option<Category>,
    pub proteins: f64,
    pub fats: f64,
    pub carbs: f64,
    pub calories: f64,
    pub fibers: f64,
    pub sugars: f64,
    pub description: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// A reduced ingredient for autocompletion; `category` is a plain id here.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct IngredientSearchItem {
    pub id: i64,
    pub name: String,
    pub category: Option<i64>,
    pub calories: f64,
    pub proteins: f64,
    pub fats: f64,
    pub carbs: f64,
}

/// The columns of [`IngredientRow`], for `FROM ingredients i LEFT JOIN categories c`.
macro_rules! ingredient_columns {
    () => {
        "i.id AS ingredient_id, i.name AS ingredient_name, i.proteins AS ingredient_proteins, \
         i.fats AS ingredient_fats, i.carbs AS ingredient_carbs, \
         i.calories AS ingredient_calories, i.fibers AS ingredient_fibers, \
         i.sugars AS ingredient_sugars, i.description AS ingredient_description, \
         i.created_at AS ingredient_created_at, i.updated_at AS ingredient_updated_at, \
         c.id AS ingredient_category_id, c.name AS ingredient_category_name, \
         c.parent_id AS ingredient_category_parent"
    };
}
pub(super) use ingredient_columns;

/// Ingredients with their categories.
macro_rules! ingredient_from {
    () => {
        "ingredients i LEFT JOIN categories c ON c.id = i.category_id"
    };
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct IngredientRow {
    ingredient_id: i64,
    ingredient_name: String,
    ingredient_proteins: f64,
    ingredient_fats: f64,
    ingredient_carbs: f64,
    ingredient_calories: f64,
    ingredient_fibers: f64,
    ingredient_sugars: f64,
    ingredient_description: Option<String>,
    ingredient_created_at: Timestamp,
    ingredient_updated_at: Timestamp,
    ingredient_category_id: Option<i64>,
    ingredient_category_name: Option<String>,
    ingredient_category_parent: Option<i64>,
}

impl From<IngredientRow> for Ingredient {
    fn from(row: IngredientRow) -> Ingredient {
        let category = match (row.ingredient_category_id, row.ingredient_category_name) {
            (Some(id), Some(name)) => Some(Category {
                id,
                name,
                parent: row.ingredient_category_parent,
            }),
            _ => None,
        };
        Ingredient {
            id: row.ingredient_id,
            name: row.ingredient_name,
            category,
            proteins: row.ingredient_proteins,
            fats: row.ingredient_fats,
            carbs: row.ingredient_carbs,
            calories: row.ingredient_calories,
            fibers: row.ingredient_fibers,
            sugars: row.ingredient_sugars,
            description: row.ingredient_description,
            created_at: row.ingredient_created_at,
            updated_at: row.ingredient_updated_at,
        }
    }
}

/// Appends "`i` is visible to `user`": public, or the user's own personal ingredient.
pub(super) fn push_visible(query: &mut Query, user: &User) {
    query
        .push("(NOT i.is_personal OR i.created_by = ")
        .push_bind(user.id)
        .push(")");
}

const LIST: ListSpec = ListSpec {
    from: ingredient_from!(),
    columns: ingredient_columns!(),
    filters: &[
        Filter {
            param: "category",
            column: "i.category_id",
            kind: FilterKind::Id,
        },
        Filter {
            param: "is_personal",
            column: "i.is_personal",
            kind: FilterKind::Bool,
        },
    ],
    search: &["i.name", "i.description"],
    ordering: &[
        ("name", "i.name"),
        ("calories", "i.calories"),
        ("proteins", "i.proteins"),
        ("created_at", "i.created_at"),
    ],
    default_ordering: &["name"],
    id: "i.id",
    owner: None,
};

/// The ingredients collection.
pub struct Ingredients;

impl Collection for Ingredients {
    const ENTITY: &'static str = "Ingredient";
    const SHARED: bool = true;
    const LIST: &'static ListSpec = &LIST;
    const FORM: Form = FORM;
    type Id = i64;
    type Object = Ingredient;

    fn id(object: &Ingredient) -> i64 {
        object.id
    }

    async fn list(
        db: &Database,
        user: &User,
        query_string: &[(String, String)],
    ) -> Result<Page<Ingredient>> {
        let params = LIST.parse(query_string)?;
        let page: Page<IngredientRow> = LIST.fetch(db, |q| push_visible(q, user), &params).await?;
        Ok(page.map(Ingredient::from))
    }

    async fn get(db: &Database, user: &User, id: i64) -> Result<Ingredient> {
        find(db, user, id).await
    }

    /// Creates a personal ingredient of the caller (`is_personal` in the body is ignored).
    async fn create(db: &Database, caller: Caller<'_>, body: &Body) -> Result<Ingredient> {
        let mut tx = caller.begin(db).await?;
        let fields = IngredientFields::read(&mut tx, body, Mode::Create, None).await?;
        let now = Timestamp::now();
        let id: i64 = query(
            "INSERT INTO ingredients (name, category_id, proteins, fats, carbs, calories, fibers, \
             sugars, description, is_personal, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, $10, $11, $11) RETURNING id",
        )
        .bind(fields.name)
        .bind(fields.category_id)
        .bind(fields.proteins)
        .bind(fields.fats)
        .bind(fields.carbs)
        .bind(fields.calories)
        .bind(fields.fibers)
        .bind(fields.sugars)
        .bind(fields.description)
        .bind(caller.user.id)
        .bind(now)
        .fetch_scalar(&mut tx)
        .await?;
        caller
            .audit(&mut tx, "ingredient.create", "ingredient", id)
            .await?;
        let ingredient = find(&mut tx, caller.user, id).await?;
        tx.commit().await?;
        Ok(ingredient)
    }

    async fn update(
        db: &Database,
        caller: Caller<'_>,
        id: i64,
        change: Change<'_>,
    ) -> Result<Ingredient> {
        let Change {
            body,
            mode,
            if_match,
        } = change;
        let mut tx = caller.begin(db).await?;
        let current = check_may_modify(&mut tx, caller.user, id).await?;
        if_match.check(&current)?;
        let fields = IngredientFields::read(&mut tx, body, mode, Some(&current)).await?;
        query(
            "UPDATE ingredients SET name = $2, category_id = $3, proteins = $4, fats = $5, \
             carbs = $6, calories = $7, fibers = $8, sugars = $9, description = $10, updated_at = $11 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(fields.name)
        .bind(fields.category_id)
        .bind(fields.proteins)
        .bind(fields.fats)
        .bind(fields.carbs)
        .bind(fields.calories)
        .bind(fields.fibers)
        .bind(fields.sugars)
        .bind(fields.description)
        .bind(Timestamp::now())
        .execute(&mut tx)
        .await?;
        caller
            .audit(&mut tx, "ingredient.update", "ingredient", id)
            .await?;
        let ingredient = find(&mut tx, caller.user, id).await?;
        tx.commit().await?;
        Ok(ingredient)
    }

    /// Deletes the ingredient and the meal-ingredients and preferences that use it.
    async fn delete(db: &Database, caller: Caller<'_>, id: i64, if_match: &IfMatch) -> Result<()> {
        let mut tx = caller.begin(db).await?;
        let current = check_may_modify(&mut tx, caller.user, id).await?;
        if_match.check(&current)?;
        query("DELETE FROM ingredients WHERE id = $1")
            .bind(id)
            .execute(&mut tx)
            .await?;
        caller
            .audit(&mut tx, "ingredient.delete", "ingredient", id)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    fn rule(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::List => Some("The public catalogue and the caller's own ingredients."),
            Operation::Create => Some("A personal ingredient of the caller."),
            Operation::Replace | Operation::Update => {
                Some("The caller's own, or (staff only) a public one.")
            }
            Operation::Delete => Some("With the meal-ingredients and preferences that use it."),
            _ => None,
        }
    }
}

async fn find<'e>(executor: impl Into<Executor<'e>>, user: &User, id: i64) -> Result<Ingredient> {
    let mut sql = Query::builder();
    sql.push(concat!(
        "SELECT ",
        ingredient_columns!(),
        " FROM ",
        ingredient_from!(),
        " WHERE i.id = "
    ))
    .push_bind(id)
    .push(" AND ");
    push_visible(&mut sql, user);
    let row: Option<IngredientRow> = sql.fetch_optional(executor).await?;
    row.map(Ingredient::from)
        .ok_or(Error::NotFound("Ingredient"))
}

/// Whether the user may use ingredient `id` in a meal or a preference.
pub(super) async fn is_visible<'e>(
    executor: impl Into<Executor<'e>>,
    user: &User,
    id: i64,
) -> Result<bool> {
    Ok(query(
        "SELECT EXISTS (SELECT 1 FROM ingredients i \
         WHERE i.id = $1 AND (NOT i.is_personal OR i.created_by = $2))",
    )
    .bind(id)
    .bind(user.id)
    .fetch_scalar(executor)
    .await?)
}

/// `GET /ingredients/personal/`: the caller's own ingredients, by name.
pub async fn personal_ingredients(db: &Database, user: &User) -> Result<Vec<Ingredient>> {
    let rows: Vec<IngredientRow> = query(concat!(
        "SELECT ",
        ingredient_columns!(),
        " FROM ",
        ingredient_from!(),
        " WHERE i.is_personal AND i.created_by = $1 ORDER BY i.name, i.id"
    ))
    .bind(user.id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Ingredient::from).collect())
}

struct IngredientFields {
    name: String,
    category_id: Option<i64>,
    proteins: f64,
    fats: f64,
    carbs: f64,
    calories: f64,
    fibers: f64,
    sugars: f64,
    description: Option<String>,
}

/// The keys of an ingredient's body: what the reader below accepts and the API documents.
const FORM: Form = Form(&[
    Field::text("name", Need::Required, Name::TEXT),
    Field::reference("category_id", Need::Optional, RefStyle::IdKey)
        .or_null()
        .about("An existing category, or `null`"),
    Field::number("proteins", Need::Required, Range::AMOUNT)
        .about("Grams per 100 g, like every nutrient"),
    Field::number("fats", Need::Required, Range::AMOUNT),
    Field::number("carbs", Need::Required, Range::AMOUNT),
    Field::number("calories", Need::Required, Range::AMOUNT),
    Field::number("fibers", Need::Required, Range::AMOUNT),
    Field::number("sugars", Need::Required, Range::AMOUNT),
    Field::text("description", Need::Optional, Text::ANY).or_null(),
]);

impl IngredientFields {
    async fn read(
        tx: &mut Transaction,
        body: &Body,
        mode: Mode,
        current: Option<&Ingredient>,
    ) -> Result<IngredientFields> {
        let mut reader = Reader::new(body, mode, FORM);
        let name = reader.string("name");
        let category_id = reader.reference_or_null("category_id");
        let mut nutrient = |key| reader.number(key);
        let proteins = nutrient("proteins");
        let fats = nutrient("fats");
        let carbs = nutrient("carbs");
        let calories = nutrient("calories");
        let fibers = nutrient("fibers");
        let sugars = nutrient("sugars");
        let description = reader.string_or_null("description");
        if let Some(Some(category)) = category_id
            && !category_exists(&mut *tx, category).await?
        {
            reader.error("category_id", invalid_pk(category));
        }
        reader.finish()?;
        let stored = |value: fn(&Ingredient) -> f64| current.map(value).unwrap_or_default();
        Ok(IngredientFields {
            name: name
                .or_else(|| current.map(|i| i.name.clone()))
                .unwrap_or_default(),
            category_id: category_id
                .unwrap_or_else(|| current.and_then(|i| i.category.as_ref().map(|c| c.id))),
            proteins: proteins.unwrap_or_else(|| stored(|i| i.proteins)),
            fats: fats.unwrap_or_else(|| stored(|i| i.fats)),
            carbs: carbs.unwrap_or_else(|| stored(|i| i.carbs)),
            calories: calories.unwrap_or_else(|| stored(|i| i.calories)),
            fibers: fibers.unwrap_or_else(|| stored(|i| i.fibers)),
            sugars: sugars.unwrap_or_else(|| stored(|i| i.sugars)),
            description: description.unwrap_or_else(|| current.and_then(|i| i.description.clone())),
        })
    }
}

/// 404 unless visible; 403 for a public one unless staff.
/// Locks the row first: staff may change a public ingredient while others do.
async fn check_may_modify(tx: &mut Transaction, user: &User, id: i64) -> Result<Ingredient> {
    tx.lock_row("ingredients", id).await?;
    let ingredient = find(&mut *tx, user, id).await?;
    let (is_personal, created_by): (bool, Option<i64>) =
        query("SELECT is_personal, created_by FROM ingredients WHERE id = $1")
            .bind(id)
            .fetch_one(tx)
            .await?;
    // The catalogue belongs to no one: only staff may change it.
    ensure_may_modify_shared(user, if is_personal { created_by } else { None })?;
    Ok(ingredient)
}
