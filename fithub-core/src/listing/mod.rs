//! Every list endpoint's filters, search, ordering and pagination (API.md §1.8, §1.9), declared
//! once per resource as a [`ListSpec`] and run here.
//!
//! A page of a list is one statement whatever its size: the rows with their total.

mod filters;
mod search;

use serde::Serialize;
use sqlx::{ColumnIndex, Decode, FromRow, Row, Type};

use crate::calendar::Zone;
use crate::db::{Connection, Database, Dialect, Query, Record, contains_pattern};
use crate::error::{Error, FieldErrors, Result};
use crate::input::{is_integer_shaped, query_value};

use filters::Condition;
pub use filters::{Filter, FilterKind, timestamp_ranges};
use search::search_terms;

pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 100;
/// Each search term adds a condition on every search field: a long list of terms keeps the
/// database busy for seconds and overflows SQLite's expression tree (README, Performance). No
/// person types more than this.
pub const MAX_SEARCH_TERMS: usize = 10;
/// The longest search term, in characters; also the longest `q` of the ingredient search.
pub const SEARCH_TERM_MAX: usize = 100;

/// How one resource's list may be filtered, searched and ordered.
pub struct ListSpec {
    /// The rows and joins, e.g. `diets d` (no `WHERE`).
    pub from: &'static str,
    /// The selected columns.
    pub columns: &'static str,
    pub filters: &'static [Filter],
    /// SQL expressions searched by `search`; empty when the endpoint has no search.
    pub search: &'static [&'static str],
    /// `(name in ?ordering=, SQL expression)`.
    pub ordering: &'static [(&'static str, &'static str)],
    /// Used when `ordering` names nothing known, e.g. `&["-created_at"]`.
    pub default_ordering: &'static [&'static str],
    /// The id column, for tie-breaking.
    pub id: &'static str,
    /// The column naming each row's owner, for lists of private rows (see [`ListSpec::owned_by`]).
    pub owner: Option<&'static str>,
}

/// A page of a list: which page, of how many, and its rows.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// Matching rows, all pages together.
    pub count: i64,
    #[serde(skip)]
    pub number: u64,
    #[serde(skip)]
    pub last: u64,
    pub results: Vec<T>,
}

impl<T> Page<T> {
    pub fn has_next(&self) -> bool {
        self.number < self.last
    }

    pub fn has_previous(&self) -> bool {
        self.number > 1
    }

    pub fn map<U>(self, convert: impl FnMut(T) -> U) -> Page<U> {
        Page {
            count: self.count,
            number: self.number,
            last: self.last,
            results: self.results.into_iter().map(convert).collect(),
        }
    }
}

/// How many pages `total` rows make; an empty list still has its first page.
fn last_page(total: i64, size: u64) -> u64 {
    (total.max(0) as u64).div_ceil(size).max(1)
}

/// A row of a page with the list's total beside it.
struct Counted<T> {
    row: T,
    total: i64,
}

impl<'r, R, T> FromRow<'r, R> for Counted<T>
where
    R: Row,
    T: FromRow<'r, R>,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        Ok(Counted {
            row: T::from_row(row)?,
            total: row.try_get("listing_total")?,
        })
    }
}

/// The requested page: a number from 1, or the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageNumber {
    Number(u64),
    Last,
}

/// A query string parsed against a [`ListSpec`].
#[derive(Debug)]
pub struct ListParams {
    filters: Vec<Condition>,
    /// Set when an id filter names an id that cannot exist: nothing matches.
    matches_nothing: bool,
    search_terms: Vec<String>,
    ordering: Vec<(&'static str, bool)>,
    page: PageNumber,
    page_size: u32,
}

impl ListSpec {
    /// [`ListSpec::parse_in`] for lists without local-date filters, whose zone is irrelevant.
    pub fn parse(&self, query: &[(String, String)]) -> Result<ListParams> {
        self.parse_in(query, &Zone::utc())
    }

