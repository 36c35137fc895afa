//! The diary as CSV (API.md §6.3): a header and one row per day, for spreadsheets. Cells are
//! quoted as RFC 4180 says (by the `csv` crate), and text that a spreadsheet would run as a
//! formula is defused with a leading `'`.

use super::{Diary, Nutrients};
use crate::datetime;
use crate::error::{Error, Result};

const HEADER: [&str; 11] = [
    "date",
    "diet",
    "target_calories",
    "target_proteins",
    "target_fats",
    "target_carbs",
    "calories",
    "proteins",
    "fats",
    "carbs",
    "record_count",
];

impl Diary {
    /// The CSV document, rows ending in CRLF as RFC 4180 has them.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let failed = |error: csv::Error| Error::Internal(format!("writing the diary CSV: {error}"));
        writer.write_record(HEADER).map_err(failed)?;
        for day in &self.days {
            let mut row = vec![
                text_cell(&datetime::format_date(day.date)),
                text_cell(day.diet.as_ref().map_or("", |diet| diet.name.as_str())),
            ];
            match day.target {
                Some(target) => row.extend(number_cells(target)),
                None => row.extend(std::iter::repeat_n(String::new(), 4)),
            }
            row.extend(number_cells(day.actual));
            row.push(day.record_count.to_string());
            writer.write_record(&row).map_err(failed)?;
        }
        writer
            .into_inner()
            .map_err(|error| Error::Internal(format!("writing the diary CSV: {error}")))
    }

    /// `fithub-diary-<start>-<end>.csv`.
    pub fn csv_filename(&self) -> String {
        format!(
            "fithub-diary-{}-{}.csv",
            datetime::format_date(self.start),
            datetime::format_date(self.end)
        )
    }
}

/// Text as typed, unless a spreadsheet would take it for a formula: then after a `'`.
pub(super) fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Shortest decimal form: `2500`, `2310.5`.
fn number_cells(values: Nutrients) -> [String; 4] {
    [values.calories, values.proteins, values.fats, values.carbs].map(|value| value.to_string())
}
