//! Ingredient search (`GET /ingredients/search/?q=`): the autocomplete over the visible
//! ingredients' names and descriptions, by trigram index where the term allows.

use crate::accounts::User;
use crate::db::{Database, Dialect, Query, contains_pattern};
use crate::error::{Error, Result};
use crate::listing::SEARCH_TERM_MAX;

use super::IngredientSearchItem;
use super::ingredients::push_visible;

/// `GET /ingredients/search/?q=`: up to 10 visible ingredients whose name or description
/// contains `q`, by name.
pub async fn search_ingredients(
    db: &Database,
    user: &User,
    q: Option<&str>,
) -> Result<Vec<IngredientSearchItem>> {
    let q = q.unwrap_or_default();
    let length = q.chars().count();
    if length < 2 {
        return Err(Error::rejected("Query must be at least 2 characters"));
    }
    if length > SEARCH_TERM_MAX {
        return Err(Error::rejected(format!(
            "Query must be at most {SEARCH_TERM_MAX} characters"
        )));
    }
    let mut sql = Query::builder();
    sql.push(
        "SELECT i.id, i.name, i.category_id AS category, i.calories, i.proteins, i.fats, \
         i.carbs FROM ingredients i WHERE ",
    );
    push_visible(&mut sql, user);
    sql.push(" AND (");
    match db.dialect() {
        // The *_lower columns (migration V2) hold the text lower-cased by the database's own
        // lower(), so LIKE against the lower-cased pattern means ILIKE without lower-casing every
        // row. Their trigram indexes (V3) find the matches when the query has a run of three
        // letters or digits; for a shorter one PostgreSQL would read the whole index for nothing,
        // so that is a plain substring test, in a statement of its own (with its own plan).
        Dialect::Postgres if has_trigram(q) => {
            push_name_or_description_like(
                &mut sql,
                ["i.name_lower", "i.description_lower"],
                "lower",
                q,
            );
        }
        Dialect::Postgres => {
            sql.push("strpos(i.name_lower, lower(");
            sql.push_bind(q);
            sql.push(")) > 0 OR strpos(i.description_lower, lower(");
            sql.push_bind(q);
            sql.push(")) > 0");
        }
        // The trigram index (V3) takes the query as one quoted phrase: its characters, `%` and
        // `_` included, are all literal, and it ignores case.
        Dialect::Sqlite if q.chars().count() >= 3 => {
            sql.push(
                "i.id IN (SELECT rowid FROM ingredients_search WHERE ingredients_search MATCH ",
            );
            sql.push_bind(format!("\"{}\"", q.replace('"', "\"\"")));
            sql.push(")");
        }
        // Two characters: SQLite's LIKE, which ignores (ASCII) case by itself.
        Dialect::Sqlite => {
            push_name_or_description_like(&mut sql, ["i.name", "i.description"], "", q);
        }
    }
    sql.push(") ORDER BY i.name, i.id LIMIT 10");
    Ok(sql.fetch_all(db).await?)
}

/// `name LIKE fold(p) ESCAPE '\' OR description LIKE fold(p) ESCAPE '\'`, where `p` matches `q`
/// anywhere, its `%`, `_` and `\` literal, and `fold` is an SQL function for the pattern (or none).
fn push_name_or_description_like(sql: &mut Query, columns: [&str; 2], fold: &str, q: &str) {
    let pattern = contains_pattern(q);
    for (i, column) in columns.into_iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push(column).push(" LIKE ").push(fold).push("(");
        sql.push_bind(pattern.as_str());
        sql.push(") ESCAPE '\\'");
    }
}

/// Whether `q` has three letters or digits in a row: the least a trigram index can look up.
fn has_trigram(q: &str) -> bool {
    let mut run = 0;
    q.chars().any(|c| {
        run = if c.is_alphanumeric() { run + 1 } else { 0 };
        run >= 3
    })
}

#[cfg(test)]
mod tests {
    use super::has_trigram;

    #[test]
    fn a_trigram_is_three_letters_or_digits_in_a_row() {
        assert!(has_trigram("chi"));
        assert!(has_trigram("a-bcd"));
        assert!(has_trigram("Crème"));
        assert!(!has_trigram("ch"));
        assert!(!has_trigram("a-b-c"));
        assert!(!has_trigram("0%"));
    }
}
