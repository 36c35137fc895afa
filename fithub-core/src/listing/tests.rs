use super::*;
use crate::calendar::Zone;
use crate::datetime::Timestamp;
use crate::db::Value;

const SPEC: ListSpec = ListSpec {
    from: "things t",
    columns: "t.id",
    filters: &[
        Filter {
            param: "kind",
            column: "t.kind",
            kind: FilterKind::Choice(&["a", "b"]),
        },
        Filter {
            param: "owner",
            column: "t.owner_id",
            kind: FilterKind::Id,
        },
        Filter {
            param: "is_active",
            column: "t.is_active",
            kind: FilterKind::Bool,
        },
        Filter {
            param: "day",
            column: "t.day",
            kind: FilterKind::Date,
        },
        Filter {
            param: "at",
            column: "t.at",
            kind: FilterKind::Timestamp,
        },
    ],
    search: &["t.name"],
    ordering: &[("name", "t.name"), ("created_at", "t.created_at")],
    default_ordering: &["-created_at"],
    id: "t.id",
    owner: None,
};

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn errors(pairs: &[(&str, &str)]) -> serde_json::Value {
    match SPEC.parse(&query(pairs)) {
        Err(Error::Validation(errors)) => serde_json::to_value(errors).expect("json"),
        other => panic!("expected errors, got {other:?}"),
    }
}

#[test]
fn bad_filter_values_are_reported_together_by_parameter() {
    assert_eq!(
        errors(&[
            ("kind", "c"),
            ("owner", "x"),
            ("is_active", "yes"),
            ("day", "2025-02-30"),
            ("at", "noon"),
            ("page_size", "0"),
        ]),
        serde_json::json!({
            "kind": ["Select a valid choice. c is not one of the available choices."],
            "owner": ["Select a valid choice. That choice is not one of the available choices."],
            "is_active": ["Must be a valid boolean."],
            "day": ["Enter a valid date."],
            "at": ["Enter a valid date/time."],
            "page_size": ["A valid integer is required."],
        })
    );
}

#[test]
fn empty_values_mean_no_filter_and_booleans_ignore_case() {
    let params = SPEC
        .parse(&query(&[("kind", ""), ("is_active", "TRUE")]))
        .expect("valid");
    assert_eq!(params.filters.len(), 1);
    assert_eq!(params.filters[0].value, Value::from(true));
}

#[test]
fn an_id_beyond_64_bits_matches_nothing() {
    let params = SPEC
        .parse(&query(&[("owner", "99999999999999999999")]))
        .expect("valid");
    assert!(params.matches_nothing);
}

#[test]
fn page_size_is_capped_and_pages_must_be_positive() {
    for size in ["500", "37939196721067524096"] {
        let params = SPEC.parse(&query(&[("page_size", size)])).expect(size);
        assert_eq!(params.page_size, MAX_PAGE_SIZE);
    }
    for size in ["-37939196721067524096", "000000000000000000000", "1e30"] {
        assert!(
            SPEC.parse(&query(&[("page_size", size)])).is_err(),
            "{size}"
        );
    }
    for page in ["0", "-1", "two", "1.5"] {
        assert!(
            matches!(
                SPEC.parse(&query(&[("page", page)])),
                Err(Error::InvalidPage)
            ),
            "{page}"
        );
    }
    let params = SPEC.parse(&query(&[("page", "last")])).expect("valid");
    assert_eq!(params.page, PageNumber::Last);
}

#[test]
fn unknown_ordering_names_fall_back_to_the_default() {
    let params = SPEC
        .parse(&query(&[("ordering", "bogus,-name, created_at")]))
        .expect("valid");
    assert_eq!(
        params.ordering,
        vec![("t.name", true), ("t.created_at", false)]
    );
    let params = SPEC.parse(&query(&[("ordering", "bogus")])).expect("valid");
    assert_eq!(params.ordering, vec![("t.created_at", true)]);

    let mut sql = Query::builder();
    SPEC.push_order(&mut sql, &params.ordering);
    assert_eq!(sql.sql(), " ORDER BY t.created_at DESC, t.id DESC");
}

