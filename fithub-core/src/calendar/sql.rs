//! Local days and buckets handed to SQL as rows of instants, so that a query can group by the
//! caller's calendar without any time-zone arithmetic of its own.

use crate::db::{Dialect, Query};

use super::Span;

/// Appends `{name} (slot, first_date, span_from, span_until) AS (VALUES …)`, one row per span in
/// order (`slot` counts from 0), for a `WITH` clause. `spans` must not be empty: SQL has no empty
/// `VALUES`.
pub fn push_spans(query: &mut Query, name: &str, spans: &[Span]) {
    query
        .push(name)
        .push(" (slot, first_date, span_from, span_until) AS (VALUES ");
    for (slot, span) in spans.iter().enumerate() {
        if slot > 0 {
            query.push(", ");
        }
        // The slot is this function's own counter, safe to write as text.
        query.push(&format!("({slot}, "));
        query.push_bind(span.first_date).push(", ");
        query.push_bind(span.window.from).push(", ");
        query.push_bind(span.window.until).push(")");
    }
    query.push(")");
}

/// Appends a `CASE` giving the slot (the index in `spans`) of the instant `column`, which must lie
/// in the spans. Runs of 24-hour spans are counted by whole days from the run's first instant;
/// a day that daylight saving makes 23 or 25 hours long is a run of its own. So one scan of the
/// rows finds their days, with a few comparisons each, whatever the number of days.
pub fn push_slot_of(query: &mut Query, dialect: Dialect, column: &str, spans: &[Span]) {
    const DAY: i64 = 86_400;
    let is_day =
        |span: &Span| span.window.until.unix_seconds() - span.window.from.unix_seconds() == DAY;
    query.push("CASE");
    let mut i = 0;
    while i < spans.len() {
        let first = i;
        let regular = is_day(&spans[i]);
        while regular && i + 1 < spans.len() && is_day(&spans[i + 1]) {
            i += 1;
        }
        query.push(" WHEN ").push(column).push(" < ");
        query.push_bind(spans[i].window.until).push(" THEN ");
        // The slots are this function's own counters, safe to write as text.
        query.push(&first.to_string());
        if regular {
            query
                .push(" + (")
                .push(&dialect.epoch_seconds(column))
                .push(" - ");
            query
                .push_bind(spans[first].window.from.unix_seconds())
                .push(&format!(") / {DAY}"));
        }
        i += 1;
    }
    query.push(" END");
}
