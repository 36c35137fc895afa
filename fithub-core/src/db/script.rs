//! Statements kept as fixed SQL fragments and the values between them, numbered only when they
//! are written.
//!
//! A [`Query`]'s `$n` are fixed when it is built. A [`Script`] leaves them open, so that the
//! same statements can be written alone, wrapped in a larger statement, or one after another
//! caller's in a group (see [`super::group_commit`]): each value gets its number from wherever the
//! script lands. No SQL text is ever scanned for placeholders, so quotes and comments in a
//! fragment cannot shift a number.

use super::query::{Query, Value};

/// Fixed SQL fragments and bound values, in order.
#[derive(Debug, Clone, Default)]
pub struct Script {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Sql(&'static str),
    Value(Value),
}

impl Script {
    pub fn new() -> Script {
        Script::default()
    }

    /// Appends a fixed fragment: SQL text only, never a value.
    pub fn push(&mut self, sql: &'static str) -> &mut Script {
        self.parts.push(Part::Sql(sql));
        self
    }

    /// Appends a placeholder for `value`.
    pub fn push_bind(&mut self, value: impl Into<Value>) -> &mut Script {
        self.parts.push(Part::Value(value.into()));
        self
    }

    /// Appends `script` to this one.
    pub fn append(&mut self, script: Script) -> &mut Script {
        self.parts.extend(script.parts);
        self
    }

    /// The number of values.
    pub fn bound(&self) -> usize {
        self.parts
            .iter()
            .filter(|part| matches!(part, Part::Value(_)))
            .count()
    }

    /// Writes the script into `query`, its values numbered after those `query` binds already.
    pub(super) fn append_to(self, query: &mut Query) {
        for part in self.parts {
            match part {
                Part::Sql(sql) => query.push(sql),
                Part::Value(value) => query.push_bind(value),
            };
        }
    }
}

impl From<Script> for Query {
    fn from(script: Script) -> Query {
        let mut query = Query::builder();
        script.append_to(&mut query);
        query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_numbered_where_the_script_lands() {
        let mut script = Script::new();
        script
            .push("-- it's a comment with a quote and a $1\n")
            .push("INSERT INTO t VALUES (")
            .push_bind(7i64)
            .push(", '$2')");
        assert_eq!(script.bound(), 1);

        let alone = Query::from(script.clone());
        assert_eq!(
            alone.sql(),
            "-- it's a comment with a quote and a $1\nINSERT INTO t VALUES ($1, '$2')"
        );

        let mut after = Query::builder();
        after.push("SELECT ").push_bind(1i64).push(";\n");
        script.append_to(&mut after);
        assert_eq!(
            after.sql(),
            "SELECT $1;\n-- it's a comment with a quote and a $1\nINSERT INTO t VALUES ($2, '$2')",
            "only the bound value is renumbered, never text inside quotes or comments"
        );
        assert_eq!(after.bound(), 2);
    }
}
