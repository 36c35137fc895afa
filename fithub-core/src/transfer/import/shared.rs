//! Rows users share: categories (matched by name within their parent) and ingredients (a public
//! one by name within its category, a personal one by owner, name and creation time).

use super::ids::{ArchiveId, LocalId};
use super::write::{Existing, found};
use super::{Importer, OnConflict};
use crate::db::query;
use crate::error::Result;
use crate::transfer::records::*;
use crate::transfer::table::Table;

impl Importer {
    pub(super) async fn category(&mut self, category: ArchivedCategory) -> Result<()> {
        let parent = match category.parent_id {
            None => None,
            Some(parent) => {
                Some(*self.ids.categories.get(&ArchiveId(parent)).ok_or_else(|| {
                    crate::error::Error::rejected(format!(
                        "refers to parent category {parent}, which is not earlier in the \
                             archive"
                    ))
                })?)
            }
        };
        let existing = if self.empty.contains("categories") {
            Existing::None
        } else {
            found(
                query(
                    "SELECT id FROM categories WHERE name = $1 \
                     AND parent_id IS NOT DISTINCT FROM $2 ORDER BY id LIMIT 1",
                )
                .bind(category.name.as_str())
                .bind(parent.map(|parent| parent.0))
                .fetch_optional(&mut self.tx)
                .await?,
            )
        };
        let archive_id = category.id;
        let id = match existing {
            Existing::Found(id) => {
                Self::count(&mut self.report.matched, "category");
                id
            }
            Existing::None => {
                let creator = self.ids.creator(category.created_by);
                let mut row = category.into_row();
                row.set("parent_id", parent.map(|parent| parent.0));
                row.set("created_by", creator.map(|creator| creator.0));
                let id = self.insert("categories", archive_id, row).await?;
                Self::count(&mut self.report.created, "category");
                id
            }
        };
        self.ids.categories.insert(ArchiveId(archive_id), id);
        Ok(())
    }

    pub(super) async fn ingredient(&mut self, ingredient: ArchivedIngredient) -> Result<()> {
        let category = self.ids.category(ingredient.category_id)?;
        let owner = match (ingredient.is_personal, ingredient.created_by) {
            (true, Some(user)) => Some(self.ids.owner(user)?),
            _ => None,
        };
        let existing = match owner {
            _ if self.empty.contains("ingredients") => Existing::None,
            Some(owner) if owner.new => Existing::None,
            Some(owner) => found(
                query(
                    "SELECT id FROM ingredients WHERE is_personal AND created_by = $1 \
                     AND name = $2 AND created_at = $3 ORDER BY id LIMIT 1",
                )
                .bind(owner.id.0)
                .bind(ingredient.name.as_str())
                .bind(ingredient.created_at)
                .fetch_optional(&mut self.tx)
                .await?,
            ),
            None => found(
                query(
                    "SELECT id FROM ingredients WHERE NOT is_personal AND name = $1 \
                     AND category_id IS NOT DISTINCT FROM $2 ORDER BY id LIMIT 1",
                )
                .bind(ingredient.name.as_str())
                .bind(category.map(|category| category.0))
                .fetch_optional(&mut self.tx)
                .await?,
            ),
        };
        let personal_owner = owner.map(|_| ArchiveId(ingredient.created_by.unwrap_or_default()));
        let archive_id = ingredient.id;
        let id = match existing {
            Existing::Found(id) => {
                self.existing_ingredient(id, owner.is_some(), ingredient)
                    .await?;
                id
            }
            Existing::None => {
                let creator = self.ids.creator(ingredient.created_by);
                let mut row = ingredient.into_row();
                row.set("category_id", category.map(|category| category.0));
                row.set("created_by", creator.map(|creator| creator.0));
                let id = self.insert("ingredients", archive_id, row).await?;
                Self::count(&mut self.report.created, "ingredient");
                id
            }
        };
        self.ids
            .ingredients
            .insert(ArchiveId(archive_id), (id, personal_owner));
        Ok(())
    }

    /// A personal ingredient's twin is a clash like any private row's; a public one is reused,
    /// or overwritten with `update`.
    async fn existing_ingredient(
        &mut self,
        id: LocalId,
        personal: bool,
        ingredient: ArchivedIngredient,
    ) -> Result<()> {
        let overwrite = self.options.on_conflict == OnConflict::Update;
        match (personal, self.options.on_conflict) {
            (true, OnConflict::Fail) => {
                return Err(self.clash(&format!("ingredient {:?}", ingredient.name)));
            }
            (true, OnConflict::Skip) => Self::count(&mut self.report.skipped, "ingredient"),
            (false, _) if !overwrite => Self::count(&mut self.report.matched, "ingredient"),
            _ => {
                query(
                    "UPDATE ingredients SET proteins = $2, fats = $3, carbs = $4, \
                     calories = $5, fibers = $6, sugars = $7, description = $8, \
                     updated_at = $9 WHERE id = $1",
                )
                .bind(id.0)
                .bind(ingredient.proteins)
                .bind(ingredient.fats)
                .bind(ingredient.carbs)
                .bind(ingredient.calories)
                .bind(ingredient.fibers)
                .bind(ingredient.sugars)
                .bind(ingredient.description)
                .bind(ingredient.updated_at)
                .execute(&mut self.tx)
                .await?;
                Self::count(&mut self.report.updated, "ingredient");
            }
        }
        Ok(())
    }
}
