//! The private rows of a user: diets and meals (which others refer to), the leaves, and goals
//! (which keep their UUIDs everywhere).

use super::ids::Imported;
use super::{ArchiveId, Importer, OnConflict};
use crate::db::{Value, query};
use crate::error::{Error, Result};
use crate::transfer::records::*;
use crate::transfer::table::Table;

impl Importer {
    pub(super) async fn diet(&mut self, diet: ArchivedDiet) -> Result<()> {
        let owner = self.ids.owner(diet.user_id)?;
        let (archive_id, owner_in_archive, active) = (diet.id, diet.user_id, diet.is_active);
        let mut row = diet.into_row();
        row.set("user_id", owner.id);
        let existing = self.twin::<ArchivedDiet>(owner, &row).await?;
        if active && !owner.new && self.options.on_conflict != OnConflict::Skip {
            // The archive's active diet becomes the one active diet.
            query("UPDATE diets SET is_active = false WHERE user_id = $1 AND is_active")
                .bind(owner.id.0)
                .execute(&mut self.tx)
                .await?;
        }
        let id = self
            .write::<ArchivedDiet>(archive_id, existing, row)
            .await?;
        let imported = Imported {
            id,
            owner: ArchiveId(owner_in_archive),
        };
        self.ids.diets.insert(ArchiveId(archive_id), imported);
        Ok(())
    }

    pub(super) async fn meal(&mut self, meal: ArchivedMeal) -> Result<()> {
        let owner = self.ids.owner(meal.user_id)?;
        let diet = self.ids.diet_of(meal.diet_id, meal.user_id)?;
        let (archive_id, owner_in_archive) = (meal.id, meal.user_id);
        let mut row = meal.into_row();
        row.set("user_id", owner.id);
        row.set("diet_id", diet);
        let existing = self.twin::<ArchivedMeal>(owner, &row).await?;
        let id = self
            .write::<ArchivedMeal>(archive_id, existing, row)
            .await?;
        let imported = Imported {
            id,
            owner: ArchiveId(owner_in_archive),
        };
        self.ids.meals.insert(ArchiveId(archive_id), imported);
        Ok(())
    }

    pub(super) async fn meal_ingredient(&mut self, item: ArchivedMealIngredient) -> Result<()> {
        let owner = self.ids.owner(item.user_id)?;
        let meal = self.ids.meal_of(item.meal_id, item.user_id)?;
        let ingredient = self
            .ids
            .usable_ingredient(item.ingredient_id, item.user_id)?;
        let archive_id = item.id;
        let mut row = item.into_row();
        row.set("user_id", owner.id);
        row.set("meal_id", meal);
        row.set("ingredient_id", ingredient);
        self.leaf::<ArchivedMealIngredient>(archive_id, owner, row)
            .await
    }

    pub(super) async fn meal_record(&mut self, record: ArchivedMealRecord) -> Result<()> {
        let owner = self.ids.owner(record.user_id)?;
        let meal = record
            .meal_id
            .map(|meal| self.ids.meal_of(meal, record.user_id))
            .transpose()?;
        let archive_id = record.id;
        let mut row = record.into_row();
        row.set("user_id", owner.id);
        row.set("meal_id", meal.map(|meal| meal.0));
        self.leaf::<ArchivedMealRecord>(archive_id, owner, row)
            .await
    }

    pub(super) async fn preference(&mut self, preference: ArchivedPreference) -> Result<()> {
        let owner = self.ids.owner(preference.user_id)?;
        let ingredient = self
            .ids
            .usable_ingredient(preference.ingredient_id, preference.user_id)?;
        let archive_id = preference.id;
        let mut row = preference.into_row();
        row.set("user_id", owner.id);
        row.set("ingredient_id", ingredient);
        self.leaf::<ArchivedPreference>(archive_id, owner, row)
            .await
    }

    pub(super) async fn measurement(&mut self, measurement: ArchivedMeasurement) -> Result<()> {
        let owner = self.ids.owner(measurement.user_id)?;
        let archive_id = measurement.id;
        let mut row = measurement.into_row();
        row.set("user_id", owner.id);
        self.leaf::<ArchivedMeasurement>(archive_id, owner, row)
            .await
    }

    /// Goals keep their UUIDs everywhere: they are unique across instances.
    pub(super) async fn goal(&mut self, goal: ArchivedGoal) -> Result<()> {
        let owner = self.ids.owner(goal.user_id)?;
        if !self.empty.contains("goals") {
            let holder: Option<(i64,)> = query("SELECT user_id FROM goals WHERE id = $1")
                .bind(goal.id.0)
                .fetch_optional(&mut self.tx)
                .await?;
            match holder {
                Some((user,)) if user != owner.id.0 => {
                    return Err(Error::rejected(format!(
                        "goal {} belongs to another user here",
                        goal.id.0
                    )));
                }
                Some(_) => return self.existing_goal(goal).await,
                None => {}
            }
        }
        let id = Value::from(goal.id.0);
        let mut row = goal.into_row();
        row.set("user_id", owner.id);
        let columns: Vec<&str> = ["id"]
            .into_iter()
            .chain(row.columns.iter().copied())
            .collect();
        let mut values = row.values;
        values.insert(0, id);
        self.push_batch(ArchivedGoal::TABLE, &columns, values)
            .await?;
        Self::count(&mut self.report.created, "goal");
        Ok(())
    }

    async fn existing_goal(&mut self, goal: ArchivedGoal) -> Result<()> {
        match self.options.on_conflict {
            OnConflict::Fail => Err(self.clash(&format!("goal {}", goal.id.0))),
            OnConflict::Skip => {
                Self::count(&mut self.report.skipped, "goal");
                Ok(())
            }
            OnConflict::Update => {
                query(
                    "UPDATE goals SET goal_type = $2, target_date = $3, notes = $4, \
                     is_active = $5, updated_at = $6 WHERE id = $1",
                )
                .bind(goal.id.0)
                .bind(goal.goal_type)
                .bind(goal.target_date)
                .bind(goal.notes)
                .bind(goal.is_active)
                .bind(goal.updated_at)
                .execute(&mut self.tx)
                .await?;
                Self::count(&mut self.report.updated, "goal");
                Ok(())
            }
        }
    }
}
