//! `/api/goals/goals/` (API.md §3.6.1). Ids are UUIDs.

use axum::Json;
use axum::extract::State;
use fithub_core::goals::{self, Goal, GoalProgress};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::App;
use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, PathUuid, QueryParams};
use crate::routes::schemas::Detail;

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct GoalStatus {
    #[schema(example = "goal activated")]
    status: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct TypeQuery {
    /// A goal type (one of `GoalType`'s values); without it, every goal. Any other value is no
    /// error and matches no goal, so the document states no enumeration here.
    #[param(rename = "type", example = "weight_loss")]
    goal_type: Option<String>,
}

/// Make this the caller's only active goal.
#[utoipa::path(post, path = "/api/goals/goals/{id}/activate/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])), params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = GoalStatus), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn activate(
    State(app): State<App>,
    actor: Actor,
    PathUuid(id): PathUuid,
) -> ApiResult<Json<Value>> {
    goals::set_goal_active(&app.db, actor.caller(), id, true).await?;
    Ok(Json(json!({"status": "goal activated"})))
}

/// Deactivate this goal; the caller's other goals are unchanged.
#[utoipa::path(post, path = "/api/goals/goals/{id}/deactivate/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])), params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = GoalStatus), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn deactivate(
    State(app): State<App>,
    actor: Actor,
    PathUuid(id): PathUuid,
) -> ApiResult<Json<Value>> {
    goals::set_goal_active(&app.db, actor.caller(), id, false).await?;
    Ok(Json(json!({"status": "goal deactivated"})))
}

/// Weight, body fat and muscle mass measurements from first to latest.
#[utoipa::path(get, path = "/api/goals/goals/{id}/progress/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])), params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = GoalProgress), (status = 401, body = Detail),
        (status = 404, body = Detail)))]
pub async fn progress(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    PathUuid(id): PathUuid,
) -> ApiResult<Json<GoalProgress>> {
    Ok(Json(goals::goal_progress(&app.db, &user, id).await?))
}

/// The active goals, newest first.
#[utoipa::path(get, path = "/api/goals/goals/active/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = Vec<Goal>), (status = 401, body = Detail)))]
pub async fn active(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<Goal>>> {
    Ok(Json(goals::active_goals(&app.db, &user).await?))
}

/// Goals of one type, newest first.
#[utoipa::path(get, path = "/api/goals/goals/by_type/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])), params(TypeQuery),
    responses((status = 200, body = Vec<Goal>), (status = 401, body = Detail)))]
pub async fn by_type(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    query: QueryParams,
) -> ApiResult<Json<Vec<Goal>>> {
    Ok(Json(
        goals::goals_by_type(&app.db, &user, query.get("type")?).await?,
    ))
}

/// Active goals with a target date from today on, soonest first.
#[utoipa::path(get, path = "/api/goals/goals/upcoming/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = Vec<Goal>), (status = 401, body = Detail)))]
pub async fn upcoming(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<Goal>>> {
    Ok(Json(goals::goals_by_deadline(&app.db, &user, false).await?))
}

/// Active goals whose target date has passed, earliest first.
#[utoipa::path(get, path = "/api/goals/goals/overdue/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = Vec<Goal>), (status = 401, body = Detail)))]
pub async fn overdue(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<Goal>>> {
    Ok(Json(goals::goals_by_deadline(&app.db, &user, true).await?))
}
