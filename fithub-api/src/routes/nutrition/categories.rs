//! `/api/nutrition/categories/` (API.md §3.5.4).

use utoipa::ToSchema;

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct CategoryRequest {
    #[schema(example = "Grains")]
    name: String,
    /// An existing category that is not this one or one of its descendants, or `null`.
    parent: Option<i64>,
}
