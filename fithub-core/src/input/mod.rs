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

mod form;

pub use form::{Field, Form, Kind};

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

/// Whether a key must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// On create and on replace.
    Required,
    /// On create only: a replacement may leave it as it is.
    RequiredOnCreate,
    Optional,
}

impl Need {
    /// Whether a body for `mode` must hold the key.
    pub fn is_required(self, mode: Mode) -> bool {
        match self {
            Need::Required => mode != Mode::Update,
            Need::RequiredOnCreate => mode == Mode::Create,
            Need::Optional => false,
        }
    }
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
    /// Any quantity, nutrient, target or measurement: from 0 up to a million, far above any real
    /// one, so that the sums and products the summaries compute stay finite in the database.
    pub const AMOUNT: Range = Range {
        min: Some(0.0),
        max: Some(1_000_000.0),
    };
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
    /// Every value.
    const ALL: &'static [Self];
    /// Every value, in wire spelling.
    const VALUES: &'static [&'static str];
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
        )]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        // By hand rather than derived, so the document lists exactly the wire values.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some(<Self as $crate::input::Choice>::VALUES.iter().copied()))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $crate::input::Choice for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            const VALUES: &'static [&'static str] = &[$($text),+];
            fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl $name {
            pub const VALUES: &'static [&'static str] = <Self as $crate::input::Choice>::VALUES;

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
    form: Form,
    errors: FieldErrors,
}

