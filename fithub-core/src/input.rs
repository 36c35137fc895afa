//! Reading a request body the way FitHub's clients expect (API.md §1.2, §1.6): lenient about
//! types in exactly the documented ways, strict about everything else, and reporting every invalid
//! key at once under the name the client sent.
//!
//! Each reader method returns `Some(value)` when the key was given and valid, `None` when it was
//! absent or invalid (the error is recorded). A key that is *required* must be present on create
//! and on full replacement (`PUT`); a partial update (`PATCH`) requires nothing.

use serde_json::{Map, Value};
use time::{Date, Time};

use crate::datetime::{self, Timestamp};
use crate::error::{Error, FieldErrors, Result};

/// A request body: a JSON object.
pub type Body = Map<String, Value>;

pub const REQUIRED: &str = "This field is required.";
pub const NOT_NULL: &str = "This field may not be null.";
pub const NOT_BLANK: &str = "This field may not be blank.";
pub const NON_FIELD: &str = "non_field_errors";
/// PostgreSQL cannot store the NUL character in text ("invalid byte sequence") and SQLite would
/// store it (and trip over it in full-text search): every text a client sends, in a body or a
/// query parameter, is refused with this instead, on both databases alike.
pub const NO_NUL: &str = "Null characters are not allowed.";
const NOT_STRING: &str = "Not a valid string.";
const NOT_NUMBER: &str = "A valid number is required.";
const NOT_INTEGER: &str = "A valid integer is required.";
const NOT_BOOLEAN: &str = "Must be a valid boolean.";
const BAD_DATE: &str = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";
const BAD_TIME: &str =
    "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]].";
const BAD_DATETIME: &str = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";

/// Which write this body is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `POST`: required keys must be present; absent optional keys take their defaults.
    Create,
    /// `PUT`: keys required on create must be present again; absent optional keys keep their
    /// current values.
    Replace,
    /// `PATCH`: any subset of the writable keys.
    Update,
}

/// Whether a key must be present (on create and replace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Required,
    Optional,
}

/// Rules for a text key.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    /// Longest value, in Unicode characters.
    pub max: Option<usize>,
    /// Whether `""` (after trimming) is allowed.
    pub blank: bool,
}

impl Text {
    /// At most `max` characters, not blank.
    pub const fn limited(max: usize) -> Text {
        Text {
            max: Some(max),
            blank: false,
        }
    }

    /// At most `max` characters, blank allowed.
    pub const fn limited_or_blank(max: usize) -> Text {
        Text {
            max: Some(max),
            blank: true,
        }
    }

    /// Any length, blank allowed.
    pub const ANY: Text = Text {
        max: None,
        blank: true,
    };
}

/// Checks a text against `rule` as [`Reader::string`] does after trimming: no NUL, not blank
/// (whitespace only counts as blank) unless allowed, not too long. The message is the API's.
pub fn check_text(text: &str, rule: Text) -> std::result::Result<(), String> {
    if has_nul(text) {
        return Err(NO_NUL.to_owned());
    }
    if !rule.blank && text.trim().is_empty() {
        return Err(NOT_BLANK.to_owned());
    }
    if let Some(max) = rule.max.filter(|max| text.chars().count() > *max) {
        return Err(format!(
            "Ensure this field has no more than {max} characters."
        ));
    }
    Ok(())
}

