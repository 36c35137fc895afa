//! `/api/nutrition/diets/` (API.md §3.5.1).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fithub_core::Result;
use fithub_core::accounts::{Caller, User};
use fithub_core::input::{Body, Mode};
use fithub_core::listing::{ListSpec, Page};
use fithub_core::nutrition::{self, Diet};
use fithub_core::precondition::IfMatch;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::App;
use crate::error::ApiResult;
use crate::extract::{Actor, CurrentUser, PathId};
use crate::resource::{Operation, Resource};
use crate::routes::schemas::{ActionError, Detail};

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct DietRequest {
    #[schema(example = "Lean bulk")]
    name: String,
    day_proteins_g: f64,
    day_fats_g: f64,
    day_carbohydrates_g: f64,
    day_calories_kcal: f64,
    /// `true` deactivates the caller's other diets.
    is_active: Option<bool>,
    /// Default: today (UTC).
    #[schema(format = Date)]
    start_date: Option<String>,
    /// Not before `start_date`.
    #[schema(format = Date)]
    end_date: Option<String>,
    notes: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct DietActivated {
    #[schema(example = "diet activated")]
    status: String,
}

/// `/api/nutrition/diets/` and `/api/nutrition/diets/{id}/`.
pub struct Diets;

impl Resource for Diets {
    const PATH: &'static str = "/api/nutrition/diets/";
    const OPERATION: &'static str = "nutrition_diets";
    const TAG: &'static str = "nutrition";
    const ENTITY: &'static str = "Diet";
    const ONE: &'static str = "a diet";
    const MANY: &'static str = "diets";
    const LIST: &'static ListSpec = &nutrition::DIET_LIST;
    type Id = i64;
    type Object = Diet;
    type Request = DietRequest;

    fn id(diet: &Diet) -> i64 {
        diet.id
    }

    async fn list(app: &App, user: &User, query: &[(String, String)]) -> Result<Page<Diet>> {
        nutrition::list_diets(&app.db, user, query).await
    }

    async fn get(app: &App, user: &User, id: i64) -> Result<Diet> {
        nutrition::get_diet(&app.db, user, id).await
    }

    async fn create(app: &App, caller: Caller<'_>, body: &Body) -> Result<Diet> {
        nutrition::create_diet(&app.db, caller, body).await
    }

    async fn update(
        app: &App,
        caller: Caller<'_>,
        id: i64,
        body: &Body,
        mode: Mode,
        if_match: &IfMatch,
    ) -> Result<Diet> {
        nutrition::update_diet(&app.db, caller, id, body, mode, if_match).await
    }

    async fn delete(app: &App, caller: Caller<'_>, id: i64, if_match: &IfMatch) -> Result<()> {
        nutrition::delete_diet(&app.db, caller, id, if_match).await
    }

    fn describe(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::Create | Operation::Update | Operation::PartialUpdate => {
                Some("`is_active: true` deactivates the caller's other diets, in one transaction.")
            }
            Operation::Destroy => Some("Its meals go with it, and their ingredients and records."),
            _ => None,
        }
    }
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
