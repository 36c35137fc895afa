//! `/api/nutrition/preferences/` (API.md §3.5.6).

use axum::Json;
use axum::extract::State;
use fithub_core::nutrition::{self, Preference};
use utoipa::IntoParams;

use crate::App;
use crate::error::ApiResult;
use crate::extract::{CurrentUser, QueryParams};
use crate::routes::schemas::Detail;

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct TypeQuery {
    /// A preference type (one of `PreferenceType`'s values); without it, every preference. Any
    /// other value is no error and matches no preference, so the document states no enumeration.
    #[param(rename = "type", example = "love")]
    preference_type: Option<String>,
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
