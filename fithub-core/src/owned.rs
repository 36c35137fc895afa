//! What the private tables share: each row carries its owner's `user_id`, and every write of one
//! is the same sequence inside the caller's transaction (see [`Caller::begin`]): check the
//! `If-Match` against the object as a `GET` shows it, write, record the write in the audit trail,
//! read the object back, commit. Only the reading of the body and the SQL of the write are the
//! collection's own.

use serde::Serialize;

use crate::accounts::Caller;
use crate::db::{Database, Query, Transaction, Value};
use crate::error::{Error, Result};
use crate::precondition::IfMatch;

/// A table whose rows each belong to one user.
pub(crate) struct OwnedTable {
    pub table: &'static str,
    /// The entity as the API names it: "No {entity} matches the given query."
    pub entity: &'static str,
    /// The audit trail's name for the rows.
    pub object_type: &'static str,
    /// The audit actions of a creation, an update and a deletion.
    pub create_action: &'static str,
    pub update_action: &'static str,
    pub delete_action: &'static str,
}

impl OwnedTable {
    /// Creates a row of the caller's: `insert` reads the body and writes the row, returning its
    /// id; `find` reads the new object as a `GET` shows it.
    pub(crate) async fn create<Id, T>(
        &self,
        db: &Database,
        caller: Caller<'_>,
        insert: impl AsyncFnOnce(&mut Transaction) -> Result<Id>,
        find: impl AsyncFnOnce(&mut Transaction, Id) -> Result<T>,
    ) -> Result<T>
    where
        Id: ToString + Copy,
    {
        let mut tx = caller.begin(db).await?;
        let id = insert(&mut tx).await?;
        caller
            .audit(&mut tx, self.create_action, self.object_type, id)
            .await?;
        let created = find(&mut tx, id).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Changes the caller's row `id`: `find` reads the object as a `GET` shows it (`NotFound`
    /// when it is not the caller's), before the write for the `If-Match` and after it for the
    /// answer; `write` reads the body over the current object and writes the row.
    ///
    /// `find` is cloned for its second call rather than taken as an `AsyncFn`: rustc cannot prove
    /// the future `Send` when an async closure is called by reference.
    pub(crate) async fn update<Id, T: Serialize>(
        &self,
        db: &Database,
        caller: Caller<'_>,
        id: Id,
        if_match: &IfMatch,
        find: impl AsyncFnOnce(&mut Transaction) -> Result<T> + Clone,
        write: impl AsyncFnOnce(&mut Transaction, &T) -> Result<()>,
    ) -> Result<T>
    where
        Id: ToString + Copy,
    {
        let mut tx = caller.begin(db).await?;
        let current = find.clone()(&mut tx).await?;
        if_match.check(&current)?;
        write(&mut tx, &current).await?;
        caller
            .audit(&mut tx, self.update_action, self.object_type, id)
            .await?;
        let updated = find(&mut tx).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Deletes the caller's row `id` (and whatever cascades from it), or `NotFound`. With an
    /// `If-Match`, `current` reads the object as a `GET` shows it, to compare.
    pub(crate) async fn delete<Id, T: Serialize>(
        &self,
        db: &Database,
        caller: Caller<'_>,
        id: Id,
        if_match: &IfMatch,
        current: impl AsyncFnOnce(&mut Transaction) -> Result<T>,
    ) -> Result<()>
    where
        Id: Into<Value> + ToString + Copy,
    {
        let mut tx = caller.begin(db).await?;
        if if_match.is_set() {
            if_match.check(&current(&mut tx).await?)?;
        }
        let mut statement = Query::builder();
        statement
            .push("DELETE FROM ")
            .push(self.table)
            .push(" WHERE id = ")
            .push_bind(id)
            .push(" AND user_id = ")
            .push_bind(caller.user.id);
        if statement.execute(&mut tx).await? == 0 {
            return Err(Error::NotFound(self.entity));
        }
        caller
            .audit(&mut tx, self.delete_action, self.object_type, id)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
