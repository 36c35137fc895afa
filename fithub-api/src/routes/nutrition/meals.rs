//! `/api/nutrition/meals/` (API.md §3.5.2).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use fithub_core::nutrition::{self, MealIngredient, MealSummary};

use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, JsonBody, PathId};
use crate::form_schema::form_body;
use crate::routes::schemas::{Detail, ValidationErrors};
use crate::{App, resource};

form_body!(
    /// An ingredient to add to the meal of the path.
    AddIngredientRequest = nutrition::ADD_INGREDIENT_FORM,
    fithub_core::input::Mode::Create
);

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
