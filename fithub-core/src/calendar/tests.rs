use time::macros::{date, datetime};

use super::*;

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).expect("a date-time")
}

fn zone(name: &str) -> Zone {
    Zone::named(name).unwrap_or_else(|| panic!("{name} is in the bundled database"))
}

#[test]
fn names_must_be_spelled_as_the_database_spells_them() {
    for name in ["UTC", "America/New_York", "Asia/Kathmandu", "Europe/Kyiv"] {
        assert_eq!(zone(name).name(), name);
    }
    for name in [
        "",
        "utc",
        "america/new_york",
        "Mars/Olympus",
        "+05:45",
        "EST5EDT ",
    ] {
        assert!(Zone::named(name).is_none(), "{name:?} is refused");
    }
}

#[test]
fn a_late_evening_in_new_york_is_the_previous_utc_day() {
    let new_york = zone("America/New_York");
    assert_eq!(
        new_york.date_of(at("2025-03-02T03:30:00Z")),
        date!(2025 - 03 - 01)
    );
    assert_eq!(
        new_york.date_of(at("2025-03-02T05:00:00Z")),
        date!(2025 - 03 - 02)
    );
    assert_eq!(
        new_york.window(date!(2025 - 03 - 01), date!(2025 - 03 - 01)),
        Window {
            from: at("2025-03-01T05:00:00Z"),
            until: at("2025-03-02T05:00:00Z"),
        }
    );
}

#[test]
fn kathmandu_starts_its_day_at_18_15_utc() {
    let kathmandu = zone("Asia/Kathmandu");
    assert_eq!(
        kathmandu.start_of(date!(2025 - 03 - 02)),
        at("2025-03-01T18:15:00Z")
    );
    assert_eq!(
        kathmandu.date_of(at("2025-03-01T18:14:59Z")),
        date!(2025 - 03 - 01)
    );
    assert_eq!(
        kathmandu.date_of(at("2025-03-01T18:15:00Z")),
        date!(2025 - 03 - 02)
    );
}

#[test]
fn days_across_daylight_saving_changes_last_23_and_25_hours() {
    let new_york = zone("America/New_York");
    let hours = |day: Date| {
        let window = new_york.window(day, day);
        (window.until.as_offset() - window.from.as_offset()).whole_hours()
    };
    assert_eq!(hours(date!(2025 - 03 - 08)), 24);
    assert_eq!(hours(date!(2025 - 03 - 09)), 23, "spring forward");
    assert_eq!(hours(date!(2025 - 11 - 02)), 25, "fall back");
    let days = new_york.days(date!(2025 - 03 - 08), date!(2025 - 03 - 10));
    assert_eq!(days.len(), 3);
    for pair in days.windows(2) {
        assert_eq!(pair[0].1.until, pair[1].1.from, "days are contiguous");
    }
    assert_eq!(days[2].1.from, at("2025-03-10T04:00:00Z"));
}

#[test]
fn a_midnight_swallowed_by_a_gap_starts_the_day_at_the_gap_end() {
    // Havana springs forward at midnight: 2025-03-09 begins at 01:00 local (05:00 UTC).
    let havana = zone("America/Havana");
    assert_eq!(
        havana.start_of(date!(2025 - 03 - 09)),
        at("2025-03-09T05:00:00Z")
    );
}

#[test]
fn a_range_ending_before_it_starts_is_empty() {
    let utc = Zone::utc();
    let window = utc.window(date!(2025 - 03 - 02), date!(2025 - 02 - 20));
    assert_eq!(window.from, window.until);
    assert!(
        utc.days(date!(2025 - 03 - 02), date!(2025 - 02 - 20))
            .is_empty()
    );
}

#[test]
fn extreme_dates_saturate_instead_of_failing() {
    let new_york = zone("America/New_York");
    let last = new_york.window(date!(9999 - 12 - 31), date!(9999 - 12 - 31));
    assert!(last.from <= last.until);
    let first = new_york.start_of(Date::MIN);
    assert!(first < at("0001-01-01T00:00:00Z"));
    assert_eq!(
        Zone::utc().date_of(Timestamp::from(datetime!(9999-12-31 23:00 UTC))),
        date!(9999 - 12 - 30),
        "the last instant jiff holds"
    );
}

#[test]
fn weeks_start_on_monday_and_months_on_the_first() {
    let utc = Zone::utc();
    // 2025-02-26 is a Wednesday.
    let weeks = utc.spans(date!(2025 - 02 - 26), date!(2025 - 03 - 05), Bucket::Week);
    let firsts: Vec<Date> = weeks.iter().map(|span| span.first_date).collect();
    assert_eq!(firsts, [date!(2025 - 02 - 24), date!(2025 - 03 - 03)]);
    assert_eq!(
        weeks[0].window.from,
        at("2025-02-26T00:00:00Z"),
        "cut to the window"
    );
    assert_eq!(weeks[0].window.until, at("2025-03-03T00:00:00Z"));
    assert_eq!(weeks[1].window.until, at("2025-03-06T00:00:00Z"));

    let months = utc.spans(date!(2025 - 01 - 15), date!(2025 - 03 - 01), Bucket::Month);
    let firsts: Vec<Date> = months.iter().map(|span| span.first_date).collect();
    assert_eq!(
        firsts,
        [
            date!(2025 - 01 - 01),
            date!(2025 - 02 - 01),
            date!(2025 - 03 - 01)
        ]
    );
    assert_eq!(months[1].window.until, at("2025-03-01T00:00:00Z"));
}
