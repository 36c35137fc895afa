//! The keys a request body may hold, declared once per body: the [`Reader`](super::Reader)
//! enforces the declaration and the OpenAPI document is built from it, so the two cannot drift.

use super::{Need, Range, RefStyle, Text};

/// What one key accepts.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub need: Need,
    /// Whether `null` is a value (else "This field may not be null.").
    pub nullable: bool,
    pub kind: Kind,
    /// What a client should know beyond the type and limits.
    pub about: Option<&'static str>,
}

/// The type of a key's values, with its limits.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A string (a number is accepted and kept as its text), trimmed.
    Text(Text),
    /// A finite number (or a string holding one).
    Number(Range),
    /// A whole number (or a string holding one).
    Integer(Range),
    /// `true` or `false` (or their common spellings).
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// `hh:mm[:ss[.uuuuuu]]`.
    Time,
    /// An RFC 3339 instant; without an offset it is UTC.
    Timestamp,
    /// One of these wire values.
    Choice(&'static [&'static str]),
    /// The id of another object.
    Reference(RefStyle),
}

impl Field {
    const fn new(key: &'static str, need: Need, kind: Kind) -> Field {
        Field {
            key,
            need,
            nullable: false,
            kind,
            about: None,
        }
    }

    pub const fn text(key: &'static str, need: Need, rule: Text) -> Field {
        Field::new(key, need, Kind::Text(rule))
    }

    pub const fn number(key: &'static str, need: Need, range: Range) -> Field {
        Field::new(key, need, Kind::Number(range))
    }

    pub const fn integer(key: &'static str, need: Need, range: Range) -> Field {
        Field::new(key, need, Kind::Integer(range))
    }

    pub const fn boolean(key: &'static str, need: Need) -> Field {
        Field::new(key, need, Kind::Boolean)
    }

    pub const fn date(key: &'static str, need: Need) -> Field {
        Field::new(key, need, Kind::Date)
    }

    pub const fn time(key: &'static str, need: Need) -> Field {
        Field::new(key, need, Kind::Time)
    }

    pub const fn timestamp(key: &'static str, need: Need) -> Field {
        Field::new(key, need, Kind::Timestamp)
    }

    pub const fn choice(key: &'static str, need: Need, values: &'static [&'static str]) -> Field {
        Field::new(key, need, Kind::Choice(values))
    }

    pub const fn reference(key: &'static str, need: Need, style: RefStyle) -> Field {
        Field::new(key, need, Kind::Reference(style))
    }

    /// The same key, also accepting `null`.
    pub const fn or_null(self) -> Field {
        Field {
            nullable: true,
            ..self
        }
    }

    /// The same key, described.
    pub const fn about(self, about: &'static str) -> Field {
        Field {
            about: Some(about),
            ..self
        }
    }
}

/// Every key of one body.
#[derive(Debug, Clone, Copy)]
pub struct Form(pub &'static [Field]);

impl Form {
    /// A form for bodies that hold nothing the server reads.
    pub const EMPTY: Form = Form(&[]);

    pub fn fields(&self) -> &'static [Field] {
        self.0
    }

    /// The declaration of `key`. Asking for a key the form does not declare is a mistake in the
    /// reading code, which every request through it would hit: it panics, so the first test of
    /// the endpoint finds it.
    pub(super) fn field(&self, key: &str) -> &'static Field {
        match self.0.iter().find(|field| field.key == key) {
            Some(field) => field,
            None => panic!("the form declares no key {key:?}"),
        }
    }
}
