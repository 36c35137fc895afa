//! `/api/nutrition/preferences/` (API.md §3.5.6).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fithub_core::input::Mode;
use fithub_core::nutrition::{self, Preference, PreferenceType};
use utoipa::{IntoParams, ToSchema};

use crate::App;
use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, JsonBody, PathId, QueryParams};
use crate::pagination::{ListRequest, Paginated};
use crate::routes::schemas::{Detail, ListQuery, ValidationErrors};

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct PreferenceRequest {
    /// A public ingredient or one of the caller's own.
    ingredient_id: i64,
    preference_type: PreferenceType,
    barcode: Option<String>,
    description: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct TypeQuery {
    /// A preference type; without it, every preference.
    #[param(rename = "type")]
    preference_type: Option<String>,
}

/// The caller's preferences.
#[utoipa::path(get, path = "/api/nutrition/preferences/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])),
    params(ListQuery, ("preference_type" = Option<PreferenceType>, Query),
        ("ingredient" = Option<i64>, Query)),
    responses((status = 200, body = Paginated<Preference>), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, description = "Invalid page", body = Detail)))]
pub async fn list(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    list: ListRequest,
) -> ApiResult<Json<Paginated<Preference>>> {
    let page = nutrition::list_preferences(&app.db, &user, list.query()).await?;
    Ok(Json(list.envelope(page)))
}

#[utoipa::path(post, path = "/api/nutrition/preferences/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), request_body = PreferenceRequest,
    responses((status = 201, body = Preference), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail)))]
pub async fn create(
    State(app): State<App>,
    actor: Actor,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Preference>)> {
    let preference = nutrition::create_preference(&app.db, actor.caller(), &body).await?;
    Ok((StatusCode::CREATED, Json(preference)))
}

#[utoipa::path(get, path = "/api/nutrition/preferences/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Preference), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn retrieve(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> ApiResult<Json<Preference>> {
    Ok(Json(nutrition::get_preference(&app.db, &user, id).await?))
}

#[utoipa::path(put, path = "/api/nutrition/preferences/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = PreferenceRequest,
    responses((status = 200, body = Preference), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, body = Detail)))]
pub async fn replace(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Preference>> {
    let preference =
        nutrition::update_preference(&app.db, actor.caller(), id, &body, Mode::Replace).await?;
    Ok(Json(preference))
}

#[utoipa::path(patch, path = "/api/nutrition/preferences/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = PreferenceRequest,
    responses((status = 200, body = Preference), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, body = Detail)))]
pub async fn update(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Preference>> {
    let preference =
        nutrition::update_preference(&app.db, actor.caller(), id, &body, Mode::Update).await?;
    Ok(Json(preference))
}

#[utoipa::path(delete, path = "/api/nutrition/preferences/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn destroy(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
) -> ApiResult<StatusCode> {
    nutrition::delete_preference(&app.db, actor.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's preferences of one type, newest first.
#[utoipa::path(get, path = "/api/nutrition/preferences/by_type/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(TypeQuery),
    responses((status = 200, body = Vec<Preference>), (status = 401, body = Detail)))]
pub async fn by_type(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    query: QueryParams,
) -> ApiResult<Json<Vec<Preference>>> {
    let preferences = nutrition::preferences_by_type(&app.db, &user, query.get("type")?).await?;
    Ok(Json(preferences))
}