/// Declares a text field's rule once, as a newtype: `TEXT` for the body reader, and `parse`,
/// which checks it (and the format, when given: a `fn(&str) -> Result<(), String>`) wherever a
/// value comes from elsewhere, an archive say. Messages are the API's.
#[macro_export]
macro_rules! text_field {
    ($(#[$meta:meta])* $name:ident = $rule:expr $(, format = $format:path)? $(,)?) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const TEXT: $crate::input::Text = $rule;

            /// `text` if it follows the rule, else the API's message.
            pub fn parse(text: &str) -> ::std::result::Result<$name, String> {
                $crate::input::check_text(text, Self::TEXT)?;
                $($format(text)?;)?
                Ok($name(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

/// Inclusive bounds for a number.
#[derive(Debug, Clone, Copy, Default)]
pub struct Range {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Range {
    pub const NON_NEGATIVE: Range = Range {
        min: Some(0.0),
        max: None,
    };
    pub const ANY: Range = Range {
        min: None,
        max: None,
    };

    pub const fn between(min: f64, max: f64) -> Range {
        Range {
            min: Some(min),
            max: Some(max),
        }
    }

    /// The range message for `value`, if it is outside.
    pub fn check(&self, value: f64) -> Option<String> {
        if let Some(min) = self.min.filter(|min| value < *min) {
            return Some(format!(
                "Ensure this value is greater than or equal to {}.",
                show_number(min)
            ));
        }
        if let Some(max) = self.max.filter(|max| value > *max) {
            return Some(format!(
                "Ensure this value is less than or equal to {}.",
                show_number(max)
            ));
        }
        None
    }
}

/// How a reference key is spelled, which decides its type error (API.md §1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefStyle {
    /// `diet_id`, `ingredient_id`, …: an integer field.
    IdKey,
    /// `meal`, `parent`: a primary-key field ("Incorrect type. Expected pk value, received T.").
    PkKey,
}

/// The message for a reference to something that does not exist or is not visible.
pub fn invalid_pk(shown: impl std::fmt::Display) -> String {
    format!("Invalid pk \"{shown}\" - object does not exist.")
}

/// An enumeration read from a body or a query string.
pub trait Choice: Sized + Copy + 'static {
    /// Every value, in wire spelling.
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == text)
    }
}

/// Declares an enumeration of wire values: the enum, its [`Choice`] implementation, serde and
/// OpenAPI, and `VALUES` (the wire spellings, for list filters).
#[macro_export]
macro_rules! choices {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
            utoipa::ToSchema,
        )]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $crate::input::Choice for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl $name {
            pub const VALUES: &'static [&'static str] = &[$($text),+];

            /// A value read back from the database. A CHECK constraint keeps it valid, so one that
            /// is not is corruption, reported as such rather than read as some other value.
            pub fn from_stored(text: &str) -> ::std::result::Result<Self, $crate::error::Error> {
                $crate::input::stored_choice(text)
            }
        }

        // Read straight from a text column, through `from_stored`.
        $crate::stored_choice_decode!($name, sqlx::Postgres, sqlx::postgres::PgValueRef<'r>);
        $crate::stored_choice_decode!($name, sqlx::Sqlite, sqlx::sqlite::SqliteValueRef<'r>);

        impl From<$name> for $crate::db::Value {
            fn from(choice: $name) -> Self {
                $crate::db::Value::from(<$name as $crate::input::Choice>::as_str(choice))
            }
        }
    };
}

/// [`Choice::parse`] of a value read from the database, or an internal error naming it.
pub fn stored_choice<C: Choice>(text: &str) -> Result<C> {
    C::parse(text).ok_or_else(|| {
        Error::Internal(format!(
            "the database holds {text:?} where one of {:?} belongs",
            C::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()
        ))
    })
}

/// `sqlx::Type` and `sqlx::Decode` of a [`choices!`] enumeration for one database: text, parsed
/// with `from_stored`, so a row holding an unknown value fails to load.
#[doc(hidden)]
#[macro_export]
macro_rules! stored_choice_decode {
    ($name:ident, $db:ty, $value:ty) => {
        impl sqlx::Type<$db> for $name {
            fn type_info() -> <$db as sqlx::Database>::TypeInfo {
                <&str as sqlx::Type<$db>>::type_info()
            }
            fn compatible(ty: &<$db as sqlx::Database>::TypeInfo) -> bool {
                <&str as sqlx::Type<$db>>::compatible(ty)
            }
        }

        impl<'r> sqlx::Decode<'r, $db> for $name {
            fn decode(value: $value) -> ::std::result::Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<'r, $db>>::decode(value)?;
                Ok($name::from_stored(text)?)
            }
        }
    };
}

