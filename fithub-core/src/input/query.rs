//! Query parameters: the one way every list and action reads them.

use super::*;

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
pub(super) fn has_nul(text: &str) -> bool {
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
