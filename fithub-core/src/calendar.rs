//! The user's calendar (API.md §1.4, §6.1): which local date an instant falls on, and which
//! instants a range of local dates covers, in the user's IANA time zone.
//!
//! Every rule that speaks of "today" or of a date of a timestamp goes through [`Zone`], so that
//! SQL only ever compares instants: both databases agree, and neither needs time-zone data. The
//! rules come from the copy of the IANA database compiled into the server (jiff's bundled
//! tzdb), never from the host's `/usr/share/zoneinfo`, so every replica computes the same days.

use std::fmt;
use std::sync::Arc;

use jiff::tz::TimeZone;
use serde::{Serialize, Serializer};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Postgres, Sqlite, Type};
use time::{Date, Month, OffsetDateTime};

use crate::datetime::Timestamp;

mod sql;

pub use sql::{push_slot_of, push_spans};

/// The zone of a user who has not chosen one.
pub const UTC: &str = "UTC";
/// The message for a name the IANA database does not know.
pub const INVALID_ZONE: &str = "A valid timezone is required.";

/// An IANA time zone, by the name the database spells it.
#[derive(Clone)]
pub struct Zone {
    name: Arc<str>,
    rules: TimeZone,
}

/// The instants of a range of local dates: from `from` (inclusive) until `until` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: Timestamp,
    pub until: Timestamp,
}

/// A trend bucket (API.md §6.2): a local day, a week from Monday, or a calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Day,
    Week,
    Month,
}

/// One bucket of a window: its first local date (which may precede the window) and the instants
/// of the window that fall in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub first_date: Date,
    pub window: Window,
}

impl Zone {
    pub fn utc() -> Zone {
        Zone {
            name: Arc::from(UTC),
            rules: TimeZone::UTC,
        }
    }

    /// The zone named exactly `name`, as the IANA database spells it (letter case included);
    /// `None` for any other text.
    pub fn named(name: &str) -> Option<Zone> {
        let rules = jiff::tz::db().get(name).ok()?;
        // The lookup ignores case, and answers jiff's placeholder for names it does not know.
        let known = rules.iana_name() == Some(name) && !rules.is_unknown();
        known.then(|| Zone {
            name: Arc::from(name),
            rules,
        })
    }

