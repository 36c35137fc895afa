//! What a user loves, dislikes or must avoid (API.md §2.9, §3.5.6).

use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::{Caller, User, UserBrief};
use crate::collection::{Change, Collection, Operation};
use crate::datetime::Timestamp;
use crate::db::{Database, Executor, Transaction, query};
use crate::error::{Error, Result};
use crate::input::{Body, Choice, Field, Form, Mode, Need, Reader, RefStyle, Text, invalid_pk};
use crate::listing::{Filter, FilterKind, ListSpec, Page};
use crate::owned::OwnedTable;
use crate::precondition::IfMatch;

use super::ingredients::{Ingredient, IngredientRow, ingredient_columns, is_visible};
use super::{Barcode, PreferenceType};

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Preference {
    pub id: i64,
    pub user: UserBrief,
    pub ingredient: Ingredient,
    pub barcode: Option<String>,
    pub description: Option<String>,
    pub preference_type: PreferenceType,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        concat!(
            "p.id, p.barcode, p.description, p.preference_type, p.created_at, p.updated_at, ",
            ingredient_columns!()
        )
    };
}

macro_rules! from {
    () => {
        "meal_preferences p JOIN ingredients i ON i.id = p.ingredient_id \
         LEFT JOIN categories c ON c.id = i.category_id"
    };
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: i64,
    barcode: Option<String>,
    description: Option<String>,
    preference_type: PreferenceType,
    created_at: Timestamp,
    updated_at: Timestamp,
    #[sqlx(flatten)]
    ingredient: IngredientRow,
}