    /// Reads filters, `search`, `ordering`, `page` and `page_size`; every bad value is reported at
    /// once, keyed by its parameter. Local dates are the caller's, in `zone`.
    pub fn parse_in(&self, query: &[(String, String)], zone: &Zone) -> Result<ListParams> {
        // Refused before any of them is read (see `query_value`).
        let mut errors: FieldErrors = self
            .params()
            .filter_map(|name| {
                let message = query_value(query, name).err()?;
                Some((name.to_owned(), vec![message.to_owned()]))
            })
            .collect();
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let mut error = |param: &str, message: String| {
            errors.entry(param.to_owned()).or_default().push(message);
        };
        // The last occurrence of a repeated parameter wins.
        let get = |name: &str| query_value(query, name).ok().flatten();

        let mut filters = Vec::new();
        let mut matches_nothing = false;
        for filter in self.filters {
            let Some(raw) = get(filter.param).filter(|raw| !raw.is_empty()) else {
                continue;
            };
            match filter.conditions(raw, zone) {
                Ok(Some(conditions)) => filters.extend(conditions),
                Ok(None) => matches_nothing = true,
                Err(message) => error(filter.param, message),
            }
        }

        let page_size = match get("page_size") {
            None | Some("") => DEFAULT_PAGE_SIZE,
            Some(raw) => {
                match crate::input::parse_integer(&serde_json::Value::String(raw.into())) {
                    Some(size) if size >= 1 => size.min(i64::from(MAX_PAGE_SIZE)) as u32,
                    // Digits beyond 64 bits, not negative: more than the most, like `500`.
                    None if is_integer_shaped(raw.trim()) && !raw.trim().starts_with('-') => {
                        MAX_PAGE_SIZE
                    }
                    _ => {
                        error("page_size", "A valid integer is required.".to_owned());
                        DEFAULT_PAGE_SIZE
                    }
                }
            }
        };
        let search_terms = if self.search.is_empty() {
            Vec::new()
        } else {
            search_terms(get("search").unwrap_or_default())
        };
        if search_terms.len() > MAX_SEARCH_TERMS {
            error(
                "search",
                format!("Ensure this field has no more than {MAX_SEARCH_TERMS} terms."),
            );
        } else if search_terms
            .iter()
            .any(|term| term.chars().count() > SEARCH_TERM_MAX)
        {
            error(
                "search",
                format!("Ensure each term has no more than {SEARCH_TERM_MAX} characters."),
            );
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let page = match get("page") {
            None | Some("") => PageNumber::Number(1),
            Some("last") => PageNumber::Last,
            Some(raw) => match raw.parse::<u64>() {
                Ok(number) if number >= 1 => PageNumber::Number(number),
                _ => return Err(Error::InvalidPage),
            },
        };

        let mut ordering: Vec<(&'static str, bool)> = get("ordering")
            .unwrap_or_default()
            .split(',')
            .filter_map(|name| self.order_by(name.trim()))
            .collect();
        if ordering.is_empty() {
            ordering = self
                .default_ordering
                .iter()
                .filter_map(|name| self.order_by(name))
                .collect();
        }
        Ok(ListParams {
            filters,
            matches_nothing,
            search_terms,
            ordering,
            page,
            page_size,
        })
    }

    /// The parameters this list reads: its filters, `search` when it has search fields, and
    /// the ordering and the page.
    fn params(&self) -> impl Iterator<Item = &'static str> + '_ {
        let search = (!self.search.is_empty()).then_some("search");
        (self.filters.iter().map(|filter| filter.param))
            .chain(search)
            .chain(["ordering", "page", "page_size"])
    }

    /// `-name` → (expression, descending), for known names.
    fn order_by(&self, name: &str) -> Option<(&'static str, bool)> {
        let (name, descending) = match name.strip_prefix('-') {
            Some(name) => (name, true),
            None => (name, false),
        };
        self.ordering
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, expression)| (*expression, descending))
    }

    /// The scope of a list of private rows: those user `user_id` owns.
    pub fn owned_by(&self, user_id: i64) -> impl Fn(&mut Query) + use<> {
        let owner = self.owner.unwrap_or("NULL");
        move |query: &mut Query| {
            query.push(owner).push(" = ").push_bind(user_id);
        }
    }

    /// The page of rows `scope` allows (the caller's own rows, typically), after `params`.
    /// `scope` appends a condition to a query, binding what it needs.
    pub async fn fetch<T: Record>(
        &self,
        db: &Database,
        scope: impl Fn(&mut Query),
        params: &ListParams,
    ) -> Result<Page<T>> {
        let mut conn = Connection::acquire(db).await?;
        self.fetch_on(&mut conn, scope, params).await
    }

