//! `/api/nutrition/categories/` (API.md §3.5.4).

use fithub_core::Result;
use fithub_core::accounts::{Caller, User};
use fithub_core::input::{Body, Mode};
use fithub_core::listing::{ListSpec, Page};
use fithub_core::precondition::IfMatch;
use fithub_core::nutrition::{self, Category};
use utoipa::ToSchema;

use crate::App;
use crate::resource::{Operation, Resource};

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct CategoryRequest {
    #[schema(example = "Grains")]
    name: String,
    /// An existing category that is not this one or one of its descendants, or `null`.
    parent: Option<i64>,
}

/// `/api/nutrition/categories/` and `/api/nutrition/categories/{id}/`.
pub struct Categories;

impl Resource for Categories {
    const PATH: &'static str = "/api/nutrition/categories/";
    const OPERATION: &'static str = "nutrition_categories";
    const TAG: &'static str = "nutrition";
    const ENTITY: &'static str = "Category";
    const ONE: &'static str = "a category";
    const MANY: &'static str = "categories";
    const SHARED: bool = true;
    const LIST: &'static ListSpec = &nutrition::CATEGORY_LIST;
    type Id = i64;
    type Object = Category;
    type Request = CategoryRequest;

    fn id(object: &Category) -> i64 {
        object.id
    }

    async fn list(app: &App, _user: &User, query: &[(String, String)]) -> Result<Page<Category>> {
        nutrition::list_categories(&app.db, query).await
    }

    async fn get(app: &App, _user: &User, id: i64) -> Result<Category> {
        nutrition::get_category(&app.db, id).await
    }

    async fn create(app: &App, caller: Caller<'_>, body: &Body) -> Result<Category> {
        nutrition::create_category(&app.db, caller, body).await
    }

    async fn update(
        app: &App,
        caller: Caller<'_>,
        id: i64,
        body: &Body,
        mode: Mode,
        if_match: &IfMatch,
    ) -> Result<Category> {
        nutrition::update_category(&app.db, caller, id, body, mode, if_match).await
    }

    async fn delete(app: &App, caller: Caller<'_>, id: i64, if_match: &IfMatch) -> Result<()> {
        nutrition::delete_category(&app.db, caller, id, if_match).await
    }

    fn describe(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::List => Some("Every category: they are shared."),
            Operation::Update | Operation::PartialUpdate => Some("Its creator or staff only."),
            Operation::Destroy => Some("Its creator or staff only. Its ingredients and children stay, unlinked."),
            _ => None,
        }
    }
}

