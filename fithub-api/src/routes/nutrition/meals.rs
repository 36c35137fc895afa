//! `/api/nutrition/meals/` (API.md §3.5.2).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use fithub_core::nutrition::{self, MealIngredient, MealSummary};
use utoipa::ToSchema;

use super::meal_ingredients::AddIngredientRequest;
use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, JsonBody, PathId};
use crate::routes::schemas::{Detail, ValidationErrors};
use crate::{App, resource};

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
) -> ApiResult<Response> {
    let added = nutrition::add_ingredient_to_meal(&app.db, actor.caller(), id, &body).await?;
    // The new object lives among the meal-ingredients.
    let location = format!("/api/nutrition/meal-ingredients/{}/", added.id);
    Ok(resource::created(&location, added))
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
