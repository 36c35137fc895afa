//! Nutrition (API.md §3.5): diets, meals and the ingredients in them, the shared ingredient
//! catalogue and its categories, logged meals (records), preferences, and the summaries.
//!
//! Every private object is read and written with its owner in the query: another user's diet is
//! not found, not forbidden. References in a body (`diet_id`, `meal`, `ingredient_id`, …) are
//! checked the same way and answered with one message whether the object is foreign or missing.

mod categories;
mod diets;
mod ingredients;
mod meal_ingredients;
mod meals;
mod preferences;
mod records;
mod summary;

use serde::{Serialize, Serializer};

pub use categories::{
    Category, create_category, delete_category, get_category, list_categories, update_category,
};
pub use diets::{
    Diet, activate_diet, active_diet, create_diet, delete_diet, get_diet, list_diets, update_diet,
};
pub use ingredients::{
    Ingredient, IngredientSearchItem, create_ingredient, delete_ingredient, get_ingredient,
    list_ingredients, personal_ingredients, search_ingredients, update_ingredient,
};
pub use meal_ingredients::{
    MealIngredient, add_ingredient_to_meal, create_meal_ingredient, delete_meal_ingredient,
    get_meal_ingredient, ingredients_of_meal, list_meal_ingredients, update_meal_ingredient,
};
pub use meals::{Meal, create_meal, delete_meal, get_meal, list_meals, update_meal};
pub use preferences::{
    Preference, create_preference, delete_preference, get_preference, list_preferences,
    preferences_by_type, update_preference,
};
pub use records::{
    MealRecord, create_record, delete_record, get_record, list_records, records_today,
    update_record,
};
pub use summary::{MealSummary, RecordsSummary, meal_summary, records_summary};

/// Each list's filters, search fields and orderings.
pub use categories::LIST as CATEGORY_LIST;
pub use diets::LIST as DIET_LIST;
pub use ingredients::LIST as INGREDIENT_LIST;
pub use meal_ingredients::LIST as MEAL_INGREDIENT_LIST;
pub use meals::LIST as MEAL_LIST;
pub use preferences::LIST as PREFERENCE_LIST;
pub use records::LIST as RECORD_LIST;

crate::choices! {
    /// `Meal.meal_type`.
    MealType {
        Regular = "regular",
        Cheat = "cheat",
        Refeed = "refeed",
        PreWorkout = "pre_workout",
        PostWorkout = "post_workout",
        Snack = "snack",
    }
}

crate::choices! {
    /// `Meal.recurrence_type`.
    RecurrenceType {
        None = "none",
        Daily = "daily",
        Weekly = "weekly",
        Weekday = "weekday",
        Weekend = "weekend",
        Custom = "custom",
    }
}

crate::choices! {
    /// `MealPreference.preference_type`.
    PreferenceType {
        Love = "love",
        Like = "like",
        Dislike = "dislike",
        Hate = "hate",
        Restriction = "restriction",
        Allergy = "allergy",
    }
}

/// A nutrient total: a JSON number, except that zero is the integer `0` (API.md §1.3).
#[derive(Debug, Clone, Copy, PartialEq, utoipa::ToSchema)]
#[schema(value_type = f64)]
pub struct Total(pub f64);

impl Serialize for Total {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 == 0.0 {
            serializer.serialize_i64(0)
        } else {
            serializer.serialize_f64(self.0)
        }
    }
}

/// The longest name, unit or barcode.
const NAME_MAX: usize = 255;
