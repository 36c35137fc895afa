//! Output shared by the subcommands: a table for people, JSON for scripts.

use clap::ValueEnum;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table or plain lines, for people
    Text,
    /// JSON, for scripts
    Json,
}

/// A table with FitHub's style and the given header.
pub fn table<const N: usize>(header: [&str; N]) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    table
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A core error as the operator should read it: validation messages name the flag they belong to
/// (`--first-name`), or the password.
pub fn explain(error: fithub_core::Error) -> anyhow::Error {
    match error {
        fithub_core::Error::Validation(fields) => {
            let problems: Vec<String> = fields
                .iter()
                .map(|(field, messages)| {
                    let name = match field.as_str() {
                        "password" => "the password".to_owned(),
                        fithub_core::input::NON_FIELD => "input".to_owned(),
                        flag => format!("--{}", flag.replace('_', "-")),
                    };
                    format!("{name}: {}", messages.join(" "))
                })
                .collect();
            anyhow::anyhow!("invalid {}", problems.join("; "))
        }
        other => other.into(),
    }
}