impl<'a> Reader<'a> {
    /// Reads `body` as `form` declares it.
    pub fn new(body: &'a Body, mode: Mode, form: Form) -> Reader<'a> {
        Reader {
            body,
            mode,
            form,
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

    /// The declaration of `key`, read as nullable or not. Reading a key against its declaration
    /// is a mistake every request through the reading code would hit (see [`Form::field`]).
    fn declared(&self, key: &str, nullable: bool, kind: KindCheck) -> (Need, Kind) {
        let field = self.form.field(key);
        assert_eq!(
            field.nullable, nullable,
            "{key:?} is read with the wrong nullability"
        );
        expect_kind(key, kind(&field.kind));
        (field.need, field.kind)
    }

    /// The raw value of `key`; `None` when absent. Records "required" when it must be there.
    fn take(&mut self, key: &str, need: Need) -> Option<&'a Value> {
        let body: &'a Body = self.body;
        match body.get(key) {
            Some(value) => Some(value),
            None => {
                if need.is_required(self.mode) {
                    self.error(key, REQUIRED);
                }
                None
            }
        }
    }

    /// The value of a non-nullable key, parsed; records "may not be null" for `null`.
    fn read<T>(
        &mut self,
        key: &str,
        kind: KindCheck,
        parse: impl FnOnce(Kind, &Value) -> std::result::Result<T, String>,
    ) -> Option<T> {
        let (need, kind) = self.declared(key, false, kind);
        match self.take(key, need)? {
            Value::Null => {
                self.error(key, NOT_NULL);
                None
            }
            value => self.check(key, parse(kind, value)),
        }
    }

    /// The value of a nullable key, parsed: `Some(None)` for `null`.
    fn read_nullable<T>(
        &mut self,
        key: &str,
        kind: KindCheck,
        parse: impl FnOnce(Kind, &Value) -> std::result::Result<T, String>,
    ) -> Option<Option<T>> {
        let (need, kind) = self.declared(key, true, kind);
        match self.take(key, need)? {
            Value::Null => Some(None),
            value => self.check(key, parse(kind, value)).map(Some),
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
    pub fn string(&mut self, key: &str) -> Option<String> {
        self.read(
            key,
            |k| matches!(k, Kind::Text(_)),
            |kind, value| parse_string(value, text_rule(key, kind)),
        )
    }

    /// A string or `null`.
    pub fn string_or_null(&mut self, key: &str) -> Option<Option<String>> {
        self.read_nullable(
            key,
            |k| matches!(k, Kind::Text(_)),
            |kind, value| parse_string(value, text_rule(key, kind)),
        )
    }

    /// A finite number within the declared range.
    pub fn number(&mut self, key: &str) -> Option<f64> {
        self.read(
            key,
            |k| matches!(k, Kind::Number(_)),
            |kind, value| parse_number(value, number_range(key, kind)),
        )
    }

    pub fn number_or_null(&mut self, key: &str) -> Option<Option<f64>> {
        self.read_nullable(
            key,
            |k| matches!(k, Kind::Number(_)),
            |kind, value| parse_number(value, number_range(key, kind)),
        )
    }

    /// An integer within the declared range.
    pub fn integer(&mut self, key: &str) -> Option<i64> {
        self.read(
            key,
            |k| matches!(k, Kind::Integer(_)),
            |kind, value| {
                let Kind::Integer(range) = kind else {
                    wrong_kind(key)
                };
                let n = parse_integer(value).ok_or_else(|| NOT_INTEGER.to_owned())?;
                match range.check(n as f64) {
                    Some(message) => Err(message),
                    None => Ok(n),
                }
            },
        )
    }

    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        self.read(
            key,
            |k| matches!(k, Kind::Boolean),
            |_, value| parse_boolean(value).ok_or_else(|| NOT_BOOLEAN.to_owned()),
        )
    }

    pub fn date(&mut self, key: &str) -> Option<Date> {
        self.read(
            key,
            |k| matches!(k, Kind::Date),
            |_, value| parse_date(value),
        )
    }

    pub fn date_or_null(&mut self, key: &str) -> Option<Option<Date>> {
        self.read_nullable(
            key,
            |k| matches!(k, Kind::Date),
            |_, value| parse_date(value),
        )
    }

    pub fn time_or_null(&mut self, key: &str) -> Option<Option<Time>> {
        self.read_nullable(
            key,
            |k| matches!(k, Kind::Time),
            |_, value| {
                value
                    .as_str()
                    .and_then(|text| datetime::parse_time(text.trim()))
                    .ok_or_else(|| BAD_TIME.to_owned())
            },
        )
    }

    pub fn timestamp(&mut self, key: &str) -> Option<Timestamp> {
        self.read(
            key,
            |k| matches!(k, Kind::Timestamp),
            |_, value| {
                value
                    .as_str()
                    .and_then(Timestamp::parse)
                    .ok_or_else(|| BAD_DATETIME.to_owned())
            },
        )
    }

    /// One of an enumeration's values.
    pub fn choice<C: Choice>(&mut self, key: &str) -> Option<C> {
        self.read(
            key,
            |k| matches!(k, Kind::Choice(values) if *values == C::VALUES),
            |_, value| parse_choice(value),
        )
    }

    /// A reference to another object by id. Ids that cannot exist (outside 64 bits) are answered
    /// here with "Invalid pk"; whether an id names something the caller may use is for the
    /// caller to check, with [`invalid_pk`].
    pub fn reference(&mut self, key: &str) -> Option<i64> {
        self.read(
            key,
            |k| matches!(k, Kind::Reference(_)),
            |kind, value| parse_reference(value, ref_style(key, kind)),
        )
    }

    pub fn reference_or_null(&mut self, key: &str) -> Option<Option<i64>> {
        self.read_nullable(
            key,
            |k| matches!(k, Kind::Reference(_)),
            |kind, value| parse_reference(value, ref_style(key, kind)),
        )
    }
}

/// Whether a declared kind is the one a reader method reads.
type KindCheck = fn(&Kind) -> bool;

fn wrong_kind(key: &str) -> ! {
    panic!("{key:?} is read as another type than its form declares")
}

fn expect_kind(key: &str, matches: bool) {
    if !matches {
        wrong_kind(key)
    }
}

fn text_rule(key: &str, kind: Kind) -> Text {
    match kind {
        Kind::Text(rule) => rule,
        _ => wrong_kind(key),
    }
}

fn number_range(key: &str, kind: Kind) -> Range {
    match kind {
        Kind::Number(range) => range,
        _ => wrong_kind(key),
    }
}

fn ref_style(key: &str, kind: Kind) -> RefStyle {
    match kind {
        Kind::Reference(style) => style,
        _ => wrong_kind(key),
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
        None => Ok(to_micro_units(number)),
    }
}

/// Numbers are kept to six decimal places. A millionth of a gram is far below any scale, and
/// without the rounding two tiny factors (`1e-300 × 1e-300`) underflow PostgreSQL's double
/// precision, which is an error there, in every summary that multiplies them.
fn to_micro_units(number: f64) -> f64 {
    if number.abs() >= 1e9 {
        return number;
    }
    (number * 1e6).round() / 1e6
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
mod tests;
