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

#[test]
fn required_keys_are_required_on_create_and_replace_only() {
    let empty = Body::new();
    const FORM: Form = Form(&[Field::text("name", Need::Required, Text::limited(255))]);
    for mode in [Mode::Create, Mode::Replace] {
        let mut reader = Reader::new(&empty, mode, FORM);
        assert_eq!(reader.string("name"), None);
        assert_eq!(
            errors(reader.finish()),
            json!({"name": ["This field is required."]})
        );
    }
    let mut reader = Reader::new(&empty, Mode::Update, FORM);
    assert_eq!(reader.string("name"), None);
    assert!(reader.finish().is_ok());
}

#[test]
fn strings_are_trimmed_and_numbers_become_text() {
    let input = body(json!({"a": "  x  ", "b": 12, "c": 1.5, "d": true, "e": "  ", "f": "ab"}));
    const FORM: Form = Form(&[
        Field::text("a", Need::Required, Text::limited(5)),
        Field::text("b", Need::Required, Text::ANY),
        Field::text("c", Need::Required, Text::ANY),
        Field::text("d", Need::Required, Text::ANY),
        Field::text("e", Need::Required, Text::limited(5)),
        Field::text("f", Need::Required, Text::limited(1)),
    ]);
    let mut reader = Reader::new(&input, Mode::Create, FORM);
    assert_eq!(reader.string("a"), Some("x".into()));
    assert_eq!(reader.string("b"), Some("12".into()));
    assert_eq!(reader.string("c"), Some("1.5".into()));
    assert_eq!(reader.string("d"), None);
    assert_eq!(reader.string("e"), None);
    assert_eq!(reader.string("f"), None);
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
    const FORM: Form = Form(&[Field::text("name", Need::Required, Text::limited(3))]);
    let mut reader = Reader::new(&input, Mode::Create, FORM);
    assert!(reader.string("name").is_some());
}

