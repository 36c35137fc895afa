//! `/api/nutrition/diets/` (API.md §3.5.1).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fithub_core::nutrition::{self, Diet};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::App;
use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, PathId};
use crate::routes::schemas::{ActionError, Detail};

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct DietActivated {
    #[schema(example = "diet activated")]
    status: String,
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