/// Reads the keys of one body, collecting errors.
pub struct Reader<'a> {
    body: &'a Body,
    mode: Mode,
    errors: FieldErrors,
}

impl<'a> Reader<'a> {
    pub fn new(body: &'a Body, mode: Mode) -> Reader<'a> {
        Reader {
            body,
            mode,
            errors: FieldErrors::new(),
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Records an error under `key`.
    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        self.errors
            .entry(key.to_owned())
            .or_default()
            .push(message.into());
    }

    pub fn has_error(&self, key: &str) -> bool {
        self.errors.contains_key(key)
    }

    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// Every error recorded, or `Ok` when there were none.
    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.errors))
        }
    }

    /// The raw value of `key`; `None` when absent. Records "required" when it must be there.
    fn take(&mut self, key: &str, need: Need) -> Option<&'a Value> {
        let body: &'a Body = self.body;
        match body.get(key) {
            Some(value) => Some(value),
            None => {
                if need == Need::Required && self.mode != Mode::Update {
                    self.error(key, REQUIRED);
                }
                None
            }
        }
    }

    /// The raw value of a non-nullable key, recording "may not be null" for `null`.
    fn take_not_null(&mut self, key: &str, need: Need) -> Option<&'a Value> {
        match self.take(key, need)? {
            Value::Null => {
                self.error(key, NOT_NULL);
                None
            }
            value => Some(value),
        }
    }

    /// The raw value of a nullable key: `Some(None)` for `null`.
    fn take_nullable(&mut self, key: &str, need: Need) -> Option<Option<&'a Value>> {
        match self.take(key, need)? {
            Value::Null => Some(None),
            value => Some(Some(value)),
        }
    }

    fn check<T>(&mut self, key: &str, parsed: std::result::Result<T, String>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(message) => {
                self.error(key, message);
                None
            }
        }
    }

    /// A string, trimmed.
    pub fn string(&mut self, key: &str, need: Need, rule: Text) -> Option<String> {
        let value = self.take_not_null(key, need)?;
        self.check(key, parse_string(value, rule))
    }

    /// A string or `null`.
    pub fn string_or_null(&mut self, key: &str, need: Need, rule: Text) -> Option<Option<String>> {
        match self.take_nullable(key, need)? {
            None => Some(None),
            Some(value) => self.check(key, parse_string(value, rule)).map(Some),
        }
    }

    /// A finite number within `range`.
    pub fn number(&mut self, key: &str, need: Need, range: Range) -> Option<f64> {
        let value = self.take_not_null(key, need)?;
        self.check(key, parse_number(value, range))
    }

    pub fn number_or_null(&mut self, key: &str, need: Need, range: Range) -> Option<Option<f64>> {
        match self.take_nullable(key, need)? {
            None => Some(None),
            Some(value) => self.check(key, parse_number(value, range)).map(Some),
        }
    }

    /// An integer within `range`.
    pub fn integer(&mut self, key: &str, need: Need, range: Range) -> Option<i64> {
        let value = self.take_not_null(key, need)?;
        let parsed = parse_integer(value).ok_or_else(|| NOT_INTEGER.to_owned());
        let parsed = parsed.and_then(|n| match range.check(n as f64) {
            Some(message) => Err(message),
            None => Ok(n),
        });
        self.check(key, parsed)
    }

    pub fn boolean(&mut self, key: &str, need: Need) -> Option<bool> {
        let value = self.take_not_null(key, need)?;
        self.check(
            key,
            parse_boolean(value).ok_or_else(|| NOT_BOOLEAN.to_owned()),
        )
    }

    pub fn date(&mut self, key: &str, need: Need) -> Option<Date> {
        let value = self.take_not_null(key, need)?;
        self.check(key, parse_date(value))
    }

    pub fn date_or_null(&mut self, key: &str, need: Need) -> Option<Option<Date>> {
        match self.take_nullable(key, need)? {
            None => Some(None),
            Some(value) => self.check(key, parse_date(value)).map(Some),
        }
    }

    pub fn time_or_null(&mut self, key: &str, need: Need) -> Option<Option<Time>> {
        match self.take_nullable(key, need)? {
            None => Some(None),
            Some(value) => {
                let parsed = value
                    .as_str()
                    .and_then(|text| datetime::parse_time(text.trim()))
                    .ok_or_else(|| BAD_TIME.to_owned());
                self.check(key, parsed).map(Some)
            }
        }
    }

    pub fn timestamp(&mut self, key: &str, need: Need) -> Option<Timestamp> {
        let value = self.take_not_null(key, need)?;
        let parsed = value
            .as_str()
            .and_then(Timestamp::parse)
            .ok_or_else(|| BAD_DATETIME.to_owned());
        self.check(key, parsed)
    }

    /// One of an enumeration's values.
    pub fn choice<C: Choice>(&mut self, key: &str, need: Need) -> Option<C> {
        let value = self.take_not_null(key, need)?;
        self.check(key, parse_choice(value))
    }

    /// A reference to another object by id. Ids that cannot exist (outside 64 bits) are answered
    /// here with "Invalid pk"; whether an id names something the caller may use is for the
    /// caller to check, with [`invalid_pk`].
    pub fn reference(&mut self, key: &str, need: Need, style: RefStyle) -> Option<i64> {
        let value = self.take_not_null(key, need)?;
        self.check(key, parse_reference(value, style))
    }

    pub fn reference_or_null(
        &mut self,
        key: &str,
        need: Need,
        style: RefStyle,
    ) -> Option<Option<i64>> {
        match self.take_nullable(key, need)? {
            None => Some(None),
            Some(value) => self.check(key, parse_reference(value, style)).map(Some),
        }
    }
}

