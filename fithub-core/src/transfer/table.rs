//! Each record kind's table, declared once beside its struct (`table!` in `records.rs`): its
//! table, its kind in the archive, its columns (after `id`) and their values, and its natural key
//! (the columns that find an existing twin of a private row). Export selects those columns,
//! import writes them; a column added to a struct and its declaration is exported and imported.

use crate::db::{Query, Value};

/// A record kind's table.
pub trait Table {
    const TABLE: &'static str;
    /// The record type's name in the archive.
    const KIND: &'static str;
    /// The columns after `id`, in the order of [`Table::into_row`]'s values.
    const COLUMNS: &'static [&'static str];
    /// The columns that identify an existing row of the same user (private tables).
    const KEY: &'static [&'static str];

    /// The record's values, as the archive has them: references are the archive's ids until
    /// the import [`Row::set`]s them.
    fn into_row(self) -> Row;
}

/// One row to write: values by column.
#[derive(Debug, Clone)]
pub struct Row {
    pub columns: &'static [&'static str],
    pub values: Vec<Value>,
}

impl Row {
    pub fn new(columns: &'static [&'static str], values: Vec<Value>) -> Row {
        debug_assert_eq!(columns.len(), values.len());
        Row { columns, values }
    }

    fn index(&self, column: &str) -> usize {
        self.columns
            .iter()
            .position(|name| *name == column)
            .unwrap_or_else(|| panic!("no column {column} in {:?}", self.columns))
    }

    /// Replaces a column's value (a reference translated to this database's id, say).
    pub fn set(&mut self, column: &str, value: impl Into<Value>) {
        let index = self.index(column);
        self.values[index] = value.into();
    }

    pub fn get(&self, column: &str) -> &Value {
        &self.values[self.index(column)]
    }
}

/// `"a", "b", …`: quoted, as some columns (`timestamp`) are keywords.
pub fn column_list(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|column| format!("\"{column}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `SELECT id FROM <table> WHERE <key> = … ORDER BY id LIMIT 1`, the row's twin by its natural
/// key.
pub fn twin_lookup<T: Table>(row: &Row) -> Query {
    let mut lookup = Query::builder();
    lookup
        .push("SELECT id FROM ")
        .push(T::TABLE)
        .push(" WHERE ");
    for (i, column) in T::KEY.iter().enumerate() {
        if i > 0 {
            lookup.push(" AND ");
        }
        lookup
            .push("\"")
            .push(column)
            .push("\" = ")
            .push_bind(row.get(column).clone());
    }
    lookup.push(" ORDER BY id LIMIT 1");
    lookup
}

/// Declares a record's [`Table`]: `table!(Struct, "table", "kind", [columns…], key [columns…])`.
macro_rules! table {
    ($record:ty, $table:literal, $kind:literal, [$($column:ident),+ $(,)?],
     key [$($key:ident),* $(,)?]) => {
        impl $crate::transfer::table::Table for $record {
            const TABLE: &'static str = $table;
            const KIND: &'static str = $kind;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($column)),+];
            const KEY: &'static [&'static str] = &[$(stringify!($key)),*];

            fn into_row(self) -> $crate::transfer::table::Row {
                $crate::transfer::table::Row::new(
                    Self::COLUMNS,
                    vec![$($crate::db::Value::from(self.$column)),+],
                )
            }
        }
    };
}

pub(crate) use table;
