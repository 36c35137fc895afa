//! `/api/nutrition/meals/` (API.md §3.5.2).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fithub_core::input::Mode;
use fithub_core::nutrition::{self, Meal, MealIngredient, MealSummary};
use utoipa::ToSchema;

use super::meal_ingredients::AddIngredientRequest;
use crate::App;
use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, JsonBody, PathId};
use crate::pagination::{ListRequest, Paginated};
use crate::routes::schemas::{Detail, ListQuery, ValidationErrors};

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct MealRequest {
    #[schema(example = "Overnight oats")]
    name: String,
    /// One of the caller's diets; required on create.
    diet_id: i64,
    description: Option<String>,
    is_scheduled: Option<bool>,
    #[schema(format = Date)]
    start_date: Option<String>,
    /// Not before `start_date`.
    #[schema(format = Date)]
    end_date: Option<String>,
    #[schema(example = "07:30")]
    start_time: Option<String>,
    /// 0 to 1440 (default 30).
    duration_minutes: Option<i64>,
    recurrence_type: Option<nutrition::RecurrenceType>,
    /// Not before `start_date`.
    #[schema(format = Date)]
    recurrence_until: Option<String>,
    meal_type: Option<nutrition::MealType>,
}

/// The caller's meals.
#[utoipa::path(get, path = "/api/nutrition/meals/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])),
    params(ListQuery, ("diet" = Option<i64>, Query),
        ("meal_type" = Option<nutrition::MealType>, Query), ("is_scheduled" = Option<bool>, Query),
        ("recurrence_type" = Option<nutrition::RecurrenceType>, Query)),
    responses((status = 200, body = Paginated<Meal>), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, description = "Invalid page", body = Detail)))]
pub async fn list(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    list: ListRequest,
) -> ApiResult<Json<Paginated<Meal>>> {
    let page = nutrition::list_meals(&app.db, &user, list.query()).await?;
    Ok(Json(list.envelope(page)))
}

#[utoipa::path(post, path = "/api/nutrition/meals/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), request_body = MealRequest,
    responses((status = 201, body = Meal), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail)))]
pub async fn create(
    State(app): State<App>,
    actor: Actor,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Meal>)> {
    let meal = nutrition::create_meal(&app.db, actor.caller(), &body).await?;
    Ok((StatusCode::CREATED, Json(meal)))
}

#[utoipa::path(get, path = "/api/nutrition/meals/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Meal), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn retrieve(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> ApiResult<Json<Meal>> {
    Ok(Json(nutrition::get_meal(&app.db, &user, id).await?))
}

#[utoipa::path(put, path = "/api/nutrition/meals/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = MealRequest,
    responses((status = 200, body = Meal), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, body = Detail)))]
pub async fn replace(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Meal>> {
    let meal = nutrition::update_meal(&app.db, actor.caller(), id, &body, Mode::Replace).await?;
    Ok(Json(meal))
}

/// Update some keys; `diet_id` moves the meal to another of the caller's diets.
#[utoipa::path(patch, path = "/api/nutrition/meals/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = MealRequest,
    responses((status = 200, body = Meal), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, body = Detail)))]
pub async fn update(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Meal>> {
    let meal = nutrition::update_meal(&app.db, actor.caller(), id, &body, Mode::Update).await?;
    Ok(Json(meal))
}

/// Delete a meal with its ingredients and records.
#[utoipa::path(delete, path = "/api/nutrition/meals/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn destroy(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
) -> ApiResult<StatusCode> {
    nutrition::delete_meal(&app.db, actor.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The meal's ingredients, oldest first.
#[utoipa::path(get, path = "/api/nutrition/meals/{id}/ingredients/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<MealIngredient>), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn ingredients(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> ApiResult<Json<Vec<MealIngredient>>> {
    Ok(Json(
        nutrition::ingredients_of_meal(&app.db, &user, id).await?,
    ))
}

/// Add an ingredient to this meal.
#[utoipa::path(post, path = "/api/nutrition/meals/{id}/add_ingredient/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = AddIngredientRequest,
    responses((status = 201, body = MealIngredient), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, body = Detail)))]
pub async fn add_ingredient(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<MealIngredient>)> {
    let added = nutrition::add_ingredient_to_meal(&app.db, actor.caller(), id, &body).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// The meal's nutrients: `Σ ingredient × quantity / 100` (quantities in grams).
#[utoipa::path(get, path = "/api/nutrition/meals/{id}/nutrition_summary/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MealSummary), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn nutrition_summary(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> ApiResult<Json<MealSummary>> {
    Ok(Json(nutrition::meal_summary(&app.db, &user, id).await?))
}
