//! `/api/nutrition/diets/` (API.md §3.5.1).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fithub_core::input::Mode;
use fithub_core::nutrition::{self, Diet};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::App;
use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, JsonBody, PathId};
use crate::pagination::{ListRequest, Paginated};
use crate::routes::schemas::{ActionError, Detail, ListQuery, ValidationErrors};

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct DietRequest {
    #[schema(example = "Lean bulk")]
    name: String,
    day_proteins_g: f64,
    day_fats_g: f64,
    day_carbohydrates_g: f64,
    day_calories_kcal: f64,
    /// `true` deactivates the caller's other diets.
    is_active: Option<bool>,
    /// Default: today (UTC).
    #[schema(format = Date)]
    start_date: Option<String>,
    /// Not before `start_date`.
    #[schema(format = Date)]
    end_date: Option<String>,
    notes: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct DietActivated {
    #[schema(example = "diet activated")]
    status: String,
}

/// The caller's diets.
#[utoipa::path(get, path = "/api/nutrition/diets/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])),
    params(ListQuery,
        ("is_active" = Option<bool>, Query), ("start_date" = Option<String>, Query, format = Date),
        ("end_date" = Option<String>, Query, format = Date)),
    responses((status = 200, body = Paginated<Diet>), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, description = "Invalid page", body = Detail)))]
pub async fn list(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    list: ListRequest,
) -> ApiResult<Json<Paginated<Diet>>> {
    let page = nutrition::list_diets(&app.db, &user, list.query()).await?;
    Ok(Json(list.envelope(page)))
}

/// Create a diet; `is_active: true` deactivates the caller's other diets.
#[utoipa::path(post, path = "/api/nutrition/diets/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), request_body = DietRequest,
    responses((status = 201, body = Diet), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail)))]
pub async fn create(
    State(app): State<App>,
    actor: Actor,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Diet>)> {
    let diet = nutrition::create_diet(&app.db, actor.caller(), &body).await?;
    Ok((StatusCode::CREATED, Json(diet)))
}

#[utoipa::path(get, path = "/api/nutrition/diets/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Diet), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn retrieve(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> ApiResult<Json<Diet>> {
    Ok(Json(nutrition::get_diet(&app.db, &user, id).await?))
}

#[utoipa::path(put, path = "/api/nutrition/diets/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = DietRequest,
    responses((status = 200, body = Diet), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, body = Detail)))]
pub async fn replace(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Diet>> {
    let diet = nutrition::update_diet(&app.db, actor.caller(), id, &body, Mode::Replace).await?;
    Ok(Json(diet))
}

#[utoipa::path(patch, path = "/api/nutrition/diets/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = DietRequest,
    responses((status = 200, body = Diet), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, body = Detail)))]
pub async fn update(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Diet>> {
    let diet = nutrition::update_diet(&app.db, actor.caller(), id, &body, Mode::Update).await?;
    Ok(Json(diet))
}

/// Delete a diet with its meals, their ingredients and records.
#[utoipa::path(delete, path = "/api/nutrition/diets/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn destroy(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
) -> ApiResult<StatusCode> {
    nutrition::delete_diet(&app.db, actor.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Make this the caller's one active diet.
#[utoipa::path(post, path = "/api/nutrition/diets/{id}/activate/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = DietActivated), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn activate(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
) -> ApiResult<Json<Value>> {
    nutrition::activate_diet(&app.db, actor.caller(), id).await?;
    Ok(Json(json!({"status": "diet activated"})))
}

/// The caller's active diet.
#[utoipa::path(get, path = "/api/nutrition/diets/active/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = Diet), (status = 401, body = Detail),
        (status = 404, description = "No active diet", body = ActionError)))]
pub async fn active(State(app): State<App>, CurrentUser(user): CurrentUser) -> ApiResult<Response> {
    Ok(match nutrition::active_diet(&app.db, &user).await? {
        Some(diet) => Json(diet).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "No active diet found"})),
        )
            .into_response(),
    })
}