impl Row {
    fn into_preference(self, owner: &UserBrief) -> Preference {
        Preference {
            id: self.id,
            user: owner.clone(),
            ingredient: self.ingredient.into(),
            barcode: self.barcode,
            description: self.description,
            preference_type: self.preference_type,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const TABLE: OwnedTable = OwnedTable {
    table: "meal_preferences",
    entity: "MealPreference",
    object_type: "meal_preference",
    create_action: "preference.create",
    update_action: "preference.update",
    delete_action: "preference.delete",
};

const LIST: ListSpec = ListSpec {
    from: from!(),
    columns: columns!(),
    filters: &[
        Filter {
            param: "preference_type",
            column: "p.preference_type",
            kind: FilterKind::Choice(PreferenceType::VALUES),
        },
        Filter {
            param: "ingredient",
            column: "p.ingredient_id",
            kind: FilterKind::Id,
        },
    ],
    search: &["i.name", "p.description"],
    ordering: &[
        ("created_at", "p.created_at"),
        ("preference_type", "p.preference_type"),
    ],
    default_ordering: &["-created_at"],
    id: "p.id",
    owner: Some("p.user_id"),
};

/// The preferences collection.
pub struct Preferences;

impl Collection for Preferences {
    const ENTITY: &'static str = "MealPreference";
    const LIST: &'static ListSpec = &LIST;
    const FORM: Form = FORM;
    type Id = i64;
    type Object = Preference;

    fn id(object: &Preference) -> i64 {
        object.id
    }

    async fn list(
        db: &Database,
        user: &User,
        query_string: &[(String, String)],
    ) -> Result<Page<Preference>> {
        let params = LIST.parse(query_string)?;
        let page: Page<Row> = LIST.fetch(db, LIST.owned_by(user.id), &params).await?;
        let owner = user.brief();
        Ok(page.map(|row| row.into_preference(&owner)))
    }

    async fn get(db: &Database, user: &User, id: i64) -> Result<Preference> {
        find(db, user, id).await
    }

    async fn create(db: &Database, caller: Caller<'_>, body: &Body) -> Result<Preference> {
        let insert = async |tx: &mut Transaction| {
            let fields = Fields::read(tx, caller.user, body, Mode::Create, None).await?;
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
    ) -> Result<Preference> {
        let read = async |tx: &mut Transaction| find(tx, caller.user, id).await;
        let write = async |tx: &mut Transaction, current: &Preference| {
            let (body, mode) = (change.body, change.mode);
            let fields = Fields::read(tx, caller.user, body, mode, Some(current)).await?;
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
            Operation::List => Some("The caller's preferences."),
            _ => None,
        }
    }
}

async fn insert_row(tx: &mut Transaction, user: &User, fields: Fields) -> Result<i64> {
    let now = Timestamp::now();
    let id: i64 = query(
            "INSERT INTO meal_preferences (user_id, ingredient_id, barcode, description, \
             preference_type, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(user.id)
        .bind(fields.ingredient_id)
        .bind(fields.barcode)
        .bind(fields.description)
        .bind(fields.preference_type)
        .bind(now)
        .fetch_scalar(tx)
        .await?;
    Ok(id)
}

async fn update_row(tx: &mut Transaction, user: &User, id: i64, fields: Fields) -> Result<()> {
    query(
        "UPDATE meal_preferences SET ingredient_id = $3, barcode = $4, description = $5, \
             preference_type = $6, updated_at = $7 WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user.id)
    .bind(fields.ingredient_id)
    .bind(fields.barcode)
    .bind(fields.description)
    .bind(fields.preference_type)
    .bind(Timestamp::now())
    .execute(tx)
    .await?;
    Ok(())
}

async fn find<'e>(executor: impl Into<Executor<'e>>, user: &User, id: i64) -> Result<Preference> {
    let row: Option<Row> = query(concat!(
        "SELECT ",
        columns!(),
        " FROM ",
        from!(),
        " WHERE p.id = $1 AND p.user_id = $2"
    ))
    .bind(id)
    .bind(user.id)
    .fetch_optional(executor)
    .await?;
    row.map(|row| row.into_preference(&user.brief()))
        .ok_or(Error::NotFound("MealPreference"))
}

/// `GET /preferences/by_type/?type=`: the caller's preferences of that type (all of them without
/// a type, none for an unknown one), newest first.
pub async fn preferences_by_type(
    db: &Database,
    user: &User,
    preference_type: Option<&str>,
) -> Result<Vec<Preference>> {
    let wanted = match preference_type.filter(|t| !t.is_empty()) {
        None => None,
        Some(text) => match PreferenceType::parse(text) {
            Some(known) => Some(known),
            None => return Ok(Vec::new()),
        },
    };
    let rows: Vec<Row> = query(concat!(
        "SELECT ",
        columns!(),
        " FROM ",
        from!(),
        " WHERE p.user_id = $1 AND ($2 IS NULL OR p.preference_type = $2) \
         ORDER BY p.created_at DESC, p.id DESC"
    ))
    .bind(user.id)
    .bind(wanted.map(PreferenceType::as_str))
    .fetch_all(db)
    .await?;
    let owner = user.brief();
    Ok(rows
        .into_iter()
        .map(|row| row.into_preference(&owner))
        .collect())
}

struct Fields {
    ingredient_id: i64,
    preference_type: PreferenceType,
    barcode: Option<String>,
    description: Option<String>,
}

/// The keys of a preference's body: what the reader below accepts and the API documents.
const FORM: Form = Form(&[
    Field::reference("ingredient_id", Need::Required, RefStyle::IdKey)
        .about("A public ingredient or one of the caller's own"),
    Field::choice("preference_type", Need::Required, PreferenceType::VALUES),
    Field::text("barcode", Need::Optional, Barcode::TEXT).or_null(),
    Field::text("description", Need::Optional, Text::ANY).or_null(),
]);

impl Fields {
    async fn read(
        tx: &mut Transaction,
        user: &User,
        body: &Body,
        mode: Mode,
        current: Option<&Preference>,
    ) -> Result<Fields> {
        let mut reader = Reader::new(body, mode, FORM);
        let ingredient_id = reader.reference("ingredient_id");
        let preference_type = reader.choice("preference_type");
        let barcode = reader.string_or_null("barcode");
        let description = reader.string_or_null("description");
        if let Some(ingredient) = ingredient_id
            && !is_visible(&mut *tx, user, ingredient).await?
        {
            reader.error("ingredient_id", invalid_pk(ingredient));
        }
        reader.finish()?;
        Ok(Fields {
            ingredient_id: ingredient_id
                .or(current.map(|p| p.ingredient.id))
                .unwrap_or_default(),
            preference_type: preference_type
                .or(current.map(|p| p.preference_type))
                .unwrap_or(PreferenceType::Like),
            barcode: barcode.unwrap_or_else(|| current.and_then(|p| p.barcode.clone())),
            description: description.unwrap_or_else(|| current.and_then(|p| p.description.clone())),
        })
    }
}
