//! `/api/nutrition/meal-ingredients/` (API.md §3.5.7).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fithub_core::input::Mode;
use fithub_core::nutrition::{self, MealIngredient};
use utoipa::ToSchema;

use crate::App;
use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, JsonBody, PathId};
use crate::pagination::{ListRequest, Paginated};
use crate::routes::schemas::{Detail, ListQuery, ValidationErrors};

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct MealIngredientRequest {
    /// One of the caller's meals.
    meal: i64,
    /// A public ingredient or one of the caller's own.
    ingredient_id: i64,
    /// Grams.
    quantity: f64,
    #[schema(example = "g")]
    unit: String,
    barcode: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct AddIngredientRequest {
    /// A public ingredient or one of the caller's own.
    ingredient_id: i64,
    /// Grams.
    quantity: f64,
    #[schema(example = "g")]
    unit: String,
    barcode: Option<String>,
}

/// The ingredients of the caller's meals.
#[utoipa::path(get, path = "/api/nutrition/meal-ingredients/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])),
    params(ListQuery, ("meal" = Option<i64>, Query), ("ingredient" = Option<i64>, Query)),
    responses((status = 200, body = Paginated<MealIngredient>),
        (status = 400, body = ValidationErrors), (status = 401, body = Detail),
        (status = 404, description = "Invalid page", body = Detail)))]
pub async fn list(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    list: ListRequest,
) -> ApiResult<Json<Paginated<MealIngredient>>> {
    let page = nutrition::list_meal_ingredients(&app.db, &user, list.query()).await?;
    Ok(Json(list.envelope(page)))
}

#[utoipa::path(post, path = "/api/nutrition/meal-ingredients/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), request_body = MealIngredientRequest,
    responses((status = 201, body = MealIngredient), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail)))]
pub async fn create(
    State(app): State<App>,
    actor: Actor,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<MealIngredient>)> {
    let created = nutrition::create_meal_ingredient(&app.db, actor.caller(), &body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/nutrition/meal-ingredients/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MealIngredient), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn retrieve(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> ApiResult<Json<MealIngredient>> {
    Ok(Json(
        nutrition::get_meal_ingredient(&app.db, &user, id).await?,
    ))
}

#[utoipa::path(put, path = "/api/nutrition/meal-ingredients/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = MealIngredientRequest,
    responses((status = 200, body = MealIngredient), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, body = Detail)))]
pub async fn replace(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<MealIngredient>> {
    let updated =
        nutrition::update_meal_ingredient(&app.db, actor.caller(), id, &body, Mode::Replace)
            .await?;
    Ok(Json(updated))
}

#[utoipa::path(patch, path = "/api/nutrition/meal-ingredients/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = MealIngredientRequest,
    responses((status = 200, body = MealIngredient), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, body = Detail)))]
pub async fn update(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<MealIngredient>> {
    let updated =
        nutrition::update_meal_ingredient(&app.db, actor.caller(), id, &body, Mode::Update).await?;
    Ok(Json(updated))
}

#[utoipa::path(delete, path = "/api/nutrition/meal-ingredients/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn destroy(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
) -> ApiResult<StatusCode> {
    nutrition::delete_meal_ingredient(&app.db, actor.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
