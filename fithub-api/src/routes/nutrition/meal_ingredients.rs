//! `/api/nutrition/meal-ingredients/` (API.md §3.5.7).

use utoipa::ToSchema;

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