    /// A zone as stored. A name this build no longer knows (the database dropped it, or the row
    /// was edited by hand) keeps its name and counts as UTC rather than failing every request of
    /// its user.
    pub fn from_stored(name: &str) -> Zone {
        Zone::named(name).unwrap_or_else(|| {
            tracing::warn!(zone = name, "unknown stored time zone; computing in UTC");
            Zone {
                name: Arc::from(name),
                rules: TimeZone::UTC,
            }
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Today's local date.
    pub fn today(&self) -> Date {
        self.date_of(Timestamp::now())
    }

    /// The local calendar date of an instant.
    pub fn date_of(&self, at: Timestamp) -> Date {
        let local = self.rules.to_datetime(to_jiff(at)).date();
        Date::from_calendar_date(
            i32::from(local.year()),
            Month::try_from(local.month() as u8).unwrap_or(Month::January),
            local.day() as u8,
        )
        .unwrap_or(Date::MIN)
    }

    /// The first instant of the local date: local midnight, or the end of a daylight-saving gap
    /// that swallowed midnight. Dates beyond what an instant can hold give the first or last
    /// instant there is.
    pub fn start_of(&self, date: Date) -> Timestamp {
        let beyond = if date.year() > 0 {
            jiff::Timestamp::MAX
        } else {
            jiff::Timestamp::MIN
        };
        let start =
            jiff::civil::Date::new(date.year() as i16, date.month() as i8, date.day() as i8)
                .and_then(|civil| civil.to_zoned_datetime(self.rules.clone()))
                .and_then(|zoned| zoned.start_of_day())
                .map(|zoned| zoned.timestamp())
                .unwrap_or(beyond);
        from_jiff(start)
    }

    /// The instants of the local dates `first` to `last`, both included: from the start of
    /// `first` to the start of the day after `last`, each computed with that day's rules (a day
    /// lasts 23 or 25 hours across a daylight-saving change). Empty when `last` precedes `first`.
    pub fn window(&self, first: Date, last: Date) -> Window {
        let from = self.start_of(first);
        let until = self.end_of(last).max(from);
        Window { from, until }
    }

    /// The start of the day after `date`: where its window ends.
    pub fn end_of(&self, date: Date) -> Timestamp {
        match date.next_day() {
            Some(next) => self.start_of(next),
            None => from_jiff(jiff::Timestamp::MAX),
        }
    }

    /// Each local date from `first` to `last` with its instants, in order.
    pub fn days(&self, first: Date, last: Date) -> Vec<(Date, Window)> {
        self.spans(first, last, Bucket::Day)
            .into_iter()
            .map(|span| (span.first_date, span.window))
            .collect()
    }

    /// The buckets that cover the local dates `first` to `last`, in order, each cut to the
    /// window.
    pub fn spans(&self, first: Date, last: Date, bucket: Bucket) -> Vec<Span> {
        let mut spans = Vec::new();
        let mut date = first;
        while date <= last {
            let bucket_first = bucket.first_date(date);
            let bucket_last = bucket.last_date(bucket_first).min(last);
            spans.push(Span {
                first_date: bucket_first,
                window: self.window(date, bucket_last),
            });
            match bucket_last.next_day() {
                Some(next) => date = next,
                None => break,
            }
        }
        spans
    }
}

impl Bucket {
    pub const VALUES: &'static [&'static str] = &["day", "week", "month"];

    pub fn parse(text: &str) -> Option<Bucket> {
        match text {
            "day" => Some(Bucket::Day),
            "week" => Some(Bucket::Week),
            "month" => Some(Bucket::Month),
            _ => None,
        }
    }

    /// The first date of the bucket that holds `date`.
    pub fn first_date(self, date: Date) -> Date {
        match self {
            Bucket::Day => date,
            Bucket::Week => date
                .checked_sub(time::Duration::days(i64::from(
                    date.weekday().number_days_from_monday(),
                )))
                .unwrap_or(Date::MIN),
            Bucket::Month => date.replace_day(1).unwrap_or(date),
        }
    }

    /// The last date of the bucket that begins on `first`.
    fn last_date(self, first: Date) -> Date {
        let last = match self {
            Bucket::Day => Some(first),
            Bucket::Week => first.checked_add(time::Duration::days(6)),
            Bucket::Month => first.replace_day(first.month().length(first.year())).ok(),
        };
        last.unwrap_or(Date::MAX)
    }
}

fn to_jiff(at: Timestamp) -> jiff::Timestamp {
    let micros = at.as_offset().unix_timestamp_nanos() / 1_000;
    jiff::Timestamp::from_microsecond(micros as i64).unwrap_or(if micros > 0 {
        jiff::Timestamp::MAX
    } else {
        jiff::Timestamp::MIN
    })
}

fn from_jiff(at: jiff::Timestamp) -> Timestamp {
    let nanos = i128::from(at.as_microsecond()) * 1_000;
    Timestamp::from(
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH),
    )
}

impl Default for Zone {
    fn default() -> Zone {
        Zone::utc()
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name)
    }
}

// Stored as its name, text on both databases.
impl Type<Postgres> for Zone {
    fn type_info() -> PgTypeInfo {
        <String as Type<Postgres>>::type_info()
    }
}

impl<'r> Decode<'r, Postgres> for Zone {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <&str as Decode<Postgres>>::decode(value).map(Zone::from_stored)
    }
}

impl Type<Sqlite> for Zone {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Sqlite> for Zone {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        <&str as Decode<Sqlite>>::decode(value).map(Zone::from_stored)
    }
}

#[cfg(test)]
mod tests;
