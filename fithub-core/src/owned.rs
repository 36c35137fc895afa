//! What the private tables share: each row carries its owner's `user_id`, and deleting one is
//! "delete the caller's row, or answer that it is not found", recorded in the audit trail.

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
    /// The audit action of a deletion.
    pub delete_action: &'static str,
}

impl OwnedTable {
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
