//! `/api/nutrition/categories/` (API.md §3.5.4).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fithub_core::input::Mode;
use fithub_core::nutrition::{self, Category};
use utoipa::ToSchema;

use crate::App;
use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, JsonBody, PathId};
use crate::pagination::{ListRequest, Paginated};
use crate::routes::schemas::{Detail, ListQuery, ValidationErrors};

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct CategoryRequest {
    #[schema(example = "Grains")]
    name: String,
    /// An existing category that is not this one or one of its descendants, or `null`.
    parent: Option<i64>,
}

/// Every category: they are shared.
#[utoipa::path(get, path = "/api/nutrition/categories/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])),
    params(ListQuery, ("parent" = Option<i64>, Query)),
    responses((status = 200, body = Paginated<Category>), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 404, description = "Invalid page", body = Detail)))]
pub async fn list(
    State(app): State<App>,
    _caller: CurrentUser,
    list: ListRequest,
) -> ApiResult<Json<Paginated<Category>>> {
    let page = nutrition::list_categories(&app.db, list.query()).await?;
    Ok(Json(list.envelope(page)))
}

#[utoipa::path(post, path = "/api/nutrition/categories/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), request_body = CategoryRequest,
    responses((status = 201, body = Category), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail)))]
pub async fn create(
    State(app): State<App>,
    actor: Actor,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Category>)> {
    let category = nutrition::create_category(&app.db, actor.caller(), &body).await?;
    Ok((StatusCode::CREATED, Json(category)))
}

#[utoipa::path(get, path = "/api/nutrition/categories/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Category), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn retrieve(
    State(app): State<App>,
    _caller: CurrentUser,
    PathId(id): PathId,
) -> ApiResult<Json<Category>> {
    Ok(Json(nutrition::get_category(&app.db, id).await?))
}

/// Replace a category: its creator or staff only.
#[utoipa::path(put, path = "/api/nutrition/categories/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = CategoryRequest,
    responses((status = 200, body = Category), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail)))]
pub async fn replace(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Category>> {
    let category =
        nutrition::update_category(&app.db, actor.caller(), id, &body, Mode::Replace).await?;
    Ok(Json(category))
}

#[utoipa::path(patch, path = "/api/nutrition/categories/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    request_body = CategoryRequest,
    responses((status = 200, body = Category), (status = 400, body = ValidationErrors),
        (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail)))]
pub async fn update(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Category>> {
    let category =
        nutrition::update_category(&app.db, actor.caller(), id, &body, Mode::Update).await?;
    Ok(Json(category))
}

/// Delete a category; its ingredients and children stay, unlinked.
#[utoipa::path(delete, path = "/api/nutrition/categories/{id}/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = Detail),
        (status = 403, body = Detail), (status = 404, body = Detail)))]
pub async fn destroy(
    State(app): State<App>,
    actor: Actor,
    PathId(id): PathId,
) -> ApiResult<StatusCode> {
    nutrition::delete_category(&app.db, actor.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
