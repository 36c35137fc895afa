//! Writing many rows of one table at once, inside the import's transaction: `COPY … FROM STDIN`
//! on PostgreSQL, multi-row `INSERT`s on SQLite.

use crate::datetime;
use crate::db::{Dialect, Query, Transaction, Value};
use crate::error::Result;

/// Rows to write per flush.
pub(super) const BATCH_ROWS: usize = 5000;
/// Rows per SQLite `INSERT`. A statement has a cost of its own, and its cost per row grows with
/// its size: this size is the fastest the transfer benchmark found (README, Performance).
const SQLITE_ROWS_PER_STATEMENT: usize = 100;

/// Pending rows of one table.
pub(super) struct Batch {
    table: &'static str,
    /// The column list, quoted.
    columns: String,
    width: usize,
    rows: Vec<Vec<Value>>,
}

impl Batch {
    pub(super) fn new(table: &'static str, columns: &[&str]) -> Batch {
        Batch {
            table,
            columns: super::table::column_list(columns),
            width: columns.len(),
            rows: Vec::with_capacity(BATCH_ROWS),
        }
    }

    /// Adds a row, its values in the order of the columns.
    pub(super) fn push(&mut self, values: Vec<Value>) {
        debug_assert_eq!(values.len(), self.width);
        self.rows.push(values);
    }

    pub(super) fn is_full(&self) -> bool {
        self.rows.len() >= BATCH_ROWS
    }

    /// Writes the pending rows.
    pub(super) async fn flush(&mut self, tx: &mut Transaction) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let columns = &self.columns;
        match tx.dialect() {
            Dialect::Postgres => {
                let mut data = String::with_capacity(self.rows.len() * 96);
                for row in &self.rows {
                    for (i, value) in row.iter().enumerate() {
                        if i > 0 {
                            data.push(',');
                        }
                        push_csv(&mut data, value);
                    }
                    data.push('\n');
                }
                let statement = format!(
                    "COPY {} ({columns}) FROM STDIN WITH (FORMAT csv)",
                    self.table
                );
                tx.copy_in(&statement, data.as_bytes()).await?;
            }
            Dialect::Sqlite => {
                for chunk in self.rows.chunks(SQLITE_ROWS_PER_STATEMENT) {
                    // SQLite's own numbered placeholders: `$1` … would be *named* parameters,
                    // which SQLite looks up linearly, quadratic in a statement of many rows.
                    let mut sql = format!("INSERT INTO {} ({columns}) VALUES ", self.table);
                    let mut values = Vec::with_capacity(chunk.len() * self.width);
                    for (i, row) in chunk.iter().enumerate() {
                        sql.push_str(if i == 0 { "(" } else { ", (" });
                        for (j, value) in row.iter().enumerate() {
                            if j > 0 {
                                sql.push_str(", ");
                            }
                            values.push(value.clone());
                            sql.push_str(&format!("?{}", values.len()));
                        }
                        sql.push(')');
                    }
                    Query::from_parts(sql, values).execute(&mut *tx).await?;
                }
            }
        }
        self.rows.clear();
        Ok(())
    }
}

/// One value in PostgreSQL's CSV: NULL is an unquoted empty field, text is always quoted (so an
/// empty string stays a string).
fn push_csv(out: &mut String, value: &Value) {
    let quoted = |out: &mut String, text: &str| {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    };
    match value {
        Value::Bool(Some(flag)) => out.push(if *flag { 't' } else { 'f' }),
        Value::Int(Some(number)) => out.push_str(&number.to_string()),
        Value::Float(Some(number)) => out.push_str(&number.to_string()),
        Value::Text(Some(text)) => quoted(out, text),
        Value::Date(Some(date)) => out.push_str(&datetime::format_date(*date)),
        Value::Time(Some(time)) => out.push_str(&datetime::format_time(*time)),
        Value::Timestamp(Some(at)) => out.push_str(&at.to_wire()),
        Value::Uuid(Some(uuid)) => out.push_str(&uuid.hyphenated().to_string()),
        Value::Bool(None)
        | Value::Int(None)
        | Value::Float(None)
        | Value::Text(None)
        | Value::Date(None)
        | Value::Time(None)
        | Value::Timestamp(None)
        | Value::Uuid(None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_distinguishes_null_from_empty_and_escapes_quotes() {
        let mut out = String::new();
        for (i, value) in [
            Value::Text(None),
            Value::from(""),
            Value::from("say \"hi\", ok"),
            Value::from(true),
            Value::from(71.4),
        ]
        .iter()
        .enumerate()
        {
            if i > 0 {
                out.push(',');
            }
            push_csv(&mut out, value);
        }
        assert_eq!(out, r#","","say ""hi"", ok",t,71.4"#);
    }
}
