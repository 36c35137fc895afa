//! `/api/nutrition/records/` (API.md §3.5.5, §5.1).

use axum::Json;
use axum::extract::State;
use fithub_core::nutrition::{self, MealRecord, RecordsSummary};
use utoipa::IntoParams;

use crate::App;
use crate::error::ApiResult;
use crate::extract::{CurrentUser, QueryParams};
use crate::routes::schemas::{Detail, ValidationErrors};

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct DaysQuery {
    /// Default 7. The window ends today (in the caller's time zone) and starts `days` earlier,
    /// both days included.
    #[param(minimum = -3650, maximum = 3650)]
    days: Option<i64>,
}

/// Today's records (today in the caller's time zone), newest first.
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
