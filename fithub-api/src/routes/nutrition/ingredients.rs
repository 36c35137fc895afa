//! `/api/nutrition/ingredients/` (API.md §3.5.3).

use axum::Json;
use axum::extract::State;
use fithub_core::Result;
use fithub_core::accounts::{Caller, User};
use fithub_core::input::{Body, Mode};
use fithub_core::listing::{ListSpec, Page};
use fithub_core::precondition::IfMatch;
use fithub_core::nutrition::{self, Ingredient, IngredientSearchItem};
use utoipa::{IntoParams, ToSchema};

use crate::App;
use crate::resource::{Operation, Resource};
use crate::error::ApiResult;
use crate::extract::{CurrentUser, QueryParams};
use crate::routes::schemas::{ActionError, Detail};

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct IngredientRequest {
    #[schema(example = "Rolled oats")]
    name: String,
    /// An existing category, or `null`.
    category_id: Option<i64>,
    /// Per 100 g, like every nutrient.
    proteins: f64,
    fats: f64,
    carbs: f64,
    calories: f64,
    fibers: f64,
    sugars: f64,
    description: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct SearchQuery {
    /// At least 2 characters, found in the name or description.
    q: Option<String>,
}

/// `/api/nutrition/ingredients/` and `/api/nutrition/ingredients/{id}/`.
pub struct Ingredients;

impl Resource for Ingredients {
    const PATH: &'static str = "/api/nutrition/ingredients/";
    const OPERATION: &'static str = "nutrition_ingredients";
    const TAG: &'static str = "nutrition";
    const ENTITY: &'static str = "Ingredient";
    const ONE: &'static str = "an ingredient";
    const MANY: &'static str = "ingredients";
    const SHARED: bool = true;
    const LIST: &'static ListSpec = &nutrition::INGREDIENT_LIST;
    type Id = i64;
    type Object = Ingredient;
    type Request = IngredientRequest;

    fn id(object: &Ingredient) -> i64 {
        object.id
    }

    async fn list(app: &App, user: &User, query: &[(String, String)]) -> Result<Page<Ingredient>> {
        nutrition::list_ingredients(&app.db, user, query).await
    }

    async fn get(app: &App, user: &User, id: i64) -> Result<Ingredient> {
        nutrition::get_ingredient(&app.db, user, id).await
    }

    async fn create(app: &App, caller: Caller<'_>, body: &Body) -> Result<Ingredient> {
        nutrition::create_ingredient(&app.db, caller, body).await
    }

    async fn update(
        app: &App,
        caller: Caller<'_>,
        id: i64,
        body: &Body,
        mode: Mode,
        if_match: &IfMatch,
    ) -> Result<Ingredient> {
        nutrition::update_ingredient(&app.db, caller, id, body, mode, if_match).await
    }

    async fn delete(app: &App, caller: Caller<'_>, id: i64, if_match: &IfMatch) -> Result<()> {
        nutrition::delete_ingredient(&app.db, caller, id, if_match).await
    }

    fn describe(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::List => Some("The public catalogue and the caller's own ingredients."),
            Operation::Create => Some("A personal ingredient of the caller."),
            Operation::Update | Operation::PartialUpdate => Some("The caller's own, or (staff only) a public one."),
            Operation::Destroy => Some("With the meal-ingredients and preferences that use it."),
            _ => None,
        }
    }
}

/// Autocomplete: up to 10 visible ingredients whose name or description contains `q`.
#[utoipa::path(get, path = "/api/nutrition/ingredients/search/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(SearchQuery),
    responses((status = 200, body = Vec<IngredientSearchItem>),
        (status = 400, description = "`q` shorter than 2 characters", body = ActionError),
        (status = 401, body = Detail)))]
pub async fn search(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    query: QueryParams,
) -> ApiResult<Json<Vec<IngredientSearchItem>>> {
    let found = nutrition::search_ingredients(&app.db, &user, query.get("q")).await?;
    Ok(Json(found))
}

/// The caller's own ingredients, by name.
#[utoipa::path(get, path = "/api/nutrition/ingredients/personal/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = Vec<Ingredient>), (status = 401, body = Detail)))]
pub async fn personal(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<Ingredient>>> {
    Ok(Json(nutrition::personal_ingredients(&app.db, &user).await?))
}
