//! Dates, times and timestamps as FitHub stores and shows them (API.md §1.2–1.4).
//!
//! Every instant is a [`Timestamp`]: UTC, microsecond precision (what PostgreSQL keeps). On
//! SQLite it is stored as fixed-width text, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so that text order is
//! time order and the first ten characters are the UTC calendar date. Calendar arithmetic is UTC
//! until per-user time zones arrive.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

const STORAGE_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
const DATE_FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// An instant in UTC with microsecond precision.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    pub fn now() -> Timestamp {
        Timestamp::from(OffsetDateTime::now_utc())
    }

    /// Midnight UTC at the start of `date`.
    pub fn start_of(date: Date) -> Timestamp {
        Timestamp(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc())
    }

    /// The UTC calendar date.
    pub fn date(self) -> Date {
        self.0.date()
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }

    pub fn from_unix_seconds(seconds: i64) -> Option<Timestamp> {
        OffsetDateTime::from_unix_timestamp(seconds)
            .ok()
            .map(Timestamp)
    }

    pub fn as_offset(self) -> OffsetDateTime {
        self.0
    }

    /// Parses a client's date-time: `YYYY-MM-DDThh:mm[:ss[.ffffff]]`, a space allowed for `T`,
    /// then optionally `Z` or an offset (`±hh:mm`, `±hhmm`, `±hh`). Without an offset it is UTC.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let text = text.trim();
        let date = parse_date(text.get(..10)?)?;
        let rest = text.get(10..)?;
        let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
        let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
        let (clock, zone) = rest.split_at(zone_at);
        let time = parse_time(clock)?;
        let offset = parse_offset(zone)?;
        let local = PrimitiveDateTime::new(date, time).assume_offset(offset);
        Some(Timestamp::from(local))
    }

    /// The wire form: UTC with `Z`, six fractional digits only when there are microseconds.
    pub fn to_wire(self) -> String {
        let (date, time) = (self.0.date(), self.0.time());
        format!(
            "{}T{}Z",
            date.format(DATE_FORMAT).unwrap_or_default(),
            format_time(time)
        )
    }

    /// The fixed-width text SQLite stores.
    fn to_storage(self) -> String {
        self.0.format(STORAGE_FORMAT).unwrap_or_default()
    }

    fn from_storage(text: &str) -> Option<Timestamp> {
        PrimitiveDateTime::parse(text, STORAGE_FORMAT)
            .map(|at| Timestamp(at.assume_utc()))
            .ok()
            // Rows written by hand or by another tool: any RFC 3339 text.
            .or_else(|| Timestamp::parse(text))
    }
}

impl From<OffsetDateTime> for Timestamp {
    /// Converts to UTC and drops precision below a microsecond.
    fn from(at: OffsetDateTime) -> Timestamp {
        let at = at.to_offset(UtcOffset::UTC);
        let micros = at.microsecond();
        Timestamp(at.replace_nanosecond(micros * 1_000).unwrap_or(at))
    }
}

impl std::ops::Add<Duration> for Timestamp {
    type Output = Timestamp;
    fn add(self, duration: Duration) -> Timestamp {
        Timestamp::from(self.0 + duration)
    }
}

impl std::ops::Sub<Duration> for Timestamp {
    type Output = Timestamp;
    fn sub(self, duration: Duration) -> Timestamp {
        Timestamp::from(self.0 - duration)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_wire())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_wire())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_wire())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid date-time: {text}")))
    }
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return None;
    }
    Date::parse(text, DATE_FORMAT).ok()
}

pub fn format_date(date: Date) -> String {
    date.format(DATE_FORMAT).unwrap_or_default()
}

/// What [`parse_time`] accepts, as the OpenAPI document states it (a regular expression), for
/// fractions of up to six digits: a real time of day, never `24:00` or `72:68`.
pub const TIME_PATTERN: &str = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$";

