//! Parsing one JSON value as the reader's types, with the messages clients expect.

use super::*;

pub(super) fn parse_string(value: &Value, rule: Text) -> std::result::Result<String, String> {
    let text = match value {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        _ => return Err(NOT_STRING.to_owned()),
    };
    check_text(&text, rule)?;
    Ok(text)
}

pub(super) fn parse_number(value: &Value, range: Range) -> std::result::Result<f64, String> {
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
pub(super) fn to_micro_units(number: f64) -> f64 {
    if number.abs() >= 1e9 {
        return number;
    }
    (number * 1e6).round() / 1e6
}

/// A decimal number written out: digits, an optional sign, point and exponent. Not `nan`/`inf`.
pub(super) fn parse_decimal(text: &str) -> Option<f64> {
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

pub(super) fn parse_integer_text(text: &str) -> Option<i64> {
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

pub(super) fn capitalised(lower: &str) -> String {
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(super) fn parse_date(value: &Value) -> std::result::Result<Date, String> {
    value
        .as_str()
        .and_then(|text| datetime::parse_date(text.trim()))
        .ok_or_else(|| BAD_DATE.to_owned())
}

pub(super) fn parse_choice<C: Choice>(value: &Value) -> std::result::Result<C, String> {
    let shown = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    C::parse(&shown).ok_or_else(|| format!("\"{shown}\" is not a valid choice."))
}

pub(super) fn parse_reference(value: &Value, style: RefStyle) -> std::result::Result<i64, String> {
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

pub(crate) fn is_integer_shaped(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The type names the previous (Python) implementation used in its messages.
pub(super) fn python_type_name(value: &Value) -> &'static str {
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
pub(super) fn show_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}
