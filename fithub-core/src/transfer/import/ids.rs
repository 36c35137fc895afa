//! Id mapping: what each archive id became here, and the checks that a reference names a row
//! earlier in the archive that its owner may use.

use std::collections::HashMap;

use crate::db::Value;
use crate::error::{Error, Result};

/// An id as the exporting database numbered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ArchiveId(pub i64);

/// An id in this database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LocalId(pub i64);

impl From<LocalId> for Value {
    fn from(id: LocalId) -> Value {
        Value::from(id.0)
    }
}

/// A user of the archive, as imported.
#[derive(Debug, Clone, Copy)]
pub(super) struct Owner {
    pub id: LocalId,
    /// Created by this import: none of their rows can exist yet.
    pub new: bool,
}

/// A diet or meal as imported: its id here, and its owner's id in the archive.
#[derive(Debug, Clone, Copy)]
pub(super) struct Imported {
    pub id: LocalId,
    pub owner: ArchiveId,
}

/// The archive's ids, mapped.
#[derive(Default)]
pub(super) struct Ids {
    pub users: HashMap<ArchiveId, Owner>,
    pub categories: HashMap<ArchiveId, LocalId>,
    /// The id here, and the archive owner of a personal ingredient.
    pub ingredients: HashMap<ArchiveId, (LocalId, Option<ArchiveId>)>,
    pub diets: HashMap<ArchiveId, Imported>,
    pub meals: HashMap<ArchiveId, Imported>,
}

impl Ids {
    pub fn owner(&self, user: i64) -> Result<Owner> {
        self.users.get(&ArchiveId(user)).copied().ok_or_else(|| {
            Error::rejected(format!(
                "refers to user {user}, who is not earlier in the archive"
            ))
        })
    }

    /// A user's id here, if the archive holds them (`created_by` of shared rows).
    pub fn creator(&self, user: Option<i64>) -> Option<LocalId> {
        user.and_then(|user| self.users.get(&ArchiveId(user)))
            .map(|owner| owner.id)
    }

    pub fn category(&self, category: Option<i64>) -> Result<Option<LocalId>> {
        category
            .map(|source| {
                self.categories
                    .get(&ArchiveId(source))
                    .copied()
                    .ok_or_else(|| {
                        Error::rejected(format!(
                            "refers to category {source}, which is not earlier in the archive"
                        ))
                    })
            })
            .transpose()
    }

    /// The id here of an ingredient the row's user may use: public, or their own.
    pub fn usable_ingredient(&self, ingredient: i64, user: i64) -> Result<LocalId> {
        match self.ingredients.get(&ArchiveId(ingredient)) {
            None => Err(Error::rejected(format!(
                "refers to ingredient {ingredient}, which is not earlier in the archive"
            ))),
            Some((_, Some(owner))) if owner.0 != user => Err(Error::rejected(format!(
                "refers to ingredient {ingredient}, another user's personal ingredient"
            ))),
            Some((id, _)) => Ok(*id),
        }
    }

    pub fn diet_of(&self, diet: i64, user: i64) -> Result<LocalId> {
        let imported = self.diets.get(&ArchiveId(diet)).copied().ok_or_else(|| {
            Error::rejected(format!(
                "refers to diet {diet}, which is not earlier in the archive"
            ))
        })?;
        if imported.owner.0 != user {
            return Err(Error::rejected(format!(
                "is in diet {diet}, which belongs to another user"
            )));
        }
        Ok(imported.id)
    }

    pub fn meal_of(&self, meal: i64, user: i64) -> Result<LocalId> {
        match self.meals.get(&ArchiveId(meal)) {
            None => Err(Error::rejected(format!(
                "refers to meal {meal}, which is not earlier in the archive"
            ))),
            Some(imported) if imported.owner.0 != user => Err(Error::rejected(format!(
                "refers to meal {meal}, which belongs to another user"
            ))),
            Some(imported) => Ok(imported.id),
        }
    }
}