/// `hh:mm`, `hh:mm:ss` or `hh:mm:ss.f…` (up to six digits kept).
pub fn parse_time(text: &str) -> Option<Time> {
    let (clock, fraction) = match text.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (text, None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let two_digits = |part: &str| -> Option<u8> {
        (part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let (hour, minute, second) = match parts.as_slice() {
        [h, m] if fraction.is_none() => (two_digits(h)?, two_digits(m)?, 0),
        [h, m, s] => (two_digits(h)?, two_digits(m)?, two_digits(s)?),
        _ => return None,
    };
    let micros = match fraction {
        None => 0,
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            let kept: String = digits.chars().take(6).collect();
            format!("{kept:0<6}").parse::<u32>().ok()?
        }
        Some(_) => return None,
    };
    Time::from_hms_micro(hour, minute, second, micros).ok()
}

/// `hh:mm:ss`, plus `.ffffff` when there are microseconds.
pub fn format_time(time: Time) -> String {
    let base = format!(
        "{:02}:{:02}:{:02}",
        time.hour(),
        time.minute(),
        time.second()
    );
    match time.microsecond() {
        0 => base,
        micros => format!("{base}.{micros:06}"),
    }
}

/// `""` (UTC), `Z`, `±hh`, `±hhmm` or `±hh:mm`.
fn parse_offset(zone: &str) -> Option<UtcOffset> {
    if zone.is_empty() || zone.eq_ignore_ascii_case("z") {
        return Some(UtcOffset::UTC);
    }
    let sign: i8 = match zone.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = zone[1..].replacen(':', "", 1);
    if !(digits.len() == 2 || digits.len() == 4) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i8 = digits[..2].parse().ok()?;
    let minutes: i8 = match &digits[2..] {
        "" => 0,
        minutes => minutes.parse().ok()?,
    };
    UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()
}

/// Today's date in UTC (API.md §1.4).
pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// Serde for `time::Date` as `YYYY-MM-DD`.
pub mod date_serde {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format_date(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_date(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid date: {text}")))
    }

    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::Date;

        pub fn serialize<S: Serializer>(
            date: &Option<Date>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match date {
                Some(date) => super::serialize(date, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Date>, D::Error> {
            Option::<String>::deserialize(deserializer)?
                .map(|text| {
                    super::super::parse_date(&text)
                        .ok_or_else(|| serde::de::Error::custom(format!("invalid date: {text}")))
                })
                .transpose()
        }
    }
}

/// Serde for an optional `time::Time` as `hh:mm:ss[.ffffff]`.
pub mod time_serde {
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::Time;

        pub fn serialize<S: Serializer>(
            time: &Option<Time>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match time {
                Some(time) => serializer.serialize_str(&super::super::format_time(*time)),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Time>, D::Error> {
            Option::<String>::deserialize(deserializer)?
                .map(|text| {
                    super::super::parse_time(&text)
                        .ok_or_else(|| serde::de::Error::custom(format!("invalid time: {text}")))
                })
                .transpose()
        }
    }
}

// PostgreSQL: a native timestamptz.
impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <OffsetDateTime as Decode<Postgres>>::decode(value).map(Timestamp::from)
    }
}

// SQLite: fixed-width UTC text.
impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.to_storage(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        Timestamp::from_storage(text).ok_or_else(|| format!("invalid timestamp: {text}").into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    #[test]
    fn the_documented_time_pattern_is_what_parse_time_accepts() {
        let pattern = regex::Regex::new(TIME_PATTERN).expect("a regular expression");
        for text in [
            "00:00",
            "07:30",
            "23:59",
            "23:59:59",
            "12:30:00.5",
            "12:30:00.123456",
            "24:00",
            "72:68:20",
            "12:60",
            "12:30:60",
            "7:30",
            "12:30:00.",
            "12:30.5",
            "12:30:",
            "1230",
            "12:30:00Z",
            "",
        ] {
            assert_eq!(
                pattern.is_match(text),
                parse_time(text).is_some(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn parses_every_accepted_form_as_utc() {
        let expect = |text: &str, wire: &str| {
            let parsed = Timestamp::parse(text).unwrap_or_else(|| panic!("{text} parses"));
            assert_eq!(parsed.to_wire(), wire, "{text}");
        };
        expect("2025-03-02T07:45", "2025-03-02T07:45:00Z");
        expect("2025-03-02 07:45:10", "2025-03-02T07:45:10Z");
        expect("2025-03-02T07:45:10.5Z", "2025-03-02T07:45:10.500000Z");
        expect(
            "2025-03-02T07:45:10.123456789Z",
            "2025-03-02T07:45:10.123456Z",
        );
        expect("2025-03-02T09:45:00+02:00", "2025-03-02T07:45:00Z");
        expect("2025-03-02T09:45:00+0200", "2025-03-02T07:45:00Z");
        expect("2025-03-02T05:45:00-02", "2025-03-02T07:45:00Z");
        expect("2025-03-01T23:30:00-08:30", "2025-03-02T08:00:00Z");
    }

    #[test]
    fn rejects_malformed_date_times() {
        for text in [
            "",
            "2025-03-02",
            "2025-02-30T10:00:00Z",
            "2025-03-02T25:00:00Z",
            "2025-03-02T7:45",
            "2025-03-02T07:45:00+2:00",
            "2025-03-02T07:45:00 UTC",
            "02/03/2025 07:45",
            "2025-03-02T07:45:00.Z",
        ] {
            assert!(Timestamp::parse(text).is_none(), "{text:?} is rejected");
        }
    }

    #[test]
    fn storage_text_is_fixed_width_so_text_order_is_time_order() {
        let whole = Timestamp::from(datetime!(2025-03-02 07:45:10 UTC));
        let fraction = Timestamp::from(datetime!(2025-03-02 07:45:10.5 UTC));
        assert_eq!(whole.to_storage(), "2025-03-02T07:45:10.000000Z");
        assert_eq!(fraction.to_storage(), "2025-03-02T07:45:10.500000Z");
        assert!(whole.to_storage() < fraction.to_storage());
        assert_eq!(Timestamp::from_storage(&whole.to_storage()), Some(whole));
    }

    #[test]
    fn keeps_microseconds_only() {
        let at = Timestamp::from(datetime!(2025-03-01 18:22:10.512344999 UTC));
        assert_eq!(at.to_wire(), "2025-03-01T18:22:10.512344Z");
    }

    #[test]
    fn dates_must_be_real_and_exact() {
        assert_eq!(parse_date("2024-02-29"), Some(date!(2024 - 02 - 29)));
        for text in [
            "2025-02-30",
            "2025-2-3",
            "20250203",
            "2025-02-03T00:00",
            " 2025-02-03",
        ] {
            assert_eq!(parse_date(text), None, "{text:?}");
        }
    }

    #[test]
    fn times_accept_three_forms_and_print_microseconds_only_when_set() {
        assert_eq!(parse_time("07:30"), Some(time!(07:30)));
        assert_eq!(parse_time("07:30:15"), Some(time!(07:30:15)));
        assert_eq!(parse_time("08:30:15.123"), Some(time!(08:30:15.123)));
        for text in ["7:30", "07:30.5", "24:00", "07:30:15.", "07-30"] {
            assert_eq!(parse_time(text), None, "{text:?}");
        }
        assert_eq!(format_time(time!(07:30)), "07:30:00");
        assert_eq!(format_time(time!(08:30:15.123)), "08:30:15.123000");
    }
}
