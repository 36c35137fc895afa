//! `/api/nutrition/preferences/` (API.md §3.5.6).

use axum::Json;
use axum::extract::State;
use fithub_core::Result;
use fithub_core::accounts::{Caller, User};
use fithub_core::input::{Body, Mode};
use fithub_core::listing::{ListSpec, Page};
use fithub_core::precondition::IfMatch;
use fithub_core::nutrition::{self, Preference, PreferenceType};
use utoipa::{IntoParams, ToSchema};

use crate::App;
use crate::resource::{Operation, Resource};
use crate::error::ApiResult;
use crate::extract::{CurrentUser, QueryParams};
use crate::routes::schemas::Detail;

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

/// `/api/nutrition/preferences/` and `/api/nutrition/preferences/{id}/`.
pub struct Preferences;

impl Resource for Preferences {
    const PATH: &'static str = "/api/nutrition/preferences/";
    const OPERATION: &'static str = "nutrition_preferences";
    const TAG: &'static str = "nutrition";
    const ENTITY: &'static str = "MealPreference";
    const ONE: &'static str = "a preference";
    const MANY: &'static str = "preferences";
    const LIST: &'static ListSpec = &nutrition::PREFERENCE_LIST;
    type Id = i64;
    type Object = Preference;
    type Request = PreferenceRequest;

    fn id(object: &Preference) -> i64 {
        object.id
    }

    async fn list(app: &App, user: &User, query: &[(String, String)]) -> Result<Page<Preference>> {
        nutrition::list_preferences(&app.db, user, query).await
    }

    async fn get(app: &App, user: &User, id: i64) -> Result<Preference> {
        nutrition::get_preference(&app.db, user, id).await
    }

    async fn create(app: &App, caller: Caller<'_>, body: &Body) -> Result<Preference> {
        nutrition::create_preference(&app.db, caller, body).await
    }

    async fn update(
        app: &App,
        caller: Caller<'_>,
        id: i64,
        body: &Body,
        mode: Mode,
        if_match: &IfMatch,
    ) -> Result<Preference> {
        nutrition::update_preference(&app.db, caller, id, body, mode, if_match).await
    }

    async fn delete(app: &App, caller: Caller<'_>, id: i64, if_match: &IfMatch) -> Result<()> {
        nutrition::delete_preference(&app.db, caller, id, if_match).await
    }

    fn describe(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::List => Some("The caller's preferences."),
            _ => None,
        }
    }
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
    let preferences = nutrition::preferences_by_type(&app.db, &user, query.get("type")).await?;
    Ok(Json(preferences))
}
