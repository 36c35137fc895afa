//! `/api/nutrition/meal-ingredients/` (API.md §3.5.7).

use fithub_core::Result;
use fithub_core::accounts::{Caller, User};
use fithub_core::input::{Body, Mode};
use fithub_core::listing::{ListSpec, Page};
use fithub_core::precondition::IfMatch;
use fithub_core::nutrition::{self, MealIngredient};
use utoipa::ToSchema;

use crate::App;
use crate::resource::{Operation, Resource};

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct MealIngredientRequest {
    /// One of the caller's meals.
    meal: i64,
    /// A public ingredient or one of the caller's own.
    ingredient_id: i64,
    /// Grams.
    quantity: f64,
    #[schema(example = "g")]
    unit: String,
    barcode: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct AddIngredientRequest {
    /// A public ingredient or one of the caller's own.
    ingredient_id: i64,
    /// Grams.
    quantity: f64,
    #[schema(example = "g")]
    unit: String,
    barcode: Option<String>,
}

/// `/api/nutrition/meal-ingredients/` and `/api/nutrition/meal-ingredients/{id}/`.
pub struct MealIngredients;

impl Resource for MealIngredients {
    const PATH: &'static str = "/api/nutrition/meal-ingredients/";
    const OPERATION: &'static str = "nutrition_meal_ingredients";
    const TAG: &'static str = "nutrition";
    const ENTITY: &'static str = "MealIngredient";
    const ONE: &'static str = "a meal ingredient";
    const MANY: &'static str = "meal ingredients";
    const LIST: &'static ListSpec = &nutrition::MEAL_INGREDIENT_LIST;
    type Id = i64;
    type Object = MealIngredient;
    type Request = MealIngredientRequest;

    fn id(object: &MealIngredient) -> i64 {
        object.id
    }

    async fn list(app: &App, user: &User, query: &[(String, String)]) -> Result<Page<MealIngredient>> {
        nutrition::list_meal_ingredients(&app.db, user, query).await
    }

    async fn get(app: &App, user: &User, id: i64) -> Result<MealIngredient> {
        nutrition::get_meal_ingredient(&app.db, user, id).await
    }

    async fn create(app: &App, caller: Caller<'_>, body: &Body) -> Result<MealIngredient> {
        nutrition::create_meal_ingredient(&app.db, caller, body).await
    }

    async fn update(
        app: &App,
        caller: Caller<'_>,
        id: i64,
        body: &Body,
        mode: Mode,
        if_match: &IfMatch,
    ) -> Result<MealIngredient> {
        nutrition::update_meal_ingredient(&app.db, caller, id, body, mode, if_match).await
    }

    async fn delete(app: &App, caller: Caller<'_>, id: i64, if_match: &IfMatch) -> Result<()> {
        nutrition::delete_meal_ingredient(&app.db, caller, id, if_match).await
    }

    fn describe(operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::List => Some("The ingredients of the caller's meals."),
            _ => None,
        }
    }
}