fn parse_string(value: &Value, rule: Text) -> std::result::Result<String, String> {
    let text = match value {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        _ => return Err(NOT_STRING.to_owned()),
    };
    check_text(&text, rule)?;
    Ok(text)
}

fn parse_number(value: &Value, range: Range) -> std::result::Result<f64, String> {
    let number = match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => parse_decimal(text.trim()),
        _ => None,
    }
    .filter(|n| n.is_finite())
    .ok_or_else(|| NOT_NUMBER.to_owned())?;
    match range.check(number) {
        Some(message) => Err(message),
        None => Ok(number),
    }
}

/// A decimal number written out: digits, an optional sign, point and exponent. Not `nan`/`inf`.
fn parse_decimal(text: &str) -> Option<f64> {
    let plausible = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'))
        && text.chars().any(|c| c.is_ascii_digit());
    plausible.then(|| text.parse().ok()).flatten()
}

/// An integer, an integral number such as `20.0`, or a string of digits (optionally signed,
/// optionally followed by `.0`).
pub fn parse_integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                .map(|f| f as i64)
        }),
        Value::String(text) => parse_integer_text(text.trim()),
        _ => None,
    }
}

fn parse_integer_text(text: &str) -> Option<i64> {
    let whole = match text.split_once('.') {
        Some((whole, zeros)) if !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => whole,
        Some(_) => return None,
        None => text,
    };
    let digits = whole.strip_prefix(['-', '+']).unwrap_or(whole);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok()
}

/// `true`/`false`, `1`/`0`, and the strings of API.md §1.2 in lower, Capitalised or UPPER case.
pub fn parse_boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::Number(number) => match number.as_f64() {
            Some(1.0) => Some(true),
            Some(0.0) => Some(false),
            _ => None,
        },
        Value::String(text) => parse_boolean_text(text.trim()),
        _ => None,
    }
}

