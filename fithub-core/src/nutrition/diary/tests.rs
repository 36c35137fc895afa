use time::macros::date;

use super::csv::text_cell;
use super::*;

fn errors(start: Option<&str>, end: Option<&str>) -> serde_json::Value {
    match range(start, end, date!(2025 - 03 - 02)) {
        Err(Error::Validation(errors)) => serde_json::to_value(errors).expect("json"),
        other => panic!("expected errors, got {other:?}"),
    }
}

#[test]
fn the_range_defaults_to_today_and_holds_at_most_366_dates() {
    let today = date!(2025 - 03 - 02);
    assert_eq!(range(None, None, today).ok(), Some((today, today)));
    assert_eq!(range(Some(""), Some(" "), today).ok(), Some((today, today)));
    assert_eq!(
        range(Some("2024-03-02"), None, today).ok(),
        Some((date!(2024 - 03 - 02), today)),
        "366 dates across a leap day"
    );
    assert_eq!(
        errors(Some("2024-03-01"), None),
        serde_json::json!({"end": ["Ensure the range spans at most 366 days."]})
    );
    assert_eq!(
        errors(Some("2025-03-03"), None),
        serde_json::json!({"end": ["Ensure this date is not before start."]})
    );
    assert_eq!(
        errors(Some("2025-02-30"), Some("03/01/2025")),
        serde_json::json!({
            "start": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
            "end": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
        })
    );
}

fn day(date: Date, diet: Option<&str>, actual: f64, record_count: i64) -> DiaryDay {
    let target = diet.map(|_| Nutrients {
        calories: 2500.0,
        proteins: 160.0,
        fats: 70.0,
        carbs: 300.0,
    });
    let actual = Nutrients {
        calories: actual,
        proteins: 151.2,
        fats: 80.0,
        carbs: 255.3,
    };
    DiaryDay {
        date,
        diet: diet.map(|name| DiaryDiet {
            id: 7,
            name: name.to_owned(),
        }),
        target,
        actual,
        remaining: target.map(|target| target.minus(actual)),
        record_count,
    }
}

#[test]
fn csv_has_a_header_and_a_row_per_day_with_empty_cells_for_no_diet() {
    let diary = Diary {
        time_zone: Zone::utc(),
        start: date!(2025 - 03 - 01),
        end: date!(2025 - 03 - 02),
        days: vec![
            day(date!(2025 - 03 - 01), Some("Lean bulk"), 2310.5, 4),
            day(date!(2025 - 03 - 02), None, 0.0, 0),
        ],
        totals: Nutrients::default(),
        averages: Nutrients::default(),
    };
    let text = String::from_utf8(diary.to_csv().expect("csv")).expect("utf-8");
    assert_eq!(
        text,
        "date,diet,target_calories,target_proteins,target_fats,target_carbs,calories,proteins,fats,carbs,record_count\r\n\
         2025-03-01,Lean bulk,2500,160,70,300,2310.5,151.2,80,255.3,4\r\n\
         2025-03-02,,,,,,0,151.2,80,255.3,0\r\n"
    );
    assert_eq!(
        diary.csv_filename(),
        "fithub-diary-2025-03-01-2025-03-02.csv"
    );
}

#[test]
fn csv_quotes_text_and_defuses_formulas() {
    let mut diary = Diary {
        time_zone: Zone::utc(),
        start: date!(2025 - 03 - 01),
        end: date!(2025 - 03 - 01),
        days: Vec::new(),
        totals: Nutrients::default(),
        averages: Nutrients::default(),
    };
    for name in ["Cut, \"hard\"", "=HYPERLINK(\"x\")", "-1+2", "line\nbreak"] {
        diary
            .days
            .push(day(date!(2025 - 03 - 01), Some(name), 1.0, 1));
    }
    let text = String::from_utf8(diary.to_csv().expect("csv")).expect("utf-8");
    let names: Vec<&str> = text
        .split("\r\n")
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| line.trim_start_matches("2025-03-01,"))
        .map(|rest| rest.rsplitn(10, ',').last().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "\"Cut, \"\"hard\"\"\"",
            "\"'=HYPERLINK(\"\"x\"\")\"",
            "'-1+2",
            "\"line\nbreak\""
        ]
    );
    for (text, cell) in [
        ("+1", "'+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Lean bulk", "Lean bulk"),
        ("", ""),
    ] {
        assert_eq!(text_cell(text), cell);
    }
}