#[test]
fn numbers_accept_numeric_strings_but_not_nan_or_booleans() {
    let input = body(json!({
        "a": 1, "b": "2.5", "c": "nan", "d": "Infinity", "e": true, "f": -1, "g": null, "h": "1e2"
    }));
    const FORM: Form = Form(&[
        Field::number("a", Need::Required, Range::ANY),
        Field::number("b", Need::Required, Range::ANY),
        Field::number("h", Need::Required, Range::ANY),
        Field::number("f", Need::Required, Range::NON_NEGATIVE),
        Field::number("g", Need::Required, Range::ANY),
        Field::number("c", Need::Required, Range::ANY),
        Field::number("d", Need::Required, Range::ANY),
        Field::number("e", Need::Required, Range::ANY),
    ]);
    let mut reader = Reader::new(&input, Mode::Create, FORM);
    assert_eq!(reader.number("a"), Some(1.0));
    assert_eq!(reader.number("b"), Some(2.5));
    assert_eq!(reader.number("h"), Some(100.0));
    for key in ["c", "d", "e"] {
        assert_eq!(reader.number(key), None);
    }
    assert_eq!(reader.number("f"), None);
    assert_eq!(reader.number("g"), None);
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
    const FORM: Form = Form(&[
        Field::integer("a", Need::Required, Range::ANY),
        Field::integer("b", Need::Required, Range::ANY),
        Field::integer("e", Need::Required, Range::ANY),
        Field::integer("c", Need::Required, Range::ANY),
        Field::integer("d", Need::Required, Range::ANY),
        Field::integer("f", Need::Required, Range::between(0.0, 1440.0)),
    ]);
    let mut reader = Reader::new(&input, Mode::Create, FORM);
    assert_eq!(reader.integer("a"), Some(20));
    assert_eq!(reader.integer("b"), Some(30));
    assert_eq!(reader.integer("e"), Some(-4));
    assert_eq!(reader.integer("c"), None);
    assert_eq!(reader.integer("d"), None);
    assert_eq!(reader.integer("f"), None);
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
    const FORM: Form = Form(&[
        Field::date("d2", Need::Required),
        Field::time("t2", Need::Required).or_null(),
        Field::timestamp("ts2", Need::Required),
        Field::date("d", Need::Required),
        Field::time("t", Need::Required).or_null(),
        Field::timestamp("ts", Need::Required),
    ]);
    let mut reader = Reader::new(&input, Mode::Create, FORM);
    assert!(reader.date("d2").is_some());
    assert!(reader.time_or_null("t2").is_some());
    assert!(reader.timestamp("ts2").is_some());
    assert_eq!(reader.date("d"), None);
    assert_eq!(reader.time_or_null("t"), None);
    assert_eq!(reader.timestamp("ts"), None);
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
    const FORM: Form = Form(&[
        Field::reference("ok", Need::Required, RefStyle::PkKey),
        Field::reference("whole", Need::Required, RefStyle::IdKey),
        Field::reference("diet_id", Need::Required, RefStyle::IdKey),
        Field::reference("meal", Need::Required, RefStyle::PkKey),
        Field::reference("parent", Need::Required, RefStyle::PkKey),
        Field::reference("big", Need::Required, RefStyle::IdKey),
        Field::reference("null_id", Need::Required, RefStyle::IdKey),
        Field::reference("float_id", Need::Required, RefStyle::PkKey),
        Field::reference("huge", Need::Required, RefStyle::IdKey),
    ]);
    let mut reader = Reader::new(&input, Mode::Create, FORM);
    assert_eq!(reader.reference("ok"), Some(12));
    assert_eq!(reader.reference("whole"), Some(5));
    assert_eq!(reader.reference("diet_id"), None);
    assert_eq!(reader.reference("meal"), None);
    assert_eq!(reader.reference("parent"), None);
    assert_eq!(reader.reference("big"), None);
    assert_eq!(reader.reference("null_id"), None);
    assert_eq!(reader.reference("float_id"), None);
    assert_eq!(reader.reference("huge"), None);
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
    const FORM: Form = Form(&[
        Field::date("end_date", Need::Optional).or_null(),
        Field::date("start_date", Need::Optional).or_null(),
    ]);
    let mut reader = Reader::new(&input, Mode::Update, FORM);
    assert_eq!(reader.date_or_null("end_date"), Some(None));
    assert_eq!(reader.date_or_null("start_date"), None);
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

#[test]
fn numbers_keep_six_decimal_places() {
    const FORM: Form = Form(&[
        Field::number("tiny", Need::Required, Range::AMOUNT),
        Field::number("fine", Need::Required, Range::AMOUNT),
    ]);
    let input = body(json!({"tiny": 1e-300, "fine": 71.4000004}));
    let mut reader = Reader::new(&input, Mode::Create, FORM);
    assert_eq!(reader.number("tiny"), Some(0.0));
    assert_eq!(reader.number("fine"), Some(71.4));
}

#[test]
#[should_panic(expected = "the form declares no key")]
fn reading_an_undeclared_key_is_a_mistake_found_at_once() {
    let input = Body::new();
    let mut reader = Reader::new(&input, Mode::Create, Form::EMPTY);
    reader.string("name");
}

#[test]
#[should_panic(expected = "read as another type")]
fn reading_a_key_as_another_type_is_a_mistake_found_at_once() {
    const FORM: Form = Form(&[Field::boolean("flag", Need::Optional)]);
    let input = Body::new();
    let mut reader = Reader::new(&input, Mode::Create, FORM);
    reader.string("flag");
}

crate::choices! {
    Colour { Red = "red", Green = "green" }
}

#[test]
fn a_corrupt_stored_choice_is_an_error_not_the_first_value() {
    assert_eq!(Colour::VALUES, ["red", "green"]);
    assert_eq!(Colour::from_stored("green").ok(), Some(Colour::Green));
    match Colour::from_stored("blue") {
        Err(Error::Internal(message)) => assert!(message.contains("\"blue\""), "{message}"),
        other => panic!("expected an internal error, got {other:?}"),
    }
}