pub fn parse_boolean_text(text: &str) -> Option<bool> {
    const TRUE: &[&str] = &["true", "1", "yes", "y", "t", "on"];
    const FALSE: &[&str] = &["false", "0", "no", "n", "f", "off"];
    let lower = text.to_lowercase();
    let cased = text == lower || text == text.to_uppercase() || text == capitalised(&lower);
    if !cased {
        return None;
    }
    if TRUE.contains(&lower.as_str()) {
        Some(true)
    } else if FALSE.contains(&lower.as_str()) {
        Some(false)
    } else {
        None
    }
}

fn capitalised(lower: &str) -> String {
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn parse_date(value: &Value) -> std::result::Result<Date, String> {
    value
        .as_str()
        .and_then(|text| datetime::parse_date(text.trim()))
        .ok_or_else(|| BAD_DATE.to_owned())
}

fn parse_choice<C: Choice>(value: &Value) -> std::result::Result<C, String> {
    let shown = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    C::parse(&shown).ok_or_else(|| format!("\"{shown}\" is not a valid choice."))
}

fn parse_reference(value: &Value, style: RefStyle) -> std::result::Result<i64, String> {
    let type_error = || match style {
        RefStyle::IdKey => NOT_INTEGER.to_owned(),
        RefStyle::PkKey => format!(
            "Incorrect type. Expected pk value, received {}.",
            python_type_name(value)
        ),
    };
    match value {
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => Err(type_error()),
        Value::Number(number) => match parse_integer(value) {
            Some(id) => Ok(id),
            // Integral but beyond 64 bits: no such object can exist.
            None if number.is_u64() => Err(invalid_pk(number)),
            // JSON parsing keeps integers beyond 64 bits only as floats.
            None => match number.as_f64().filter(|f| f.fract() == 0.0) {
                Some(whole) => Err(invalid_pk(format!("{whole:.0}"))),
                None => Err(type_error()),
            },
        },
        Value::String(text) => {
            let text = text.trim();
            match parse_integer_text(text) {
                Some(id) => Ok(id),
                None if is_integer_shaped(text) => Err(invalid_pk(text)),
                None => Err(type_error()),
            }
        }
        Value::Null => Err(NOT_NULL.to_owned()),
    }
}

fn is_integer_shaped(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The type names the previous (Python) implementation used in its messages.
fn python_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(number) if number.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// A bound as the messages print it: `0`, `100`, `0.5`.
fn show_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

/// The last value of query parameter `name`, or `None`; a value holding a NUL character is refused
/// with [`NO_NUL`]. Every query parameter the API reads comes through here (lists by
/// [`ListSpec::parse`](crate::listing::ListSpec::parse), custom actions by the API's extractor),
/// so a parameter nobody reads stays ignored.
pub fn query_value<'q>(
    query: &'q [(String, String)],
    name: &str,
) -> std::result::Result<Option<&'q str>, &'static str> {
    match query.iter().rev().find(|(key, _)| key == name) {
        Some((_, value)) if has_nul(value) => Err(NO_NUL),
        found => Ok(found.map(|(_, value)| value.as_str())),
    }
}

/// See [`NO_NUL`].
fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

/// [`query_value`] with the refusal as a field-keyed error.
pub fn query_param<'q>(query: &'q [(String, String)], name: &str) -> Result<Option<&'q str>> {
    query_value(query, name).map_err(|message| Error::field(name, message))
}

/// Every value of a repeated query parameter, in order, under the rule of [`query_value`].
pub fn query_params<'q>(query: &'q [(String, String)], name: &str) -> Result<Vec<&'q str>> {
    let values: Vec<&str> = query
        .iter()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .collect();
    if values.iter().any(|value| has_nul(value)) {
        return Err(Error::field(name, NO_NUL));
    }
    Ok(values)
}

/// Longest window, in days, of a summary or a trend.
pub const MAX_DAYS: i64 = 3650;

