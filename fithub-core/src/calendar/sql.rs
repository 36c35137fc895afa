//! Local days and buckets handed to SQL as rows of instants, so that a query can group by the
//! caller's calendar without any time-zone arithmetic of its own.

use crate::db::Query;

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
