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
mod parse;
mod query;
mod reader;

pub use crate::error::NON_FIELD;
pub use form::{Field, Form, Kind};
pub(crate) use parse::is_integer_shaped;
use parse::*;
pub use parse::{parse_boolean, parse_boolean_text, parse_integer};
use query::has_nul;
pub use query::{MAX_DAYS, days_param, not_an_object, query_param, query_params, query_value};
pub use reader::Reader;

/// A request body: a JSON object.
pub type Body = Map<String, Value>;

pub const REQUIRED: &str = "This field is required.";
pub const NOT_NULL: &str = "This field may not be null.";
pub const NOT_BLANK: &str = "This field may not be blank.";
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

#[cfg(test)]
mod tests;