/// The `days` query parameter (API.md §3.5.5): an integer in −3650 … 3650; `default` when absent
/// or empty. Errors are keyed `days`.
pub fn days_param(raw: Option<&str>, default: i64) -> Result<i64> {
    let Some(raw) = raw.map(str::trim).filter(|raw| !raw.is_empty()) else {
        return Ok(default);
    };
    let range = Range::between(-MAX_DAYS as f64, MAX_DAYS as f64);
    match parse_integer_text(raw) {
        Some(days) => match range.check(days as f64) {
            Some(message) => Err(Error::field("days", message)),
            None => Ok(days),
        },
        // Digits beyond 64 bits are out of range, not "not an integer".
        None if is_integer_shaped(raw) => {
            let beyond = if raw.starts_with('-') { -1e30 } else { 1e30 };
            Err(Error::field(
                "days",
                range.check(beyond).unwrap_or_default(),
            ))
        }
        None => Err(Error::field("days", NOT_INTEGER)),
    }
}

/// The body of a request that is not a JSON object: the error of API.md §1.2.
pub fn not_an_object(value: &Value) -> Error {
    Error::Validation(FieldErrors::from([(
        NON_FIELD.to_owned(),
        vec![format!(
            "Invalid data. Expected a dictionary, but got {}.",
            python_type_name(value)
        )],
    )]))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: Value) -> Body {
        match value {
            Value::Object(map) => map,
            _ => panic!("an object"),
        }
    }

    fn errors(result: Result<()>) -> Value {
        match result {
            Err(Error::Validation(errors)) => serde_json::to_value(errors).expect("json"),
            other => panic!("expected validation errors, got {other:?}"),
        }
    }

    crate::choices! {
        Colour { Red = "red", Green = "green" }
    }

    #[test]
    fn a_corrupt_stored_choice_is_an_error_not_the_first_value() {
        assert_eq!(Colour::from_stored("green").ok(), Some(Colour::Green));
        match Colour::from_stored("blue") {
            Err(Error::Internal(message)) => assert!(message.contains("\"blue\""), "{message}"),
            other => panic!("expected an internal error, got {other:?}"),
        }
    }

    #[test]
    fn required_keys_are_required_on_create_and_replace_only() {
        let empty = Body::new();
        for mode in [Mode::Create, Mode::Replace] {
            let mut reader = Reader::new(&empty, mode);
            assert_eq!(
                reader.string("name", Need::Required, Text::limited(255)),
                None
            );
            assert_eq!(
                errors(reader.finish()),
                json!({"name": ["This field is required."]})
            );
        }
        let mut reader = Reader::new(&empty, Mode::Update);
        assert_eq!(
            reader.string("name", Need::Required, Text::limited(255)),
            None
        );
        assert!(reader.finish().is_ok());
    }

    #[test]
    fn strings_are_trimmed_and_numbers_become_text() {
        let input = body(json!({"a": "  x  ", "b": 12, "c": 1.5, "d": true, "e": "  ", "f": "ab"}));
        let mut reader = Reader::new(&input, Mode::Create);
        assert_eq!(
            reader.string("a", Need::Required, Text::limited(5)),
            Some("x".into())
        );
        assert_eq!(
            reader.string("b", Need::Required, Text::ANY),
            Some("12".into())
        );
        assert_eq!(
            reader.string("c", Need::Required, Text::ANY),
            Some("1.5".into())
        );
        assert_eq!(reader.string("d", Need::Required, Text::ANY), None);
        assert_eq!(reader.string("e", Need::Required, Text::limited(5)), None);
        assert_eq!(reader.string("f", Need::Required, Text::limited(1)), None);
        assert_eq!(
            errors(reader.finish()),
            json!({
                "d": ["Not a valid string."],
                "e": ["This field may not be blank."],
                "f": ["Ensure this field has no more than 1 characters."],
            })
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let input = body(json!({"name": "ééé"}));
        let mut reader = Reader::new(&input, Mode::Create);
        assert!(
            reader
                .string("name", Need::Required, Text::limited(3))
                .is_some()
        );
    }

    #[test]
    fn numbers_accept_numeric_strings_but_not_nan_or_booleans() {
        let input = body(json!({
            "a": 1, "b": "2.5", "c": "nan", "d": "Infinity", "e": true, "f": -1, "g": null, "h": "1e2"
        }));
        let mut reader = Reader::new(&input, Mode::Create);
        assert_eq!(reader.number("a", Need::Required, Range::ANY), Some(1.0));
        assert_eq!(reader.number("b", Need::Required, Range::ANY), Some(2.5));
        assert_eq!(reader.number("h", Need::Required, Range::ANY), Some(100.0));
        for key in ["c", "d", "e"] {
            assert_eq!(reader.number(key, Need::Required, Range::ANY), None);
        }
        assert_eq!(
            reader.number("f", Need::Required, Range::NON_NEGATIVE),
            None
        );
        assert_eq!(reader.number("g", Need::Required, Range::ANY), None);
        assert_eq!(
            errors(reader.finish()),
            json!({
                "c": ["A valid number is required."],
                "d": ["A valid number is required."],
                "e": ["A valid number is required."],
                "f": ["Ensure this value is greater than or equal to 0."],
                "g": ["This field may not be null."],
            })
        );
    }

    #[test]
    fn integers_accept_integral_numbers_and_digit_strings() {
        let input = body(json!({"a": 20.0, "b": "30", "c": 2.5, "d": "x", "e": "-4", "f": 1441}));
        let mut reader = Reader::new(&input, Mode::Create);
        assert_eq!(reader.integer("a", Need::Required, Range::ANY), Some(20));
        assert_eq!(reader.integer("b", Need::Required, Range::ANY), Some(30));
        assert_eq!(reader.integer("e", Need::Required, Range::ANY), Some(-4));
        assert_eq!(reader.integer("c", Need::Required, Range::ANY), None);
        assert_eq!(reader.integer("d", Need::Required, Range::ANY), None);
        assert_eq!(
            reader.integer("f", Need::Required, Range::between(0.0, 1440.0)),
            None
        );
        assert_eq!(
            errors(reader.finish()),
            json!({
                "c": ["A valid integer is required."],
                "d": ["A valid integer is required."],
                "f": ["Ensure this value is less than or equal to 1440."],
            })
        );
    }

    #[test]
    fn booleans_accept_the_documented_spellings_only() {
        for (text, expected) in [
            ("true", Some(true)),
            ("True", Some(true)),
            ("TRUE", Some(true)),
            ("yes", Some(true)),
            ("On", Some(true)),
            ("t", Some(true)),
            ("0", Some(false)),
            ("OFF", Some(false)),
            ("N", Some(false)),
            ("tRUE", None),
            ("2", None),
            ("", None),
        ] {
            assert_eq!(parse_boolean_text(text), expected, "{text:?}");
        }
        assert_eq!(parse_boolean(&json!(1)), Some(true));
        assert_eq!(parse_boolean(&json!(2)), None);
    }

    #[test]
    fn dates_times_and_timestamps_use_the_contract_messages() {
        let input = body(json!({
            "d": "2020-02-30", "t": "7:30", "ts": "yesterday",
            "d2": "2020-02-29", "t2": "07:30", "ts2": "2025-03-02T07:45:00Z",
        }));
        let mut reader = Reader::new(&input, Mode::Create);
        assert!(reader.date("d2", Need::Required).is_some());
        assert!(reader.time_or_null("t2", Need::Required).is_some());
        assert!(reader.timestamp("ts2", Need::Required).is_some());
        assert_eq!(reader.date("d", Need::Required), None);
        assert_eq!(reader.time_or_null("t", Need::Required), None);
        assert_eq!(reader.timestamp("ts", Need::Required), None);
        assert_eq!(
            errors(reader.finish()),
            json!({
                "d": [BAD_DATE],
                "t": [BAD_TIME],
                "ts": [BAD_DATETIME],
            })
        );
    }

    #[test]
    fn references_distinguish_id_keys_from_pk_keys() {
        let input: Body = serde_json::from_str(
            r#"{"diet_id": "abc", "meal": "abc", "parent": [1], "big": 18446744073709551616,
                "ok": "12", "null_id": null, "float_id": 1.5, "huge": "99999999999999999999",
                "whole": 5.0}"#,
        )
        .expect("json");
        let mut reader = Reader::new(&input, Mode::Create);
        assert_eq!(
            reader.reference("ok", Need::Required, RefStyle::PkKey),
            Some(12)
        );
        assert_eq!(
            reader.reference("whole", Need::Required, RefStyle::IdKey),
            Some(5)
        );
        assert_eq!(
            reader.reference("diet_id", Need::Required, RefStyle::IdKey),
            None
        );
        assert_eq!(
            reader.reference("meal", Need::Required, RefStyle::PkKey),
            None
        );
        assert_eq!(
            reader.reference("parent", Need::Required, RefStyle::PkKey),
            None
        );
        assert_eq!(
            reader.reference("big", Need::Required, RefStyle::IdKey),
            None
        );
        assert_eq!(
            reader.reference("null_id", Need::Required, RefStyle::IdKey),
            None
        );
        assert_eq!(
            reader.reference("float_id", Need::Required, RefStyle::PkKey),
            None
        );
        assert_eq!(
            reader.reference("huge", Need::Required, RefStyle::IdKey),
            None
        );
        assert_eq!(
            errors(reader.finish()),
            json!({
                "diet_id": ["A valid integer is required."],
                "meal": ["Incorrect type. Expected pk value, received str."],
                "parent": ["Incorrect type. Expected pk value, received list."],
                "big": ["Invalid pk \"18446744073709551616\" - object does not exist."],
                "null_id": ["This field may not be null."],
                "float_id": ["Incorrect type. Expected pk value, received float."],
                "huge": ["Invalid pk \"99999999999999999999\" - object does not exist."],
            })
        );
    }

    #[test]
    fn nullable_keys_distinguish_null_from_absent() {
        let input = body(json!({"end_date": null}));
        let mut reader = Reader::new(&input, Mode::Update);
        assert_eq!(reader.date_or_null("end_date", Need::Optional), Some(None));
        assert_eq!(reader.date_or_null("start_date", Need::Optional), None);
    }

    #[test]
    fn days_are_integers_within_ten_years() {
        assert_eq!(days_param(None, 7).ok(), Some(7));
        assert_eq!(days_param(Some(""), 30).ok(), Some(30));
        assert_eq!(days_param(Some("-3650"), 7).ok(), Some(-3650));
        assert_eq!(days_param(Some("0"), 7).ok(), Some(0));
        let message = |raw: &str| match days_param(Some(raw), 7) {
            Err(Error::Validation(errors)) => errors["days"][0].clone(),
            other => panic!("{raw}: {other:?}"),
        };
        assert_eq!(message("abc"), "A valid integer is required.");
        assert_eq!(message("1.5"), "A valid integer is required.");
        assert_eq!(
            message("3651"),
            "Ensure this value is less than or equal to 3650."
        );
        assert_eq!(
            message("-3651"),
            "Ensure this value is greater than or equal to -3650."
        );
        assert_eq!(
            message("99999999999999999999"),
            "Ensure this value is less than or equal to 3650."
        );
    }

    #[test]
    fn non_objects_name_their_python_type() {
        let shown = |value: Value| {
            serde_json::to_value(match not_an_object(&value) {
                Error::Validation(errors) => errors,
                _ => unreachable!(),
            })
        };
        assert_eq!(
            shown(json!([1])).expect("json"),
            json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]})
        );
        assert_eq!(
            shown(json!(1.5)).expect("json")["non_field_errors"][0],
            "Invalid data. Expected a dictionary, but got float."
        );
    }
}
