//! `/api/nutrition/records/` (API.md §3.5.5, §5.1).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fithub_core::input::Mode;
use fithub_core::nutrition::{self, MealRecord, RecordsSummary};
use utoipa::{IntoParams, ToSchema};

use crate::App;
use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, JsonBody, PathId, QueryParams};
use crate::pagination::{ListRequest, Paginated};
use crate::routes::schemas::{Detail, ListQuery, ValidationErrors};

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct RecordRequest {
    /// One of the caller's meals; may be omitted or `null` when `meal_name` is given.
    meal_id: Option<i64>,
    #[schema(format = DateTime, example = "2025-03-02T07:45:00Z")]
    timestamp: String,
    feedback: Option<String>,
    /// Required (not blank) for a record without a meal.
    #[schema(example = "Street tacos")]
    meal_name: Option<String>,
    /// The portion, informational only.
    quantity_grams: Option<f64>,
    /// Totals for the portion eaten (not per 100 g).
    calories: Option<f64>,
    proteins: Option<f64>,
    carbs: Option<f64>,
    fats: Option<f64>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct DaysQuery {
    /// −3650 to 3650; default 7. The window ends today (UTC) and starts `days` earlier,
    /// both days included.
    days: Option<String>,
}

/// The caller's records, newest first.
#[utoipa::path(get, path = "/api/nutrition/records/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])),
    params(ListQuery, ("meal" = Option<i64>, Query),
        ("timestamp" = Option<String>, Query, format = DateTime)),
    responses((status = 200, body = Paginated<MealRecord>), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, description = "Invalid page", body = Detail)))]
pub async fn list(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    list: ListRequest,
) -> ApiResult<Json<Paginated<MealRecord>>> {
    let page = nutrition::list_records(&app.db, &user, list.query()).await?;
    Ok(Json(list.envelope(page)))
}

/// Log a meal: one of the caller's meals, or a name with its own nutrition.
#[utoipa::path(post, path = "/api/nutrition/records/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), request_body = RecordRequest,
    responses((status = 201, body = MealRecord), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail)))]
pub async fn create(
    State(app): State<App>,
    actor: Actor,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<MealRecord>)> {
    let record = nutrition::create_record(&app.db, actor.caller(), &body).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

#[utoipa::path(get, path = "/api/nutrition/records/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MealRecord), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn retrieve(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> ApiResult<Json<MealRecord>> {
    Ok(Json(nutrition::get_record(&app.db, &user, id).await?))
}

#[utoipa::path(put, path = "/api/nutrition/records/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = RecordRequest,
    responses((status = 200, body = MealRecord), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, body = Detail)))]
pub async fn replace(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<MealRecord>> {
    let record =
        nutrition::update_record(&app.db, actor.caller(), id, &body, Mode::Replace).await?;
    Ok(Json(record))
}

/// Update some keys; may switch between a planned and an ad-hoc record.
#[utoipa::path(patch, path = "/api/nutrition/records/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = RecordRequest,
    responses((status = 200, body = MealRecord), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, body = Detail)))]
pub async fn update(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<MealRecord>> {
    let record = nutrition::update_record(&app.db, actor.caller(), id, &body, Mode::Update).await?;
    Ok(Json(record))
}

#[utoipa::path(delete, path = "/api/nutrition/records/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn destroy(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
) -> ApiResult<StatusCode> {
    nutrition::delete_record(&app.db, actor.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Today's records (UTC), newest first.
#[utoipa::path(get, path = "/api/nutrition/records/today/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = Vec<MealRecord>), (status = 401, body = Detail)))]
pub async fn today(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<MealRecord>>> {
    Ok(Json(nutrition::records_today(&app.db, &user).await?))
}

/// The nutrients of the records of the last `days` days.
#[utoipa::path(get, path = "/api/nutrition/records/nutrition_summary/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(DaysQuery),
    responses((status = 200, body = RecordsSummary), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail)))]
pub async fn nutrition_summary(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    query: QueryParams,
) -> ApiResult<Json<RecordsSummary>> {
    let summary = nutrition::records_summary(&app.db, &user, query.get("days")?).await?;
    Ok(Json(summary))
}
