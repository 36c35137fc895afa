//! The reader of one body: each key read against its declaration in the body's form.

use super::*;

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
pub(super) type KindCheck = fn(&Kind) -> bool;

pub(super) fn wrong_kind(key: &str) -> ! {
    panic!("{key:?} is read as another type than its form declares")
}

pub(super) fn expect_kind(key: &str, matches: bool) {
    if !matches {
        wrong_kind(key)
    }
}

pub(super) fn text_rule(key: &str, kind: Kind) -> Text {
    match kind {
        Kind::Text(rule) => rule,
        _ => wrong_kind(key),
    }
}

pub(super) fn number_range(key: &str, kind: Kind) -> Range {
    match kind {
        Kind::Number(range) => range,
        _ => wrong_kind(key),
    }
}

pub(super) fn ref_style(key: &str, kind: Kind) -> RefStyle {
    match kind {
        Kind::Reference(style) => style,
        _ => wrong_kind(key),
    }
}
