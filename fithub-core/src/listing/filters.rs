//! The filters a list declares (API.md §1.9, §6.2): exact matches, and the inclusive bounds of
//! date and time ranges. A bound on a local date becomes a bound on instants through the caller's
//! [`Zone`], so the SQL compares timestamps only.

use crate::calendar::Zone;
use crate::datetime::{self, Timestamp};
use crate::db::Value;
use crate::input::parse_boolean_text;

/// A query parameter that narrows a list.
#[derive(Clone, Copy)]
pub struct Filter {
    pub param: &'static str,
    pub column: &'static str,
    pub kind: FilterKind,
}

#[derive(Clone, Copy)]
pub enum FilterKind {
    /// One of these values.
    Choice(&'static [&'static str]),
    /// An object id; an id the caller cannot see simply matches nothing.
    Id,
    Bool,
    Date,
    Timestamp,
    /// A date column on or after this date (`…__gte`).
    DateFrom,
    /// A date column on or before this date (`…__lte`).
    DateUntil,
    /// A timestamp column at or after this instant.
    TimestampFrom,
    /// A timestamp column at or before this instant.
    TimestampUntil,
    /// A timestamp column whose local date (in the caller's zone) is this date.
    LocalDate,
    /// … is this date or later.
    LocalDateFrom,
    /// … is this date or earlier.
    LocalDateUntil,
}

/// One comparison of a column with a bound value.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Condition {
    pub column: &'static str,
    pub operator: &'static str,
    pub value: Value,
}

const INVALID_DATE: &str = "Enter a valid date.";
const INVALID_DATE_TIME: &str = "Enter a valid date/time.";

/// The five range filters of a timestamp column (API.md §6.2): `timestamp__gte`,
/// `timestamp__lte`, and the local calendar dates `date`, `date__gte`, `date__lte`.
pub const fn timestamp_ranges(column: &'static str) -> [Filter; 5] {
    const fn filter(param: &'static str, column: &'static str, kind: FilterKind) -> Filter {
        Filter {
            param,
            column,
            kind,
        }
    }
    [
        filter("timestamp__gte", column, FilterKind::TimestampFrom),
        filter("timestamp__lte", column, FilterKind::TimestampUntil),
        filter("date", column, FilterKind::LocalDate),
        filter("date__gte", column, FilterKind::LocalDateFrom),
        filter("date__lte", column, FilterKind::LocalDateUntil),
    ]
}

impl Filter {
    /// The conditions `raw` asks for; `Ok(None)` when nothing can match (an id beyond 64 bits).
    pub(super) fn conditions(
        &self,
        raw: &str,
        zone: &Zone,
    ) -> Result<Option<Vec<Condition>>, String> {
        let condition = |operator, value: Value| Condition {
            column: self.column,
            operator,
            value,
        };
        let date = || datetime::parse_date(raw).ok_or_else(|| INVALID_DATE.to_owned());
        let instant = || Timestamp::parse(raw).ok_or_else(|| INVALID_DATE_TIME.to_owned());
        let conditions = match self.kind {
            FilterKind::Choice(choices) => match choices.iter().find(|choice| **choice == raw) {
                Some(choice) => vec![condition("=", Value::from(*choice))],
                None => {
                    return Err(format!(
                        "Select a valid choice. {raw} is not one of the available choices."
                    ));
                }
            },
            FilterKind::Id => {
                let digits = raw.strip_prefix('-').unwrap_or(raw);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(
                        "Select a valid choice. That choice is not one of the available choices."
                            .to_owned(),
                    );
                }
                match raw.parse::<i64>() {
                    Ok(id) => vec![condition("=", Value::from(id))],
                    Err(_) => return Ok(None),
                }
            }
            FilterKind::Bool => {
                let flag = parse_boolean_text(raw)
                    .filter(|_| ["true", "false", "1", "0"].contains(&raw.to_lowercase().as_str()))
                    .ok_or_else(|| "Must be a valid boolean.".to_owned())?;
                vec![condition("=", Value::from(flag))]
            }
            FilterKind::Date => vec![condition("=", Value::from(date()?))],
            FilterKind::DateFrom => vec![condition(">=", Value::from(date()?))],
            FilterKind::DateUntil => vec![condition("<=", Value::from(date()?))],
            FilterKind::Timestamp => vec![condition("=", Value::from(instant()?))],
            FilterKind::TimestampFrom => vec![condition(">=", Value::from(instant()?))],
            FilterKind::TimestampUntil => vec![condition("<=", Value::from(instant()?))],
            FilterKind::LocalDate => {
                let day = zone.window(date()?, date()?);
                vec![
                    condition(">=", Value::from(day.from)),
                    condition("<", Value::from(day.until)),
                ]
            }
            FilterKind::LocalDateFrom => {
                vec![condition(">=", Value::from(zone.start_of(date()?)))]
            }
            FilterKind::LocalDateUntil => vec![condition("<", Value::from(zone.end_of(date()?)))],
        };
        Ok(Some(conditions))
    }
}
