//! `/api/nutrition/ingredients/` (API.md §3.5.3).

use axum::Json;
use axum::extract::State;
use fithub_core::nutrition::{self, Ingredient, IngredientSearchItem};
use utoipa::IntoParams;

use crate::App;
use crate::error::ApiResult;
use crate::extract::{CurrentUser, QueryParams};
use crate::routes::schemas::{ActionError, Detail};

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct SearchQuery {
    /// Found in the name or description.
    #[param(min_length = 2)]
    q: String,
}

/// Autocomplete: up to 10 visible ingredients whose name or description contains `q`.
#[utoipa::path(get, path = "/api/nutrition/ingredients/search/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])), params(SearchQuery),
    responses((status = 200, body = Vec<IngredientSearchItem>),
        (status = 400, description = "`q` shorter than 2 characters", body = ActionError),
        (status = 401, body = Detail)))]
pub async fn search(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    query: QueryParams,
) -> ApiResult<Json<Vec<IngredientSearchItem>>> {
    let found = nutrition::search_ingredients(&app.db, &user, query.get("q")?).await?;
    Ok(Json(found))
}

/// The caller's own ingredients, by name.
#[utoipa::path(get, path = "/api/nutrition/ingredients/personal/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = Vec<Ingredient>), (status = 401, body = Detail)))]
pub async fn personal(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<Ingredient>>> {
    Ok(Json(nutrition::personal_ingredients(&app.db, &user).await?))
}
