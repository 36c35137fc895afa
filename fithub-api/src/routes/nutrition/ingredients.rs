//! `/api/nutrition/ingredients/` (API.md §3.5.3).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fithub_core::input::Mode;
use fithub_core::nutrition::{self, Ingredient, IngredientSearchItem};
use utoipa::{IntoParams, ToSchema};

use crate::App;
use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, JsonBody, PathId, QueryParams};
use crate::pagination::{ListRequest, Paginated};
use crate::routes::schemas::{ActionError, Detail, ListQuery, ValidationErrors};

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

/// The public catalogue and the caller's own ingredients.
#[utoipa::path(get, path = "/api/nutrition/ingredients/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])),
    params(ListQuery, ("category" = Option<i64>, Query), ("is_personal" = Option<bool>, Query)),
    responses((status = 200, body = Paginated<Ingredient>), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, description = "Invalid page", body = Detail)))]
pub async fn list(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    list: ListRequest,
) -> ApiResult<Json<Paginated<Ingredient>>> {
    let page = nutrition::list_ingredients(&app.db, &user, list.query()).await?;
    Ok(Json(list.envelope(page)))
}

/// Create a personal ingredient.
#[utoipa::path(post, path = "/api/nutrition/ingredients/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), request_body = IngredientRequest,
    responses((status = 201, body = Ingredient), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail)))]
pub async fn create(
    State(app): State<App>,
    actor: Actor,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Ingredient>)> {
    let ingredient = nutrition::create_ingredient(&app.db, actor.caller(), &body).await?;
    Ok((StatusCode::CREATED, Json(ingredient)))
}

#[utoipa::path(get, path = "/api/nutrition/ingredients/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Ingredient), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn retrieve(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> ApiResult<Json<Ingredient>> {
    Ok(Json(nutrition::get_ingredient(&app.db, &user, id).await?))
}

/// Replace an ingredient: the caller's own, or (staff only) a public one.
#[utoipa::path(put, path = "/api/nutrition/ingredients/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = IngredientRequest,
    responses((status = 200, body = Ingredient), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail)))]
pub async fn replace(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Ingredient>> {
    let ingredient =
        nutrition::update_ingredient(&app.db, actor.caller(), id, &body, Mode::Replace).await?;
    Ok(Json(ingredient))
}

#[utoipa::path(patch, path = "/api/nutrition/ingredients/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = IngredientRequest,
    responses((status = 200, body = Ingredient), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail)))]
pub async fn update(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Ingredient>> {
    let ingredient =
        nutrition::update_ingredient(&app.db, actor.caller(), id, &body, Mode::Update).await?;
    Ok(Json(ingredient))
}

/// Delete an ingredient with the meal-ingredients and preferences that use it.
#[utoipa::path(delete, path = "/api/nutrition/ingredients/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = Detail),
        (status = 403, body = Detail), (status = 404, body = Detail)))]
pub async fn destroy(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
) -> ApiResult<StatusCode> {
    nutrition::delete_ingredient(&app.db, actor.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
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
    let found = nutrition::search_ingredients(&app.db, &user, query.get("q")?).await?;
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
