//! `/api/nutrition/` (API.md §3.5): one module per resource, as in the core.

mod diary;
mod diets;
mod ingredients;
mod meals;
mod preferences;
mod records;

use axum::Json;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::schemas::Detail;
use crate::extract::CurrentUser;
use crate::pagination::BaseUrl;
use fithub_core::nutrition;

use crate::{App, resource};

/// Every nutrition route. Collection actions (`diets/active/`) are static segments, which the
/// router always prefers to an `{id}`.
pub fn routes(router: OpenApiRouter<App>) -> OpenApiRouter<App> {
    let router = resource::mount::<nutrition::Diets>(router, "/api/nutrition/diets/");
    let router = resource::mount::<nutrition::Meals>(router, "/api/nutrition/meals/");
    let router = resource::mount::<nutrition::Ingredients>(router, "/api/nutrition/ingredients/");
    let router = resource::mount::<nutrition::Categories>(router, "/api/nutrition/categories/");
    let router = resource::mount::<nutrition::Records>(router, "/api/nutrition/records/");
    let router = resource::mount::<nutrition::Preferences>(router, "/api/nutrition/preferences/");
    resource::mount::<nutrition::MealIngredients>(router, "/api/nutrition/meal-ingredients/")
        .routes(routes!(root))
        .routes(routes!(diets::activate))
        .routes(routes!(diets::active))
        .routes(routes!(meals::ingredients))
        .routes(routes!(meals::add_ingredient))
        .routes(routes!(meals::nutrition_summary))
        .routes(routes!(ingredients::search))
        .routes(routes!(ingredients::personal))
        .routes(routes!(records::today))
        .routes(routes!(records::nutrition_summary))
        .routes(routes!(preferences::by_type))
        .routes(routes!(diary::diary))
}

/// The collections' absolute URLs.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct NutritionRoot {
    #[schema(example = "http://api.example.com/api/nutrition/diets/")]
    diets: String,
    meals: String,
    ingredients: String,
    categories: String,
    records: String,
    preferences: String,
    #[schema(rename = "meal-ingredients")]
    meal_ingredients: String,
}

/// The nutrition collections.
#[utoipa::path(get, path = "/api/nutrition/", tag = "nutrition",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = NutritionRoot), (status = 401, body = Detail)))]
pub async fn root(_caller: CurrentUser, BaseUrl(base): BaseUrl) -> Json<Value> {
    let url = |collection: &str| format!("{base}/api/nutrition/{collection}/");
    Json(json!({
        "diets": url("diets"),
        "meals": url("meals"),
        "ingredients": url("ingredients"),
        "categories": url("categories"),
        "records": url("records"),
        "preferences": url("preferences"),
        "meal-ingredients": url("meal-ingredients"),
    }))
}