#[test]
fn search_is_limited_in_terms_and_their_length() {
    let search = |text: String| errors(&[("search", text.as_str())]);
    assert_eq!(
        search(["a"; 11].join(" ")),
        serde_json::json!({"search": ["Ensure this field has no more than 10 terms."]})
    );
    assert_eq!(
        search("b".repeat(101)),
        serde_json::json!({"search": ["Ensure each term has no more than 100 characters."]})
    );
    let params = SPEC
        .parse(&query(&[("search", &["a"; 10].join(","))]))
        .expect("ten terms");
    assert_eq!(params.search_terms.len(), 10);
}

#[test]
fn a_nul_character_is_refused_in_every_parameter_read() {
    assert_eq!(
        errors(&[("kind", "a\0"), ("search", "\0"), ("page", "1\0")]),
        serde_json::json!({
            "kind": ["Null characters are not allowed."],
            "search": ["Null characters are not allowed."],
            "page": ["Null characters are not allowed."],
        })
    );
    SPEC.parse(&query(&[("unread", "\0")]))
        .expect("a parameter nobody reads is ignored");
}

#[test]
fn search_splits_terms_but_keeps_quoted_phrases() {
    assert_eq!(
        search_terms(r#"oat, milk "rolled oats"  x"#),
        ["oat", "milk", "rolled oats", "x"]
    );
    assert!(search_terms("  , ").is_empty());
}

const TIMED: ListSpec = ListSpec {
    from: "things t",
    columns: "t.id",
    filters: &{
        let [a, b, c, d, e] = timestamp_ranges("t.at");
        [
            a,
            b,
            c,
            d,
            e,
            Filter {
                param: "due__gte",
                column: "t.due",
                kind: FilterKind::DateFrom,
            },
            Filter {
                param: "due__lte",
                column: "t.due",
                kind: FilterKind::DateUntil,
            },
        ]
    },
    search: &[],
    ordering: &[],
    default_ordering: &[],
    id: "t.id",
    owner: None,
};

fn at(text: &str) -> Value {
    Value::from(Timestamp::parse(text).expect("date-time"))
}

#[test]
fn local_dates_become_instants_in_the_callers_zone() {
    let new_york = Zone::named("America/New_York").expect("zone");
    let params = TIMED
        .parse_in(
            &query(&[
                ("date", "2025-03-01"),
                ("date__gte", "2025-03-09"),
                ("date__lte", "2025-03-09"),
                ("timestamp__gte", "2025-03-02T03:30:00+01:00"),
                ("timestamp__lte", "2025-03-02T03:30"),
                ("due__gte", "2025-01-01"),
                ("due__lte", ""),
            ]),
            &new_york,
        )
        .expect("valid");
    let conditions: Vec<(&str, &str, Value)> = params
        .filters
        .into_iter()
        .map(|c| (c.column, c.operator, c.value))
        .collect();
    let date = |text| Value::from(crate::datetime::parse_date(text).expect("date"));
    assert_eq!(
        conditions,
        vec![
            ("t.at", ">=", at("2025-03-02T02:30:00Z")),
            ("t.at", "<=", at("2025-03-02T03:30:00Z")),
            ("t.at", ">=", at("2025-03-01T05:00:00Z")),
            ("t.at", "<", at("2025-03-02T05:00:00Z")),
            // 9 March lasts 23 hours in New York.
            ("t.at", ">=", at("2025-03-09T05:00:00Z")),
            ("t.at", "<", at("2025-03-10T04:00:00Z")),
            ("t.due", ">=", date("2025-01-01")),
        ]
    );
}

#[test]
fn bad_range_values_are_keyed_by_their_parameter() {
    let errors = match TIMED.parse(&query(&[
        ("date__gte", "2025-13-01"),
        ("timestamp__lte", "yesterday"),
        ("date", "1/3/2025"),
        ("due__lte", "2025-02-30"),
    ])) {
        Err(Error::Validation(errors)) => serde_json::to_value(errors).expect("json"),
        other => panic!("expected errors, got {other:?}"),
    };
    assert_eq!(
        errors,
        serde_json::json!({
            "date__gte": ["Enter a valid date."],
            "timestamp__lte": ["Enter a valid date/time."],
            "date": ["Enter a valid date."],
            "due__lte": ["Enter a valid date."],
        })
    );
}
