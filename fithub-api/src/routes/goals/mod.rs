//! `/api/goals/` (API.md §3.6): goals and body measurements.

#[allow(clippy::module_inception)] // mirrors the URL: /api/goals/goals/
mod goals;
mod measurements;

use axum::Json;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::schemas::Detail;
use crate::extract::CurrentUser;
use crate::pagination::BaseUrl;
use crate::{App, resource};

pub fn routes(router: OpenApiRouter<App>) -> OpenApiRouter<App> {
    let router = resource::mount::<fithub_core::goals::Goals>(router, "/api/goals/goals/");
    resource::mount::<fithub_core::measurements::Measurements>(router, "/api/goals/measurements/")
        .routes(routes!(root))
        .routes(routes!(goals::activate))
        .routes(routes!(goals::deactivate))
        .routes(routes!(goals::progress))
        .routes(routes!(goals::active))
        .routes(routes!(goals::by_type))
        .routes(routes!(goals::upcoming))
        .routes(routes!(goals::overdue))
        .routes(routes!(measurements::latest))
        .routes(routes!(measurements::by_metric))
        .routes(routes!(measurements::trends))
        .routes(routes!(measurements::summary))
        .routes(routes!(measurements::bulk_create))
}

/// The collections' absolute URLs.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct GoalsRoot {
    #[schema(example = "http://api.example.com/api/goals/goals/")]
    goals: String,
    measurements: String,
}

/// The goals collections.
#[utoipa::path(get, path = "/api/goals/", tag = "goals",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = GoalsRoot), (status = 401, body = Detail)))]
pub async fn root(_caller: CurrentUser, BaseUrl(base): BaseUrl) -> Json<Value> {
    Json(json!({
        "goals": format!("{base}/api/goals/goals/"),
        "measurements": format!("{base}/api/goals/measurements/"),
    }))
}
