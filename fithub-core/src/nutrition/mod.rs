//! Nutrition (API.md §3.5): diets, meals and the ingredients in them, the shared ingredient
//! catalogue and its categories, logged meals (records), preferences, and the summaries.
//!
//! Every private object is read and written with its owner in the query: another user's diet is
//! not found, not forbidden. References in a body (`diet_id`, `meal`, `ingredient_id`, …) are
//! checked the same way and answered with one message whether the object is foreign or missing.

mod categories;
mod diary;
mod diets;
mod ingredient_search;
mod ingredients;
mod meal_ingredients;
mod meals;
mod preferences;
mod records;
mod summary;

use serde::{Serialize, Serializer};

pub use categories::{Categories, Category};
pub use diary::{
    Diary, DiaryDay, DiaryDiet, DiaryJson, KeptDiaries, MAX_DIARY_DAYS, Nutrients, diary,
    diary_json,
};
pub use diets::{Diet, Diets, activate_diet, active_diet};
pub use ingredient_search::search_ingredients;
pub use ingredients::{Ingredient, IngredientSearchItem, Ingredients, personal_ingredients};
pub use meal_ingredients::{
    ADD_INGREDIENT_FORM, MealIngredient, MealIngredients, add_ingredient_to_meal,
    ingredients_of_meal,
};
pub use meals::{Meal, Meals};
pub use preferences::{Preference, Preferences, preferences_by_type};
pub use records::{MealRecord, Records, records_today};
pub use summary::{MealSummary, RecordsSummary, meal_summary, records_summary};

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

crate::text_field! {
    /// A name (of a diet, meal, ingredient, category, logged meal) or a unit: 1 to 255
    /// characters.
    Name = crate::input::Text::limited(255)
}

crate::text_field! {
    /// A barcode: at most 255 characters, may be empty.
    Barcode = crate::input::Text::limited_or_blank(255)
}
