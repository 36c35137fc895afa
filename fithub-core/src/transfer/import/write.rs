//! Writing rows: inserted one by one when something refers to them, batched when nothing does
//! and they cannot exist yet, or dealt with as `--on-conflict` says when a twin exists.

use super::ids::{LocalId, Owner};
use super::{Importer, OnConflict};
use crate::db::{Query, Value};
use crate::error::{Error, Result};
use crate::transfer::batch::Batch;
use crate::transfer::table::{Row, Table, column_list, twin_lookup};

/// A row that may exist already, found by its natural key.
pub(super) enum Existing {
    None,
    Found(LocalId),
}

pub(super) fn found(row: Option<(i64,)>) -> Existing {
    match row {
        Some((id,)) => Existing::Found(LocalId(id)),
        None => Existing::None,
    }
}

impl Importer {
    pub(super) fn count(
        map: &mut std::collections::BTreeMap<&'static str, u64>,
        kind: &'static str,
    ) {
        *map.entry(kind).or_default() += 1;
    }

    /// The clash message of a private row.
    pub(super) fn clash(&self, what: &str) -> Error {
        Error::rejected(format!(
            "{what} exists already; --on-conflict skip keeps it, update overwrites it"
        ))
    }

    /// Whether a row of `table` owned by `owner` could exist already.
    pub(super) fn may_exist(&self, table: &str, owner: Owner) -> bool {
        !owner.new && !self.empty.contains(table)
    }

    /// The row with its archive id in front, when the table keeps its ids.
    fn with_id(&self, table: &str, archive_id: i64, row: Row) -> (Vec<&'static str>, Vec<Value>) {
        let mut columns = row.columns.to_vec();
        let mut values = row.values;
        if self.empty.contains(table) {
            columns.insert(0, "id");
            values.insert(0, Value::from(archive_id));
        }
        (columns, values)
    }

    /// Inserts a row, with its archive id when the table keeps ids; returns its id here.
    pub(super) async fn insert(
        &mut self,
        table: &'static str,
        archive_id: i64,
        row: Row,
    ) -> Result<LocalId> {
        let (columns, values) = self.with_id(table, archive_id, row);
        let mut statement = Query::builder();
        statement
            .push("INSERT INTO ")
            .push(table)
            .push(" (")
            .push(&column_list(&columns))
            .push(") VALUES (")
            .push_bind_list(values)
            .push(") RETURNING id");
        Ok(LocalId(statement.fetch_scalar(&mut self.tx).await?))
    }

    /// Inserts a private row, or deals with its existing twin as the options say; returns its id.
    pub(super) async fn write<T: Table>(
        &mut self,
        archive_id: i64,
        existing: Existing,
        row: Row,
    ) -> Result<LocalId> {
        match existing {
            Existing::None => {
                let id = self.insert(T::TABLE, archive_id, row).await?;
                Self::count(&mut self.report.created, T::KIND);
                Ok(id)
            }
            Existing::Found(id) => match self.options.on_conflict {
                OnConflict::Fail => Err(self.clash(&format!("this {} (id {archive_id})", T::KIND))),
                OnConflict::Skip => {
                    Self::count(&mut self.report.skipped, T::KIND);
                    Ok(id)
                }
                OnConflict::Update => {
                    let mut statement = Query::builder();
                    statement.push("UPDATE ").push(T::TABLE).push(" SET ");
                    for (i, (column, value)) in row.columns.iter().zip(row.values).enumerate() {
                        if i > 0 {
                            statement.push(", ");
                        }
                        statement
                            .push("\"")
                            .push(column)
                            .push("\" = ")
                            .push_bind(value);
                    }
                    statement.push(" WHERE id = ").push_bind(id);
                    statement.execute(&mut self.tx).await?;
                    Self::count(&mut self.report.updated, T::KIND);
                    Ok(id)
                }
            },
        }
    }

    /// The twin of a private row of `owner`, looked up only when it could exist.
    pub(super) async fn twin<T: Table>(&mut self, owner: Owner, row: &Row) -> Result<Existing> {
        if !self.may_exist(T::TABLE, owner) {
            return Ok(Existing::None);
        }
        Ok(found(
            twin_lookup::<T>(row).fetch_optional(&mut self.tx).await?,
        ))
    }

    /// A private row that nothing refers to: batched when it cannot exist yet, else looked up.
    pub(super) async fn leaf<T: Table>(
        &mut self,
        archive_id: i64,
        owner: Owner,
        row: Row,
    ) -> Result<()> {
        let existing = self.twin::<T>(owner, &row).await?;
        if let Existing::Found(_) = existing {
            self.write::<T>(archive_id, existing, row).await?;
            return Ok(());
        }
        self.batch(T::TABLE, archive_id, row).await?;
        Self::count(&mut self.report.created, T::KIND);
        Ok(())
    }

    /// Adds a row to its table's batch.
    pub(super) async fn batch(
        &mut self,
        table: &'static str,
        archive_id: i64,
        row: Row,
    ) -> Result<()> {
        let (columns, values) = self.with_id(table, archive_id, row);
        self.push_batch(table, &columns, values).await
    }

    /// Adds `values` (of `columns`) to `table`'s batch, writing the batch when it is full.
    pub(super) async fn push_batch(
        &mut self,
        table: &'static str,
        columns: &[&str],
        values: Vec<Value>,
    ) -> Result<()> {
        let batch = self
            .batches
            .entry(table)
            .or_insert_with(|| Batch::new(table, columns));
        batch.push(values);
        if batch.is_full() {
            batch.flush(&mut self.tx).await?;
        }
        Ok(())
    }
}