    /// [`ListSpec::fetch`] on a connection the caller holds, for more statements after it.
    ///
    /// A numbered page is one statement: the rows, each carrying the total as an uncorrelated
    /// subquery that both databases evaluate once. Only when that cannot tell the total (the
    /// last page requested by name, or a page past the end) is the count a statement of its own.
    pub async fn fetch_on<T: Record>(
        &self,
        conn: &mut Connection,
        scope: impl Fn(&mut Query),
        params: &ListParams,
    ) -> Result<Page<T>> {
        let size = u64::from(params.page_size);
        let number = match params.page {
            PageNumber::Number(number) => number,
            PageNumber::Last => {
                let total = self.count(conn, &scope, params).await?;
                last_page(total, size)
            }
        };
        let rows: Vec<Counted<T>> = self
            .page_query(conn.dialect(), &scope, params, number, size)
            .fetch_all(&mut *conn)
            .await?;
        let total = match rows.first() {
            Some(row) => row.total,
            None if number == 1 => 0,
            None => self.count(conn, &scope, params).await?,
        };
        let last = last_page(total, size);
        if number > last {
            return Err(Error::InvalidPage);
        }
        Ok(Page {
            count: total,
            number,
            last,
            results: rows.into_iter().map(|row| row.row).collect(),
        })
    }

    async fn count(
        &self,
        conn: &mut Connection,
        scope: &impl Fn(&mut Query),
        params: &ListParams,
    ) -> Result<i64> {
        let mut count = Query::builder();
        count.push("SELECT COUNT(*) FROM ").push(self.from);
        self.push_where(&mut count, scope, params, conn.dialect());
        Ok(count.fetch_scalar(&mut *conn).await?)
    }

    /// Page `number`'s rows, each with the total of all pages in `listing_total`.
    fn page_query(
        &self,
        dialect: Dialect,
        scope: &impl Fn(&mut Query),
        params: &ListParams,
        number: u64,
        size: u64,
    ) -> Query {
        let mut rows = Query::builder();
        rows.push("SELECT ")
            .push(self.columns)
            .push(", (SELECT COUNT(*) FROM ")
            .push(self.from);
        self.push_where(&mut rows, scope, params, dialect);
        rows.push(") AS listing_total FROM ").push(self.from);
        self.push_where(&mut rows, scope, params, dialect);
        self.push_order(&mut rows, &params.ordering);
        rows.push(" LIMIT ")
            .push_bind(size as i64)
            .push(" OFFSET ")
            .push_bind(((number - 1) * size) as i64);
        rows
    }

    fn push_where(
        &self,
        query: &mut Query,
        scope: &impl Fn(&mut Query),
        params: &ListParams,
        dialect: Dialect,
    ) {
        query.push(" WHERE (");
        scope(query);
        query.push(")");
        if params.matches_nothing {
            query.push(" AND 1 = 0");
        }
        for condition in &params.filters {
            query
                .push(" AND ")
                .push(condition.column)
                .push(" ")
                .push(condition.operator)
                .push(" ");
            query.push_bind(condition.value.clone());
        }
        for term in &params.search_terms {
            let pattern = contains_pattern(term);
            query.push(" AND (");
            for (i, field) in self.search.iter().enumerate() {
                if i > 0 {
                    query.push(" OR ");
                }
                query.push(field).push(" ").push(dialect.ilike()).push(" ");
                query.push_bind(pattern.as_str()).push(" ESCAPE '\\'");
            }
            query.push(")");
        }
    }

    /// `ORDER BY` the requested keys, then the id in the direction of the first key, so that
    /// pages never overlap or skip rows.
    fn push_order(&self, query: &mut Query, ordering: &[(&str, bool)]) {
        query.push(" ORDER BY ");
        for (expression, descending) in ordering {
            query
                .push(expression)
                .push(if *descending { " DESC, " } else { " ASC, " });
        }
        let first_descending = ordering.first().is_some_and(|(_, descending)| *descending);
        query
            .push(self.id)
            .push(if first_descending { " DESC" } else { " ASC" });
    }
}

#[cfg(test)]
mod tests;
