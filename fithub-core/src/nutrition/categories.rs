//! Categories of ingredients: shared by everyone, changed only by their creator or staff, never
//! their own ancestor (API.md §2.5, §3.5.4).

use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::{Caller, User};
use crate::collection::{Change, Collection, Operation};
use crate::datetime::Timestamp;
use crate::db::{Database, Executor, Transaction, query};
use crate::error::{Error, Result};
use crate::input::{Body, Field, Form, Mode, Need, Reader, RefStyle, invalid_pk};
use crate::listing::{Filter, FilterKind, ListSpec, Page};
use crate::permissions::ensure_may_modify_shared;
use crate::precondition::IfMatch;

use super::Name;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct Category {
    pub id: i64,
    #[schema(example = "Grains")]
    pub name: String,
    /// The parent category's id.
    pub parent: Option<i64>,
}

const LIST: ListSpec = ListSpec {
    from: "categories c",
    columns: "c.id, c.name, c.parent_id AS parent",
    filters: &[Filter {
        param: "parent",
        column: "c.parent_id",
        kind: FilterKind::Id,
    }],
    search: &["c.name"],
    ordering: &[("name", "c.name"), ("created_at", "c.created_at")],
    default_ordering: &["name"],
    id: "c.id",
    owner: None,
};

/// The categories collection.
pub struct Categories;

impl Collection for Categories {
    const ENTITY: &'static str = "Category";
    const SHARED: bool = true;
    const LIST: &'static ListSpec = &LIST;
    const FORM: Form = FORM;
    type Id = i64;
    type Object = Category;

    fn id(object: &Category) -> i64 {
        object.id
    }

    /// Everyone sees every category.
    async fn list(
        db: &Database,
        _user: &User,
        query_string: &[(String, String)],
    ) -> Result<Page<Category>> {
        let params = LIST.parse(query_string)?;
        LIST.fetch(
            db,
            |q| {
                q.push("1 = 1");
            },
            &params,
        )
        .await
    }

    async fn get(db: &Database, _user: &User, id: i64) -> Result<Category> {
        Ok(find(db, id).await?.category)
    }

    /// Any authenticated user may create a category; they are recorded as its creator.
    async fn create(db: &Database, caller: Caller<'_>, body: &Body) -> Result<Category> {
        let mut tx = caller.begin(db).await?;
        let fields = CategoryFields::read(&mut tx, body, Mode::Create, None).await?;
        let now = Timestamp::now();
        let id: i64 = query(
            "INSERT INTO categories (name, parent_id, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(fields.name)
        .bind(fields.parent)
        .bind(caller.user.id)
        .bind(now)
        .fetch_scalar(&mut tx)
        .await?;
        caller
            .audit(&mut tx, "category.create", "category", id)
            .await?;
        let category = find(&mut tx, id).await?.category;
        tx.commit().await?;
        Ok(category)
    }

    /// Only the creator or staff: 404 for a missing category, then 403, then 400.
    async fn update(
        db: &Database,
        caller: Caller<'_>,
        id: i64,
        change: Change<'_>,
    ) -> Result<Category> {
        let Change {
            body,
            mode,
            if_match,
        } = change;
        let mut tx = caller.begin(db).await?;
        tx.lock_row("categories", id).await?;
        let current = find(&mut tx, id).await?;
        if_match.check(&current.category)?;
        ensure_may_modify_shared(caller.user, current.created_by)?;
        let fields = CategoryFields::read(&mut tx, body, mode, Some(&current.category)).await?;
        query("UPDATE categories SET name = $2, parent_id = $3, updated_at = $4 WHERE id = $1")
            .bind(id)
            .bind(fields.name)
            .bind(fields.parent)
            .bind(Timestamp::now())
            .execute(&mut tx)
            .await?;
        caller
            .audit(&mut tx, "category.update", "category", id)
            .await?;
        let category = find(&mut tx, id).await?.category;
        tx.commit().await?;
        Ok(category)
    }

    /// Its ingredients lose the category and its children the parent; nothing else is deleted.
    async fn delete(db: &Database, caller: Caller<'_>, id: i64, if_match: &IfMatch) -> Result<()> {
        let mut tx = caller.begin(db).await?;
        tx.lock_row("categories", id).await?;
        let current = find(&mut tx, id).await?;
        if_match.check(&current.category)?;
        ensure_may_modify_shared(caller.user, current.created_by)?;
        query("DELETE FROM categories WHERE id = $1")
            .bind(id)
            .execute(&mut tx)
            .await?;
        caller
            .audit(&mut tx, "category.delete", "category", id)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    fn rule(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::List => Some("Every category: they are shared."),
            Operation::Replace | Operation::Update => Some("Its creator or staff only."),
            Operation::Delete => {
                Some("Its creator or staff only. Its ingredients and children stay, unlinked.")
            }
            _ => None,
        }
    }
}

/// A category and who created it.
#[derive(sqlx::FromRow)]
struct Stored {
    #[sqlx(flatten)]
    category: Category,
    created_by: Option<i64>,
}

async fn find<'e>(executor: impl Into<Executor<'e>>, id: i64) -> Result<Stored> {
    query("SELECT id, name, parent_id AS parent, created_by FROM categories WHERE id = $1")
        .bind(id)
        .fetch_optional(executor)
        .await?
        .ok_or(Error::NotFound("Category"))
}

/// Whether a category exists: the check of `category_id` and `parent` in a body.
pub(super) async fn category_exists<'e>(
    executor: impl Into<Executor<'e>>,
    id: i64,
) -> Result<bool> {
    Ok(
        query("SELECT EXISTS (SELECT 1 FROM categories WHERE id = $1)")
            .bind(id)
            .fetch_scalar(executor)
            .await?,
    )
}

/// Whether making `parent` the parent of `category` would close a cycle: when `category` is
/// `parent` itself or one of `parent`'s ancestors.
async fn would_cycle(tx: &mut Transaction, category: i64, parent: i64) -> Result<bool> {
    // UNION (not UNION ALL) ends the walk even if the data already held a cycle.
    Ok(query(
        "WITH RECURSIVE ancestors (id, parent_id) AS ( \
             SELECT id, parent_id FROM categories WHERE id = $1 \
             UNION SELECT c.id, c.parent_id FROM categories c JOIN ancestors a ON c.id = a.parent_id \
         ) SELECT EXISTS (SELECT 1 FROM ancestors WHERE id = $2)",
    )
    .bind(parent)
    .bind(category)
    .fetch_scalar(tx)
    .await?)
}

struct CategoryFields {
    name: String,
    parent: Option<i64>,
}

/// The keys of a category's body: what the reader below accepts and the API documents.
const FORM: Form = Form(&[
    Field::text("name", Need::Required, Name::TEXT),
    Field::reference("parent", Need::Optional, RefStyle::PkKey)
        .or_null()
        .about("An existing category that is not this one or one of its descendants, or `null`"),
]);

impl CategoryFields {
    async fn read(
        tx: &mut Transaction,
        body: &Body,
        mode: Mode,
        current: Option<&Category>,
    ) -> Result<CategoryFields> {
        let mut reader = Reader::new(body, mode, FORM);
        let name = reader.string("name");
        let parent = reader.reference_or_null("parent");
        if let Some(Some(parent)) = parent {
            if !category_exists(&mut *tx, parent).await? {
                reader.error("parent", invalid_pk(parent));
            } else if let Some(current) = current
                && would_cycle(tx, current.id, parent).await?
            {
                reader.error("parent", "A category cannot be its own ancestor.");
            }
        }
        reader.finish()?;
        Ok(CategoryFields {
            name: name
                .or_else(|| current.map(|c| c.name.clone()))
                .unwrap_or_default(),
            parent: parent.unwrap_or_else(|| current.and_then(|c| c.parent)),
        })
    }
}
