//! `fithub config`: the effective configuration, secrets redacted.

use clap::Args;

use crate::output::{Format, print_json, say, table};
use crate::{GlobalArgs, Outcome};

/// Print the effective configuration (defaults < fithub.toml < environment < flags), secrets
/// redacted
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Output: text (a table) or json
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(global: &GlobalArgs, args: ConfigArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    for name in fithub_core::config::unknown_env_vars(std::env::vars()) {
        eprintln!("warning: unknown variable {name} ignored");
    }
    let entries = config.redacted_entries();
    match args.format {
        Format::Json => {
            let object: serde_json::Map<String, serde_json::Value> = entries
                .into_iter()
                .map(|(key, value)| (key.to_owned(), serde_json::Value::String(value)))
                .collect();
            print_json(&object)?;
        }
        Format::Text => {
            let mut table = table(["Setting", "Value"]);
            for (key, value) in entries {
                table.add_row([key.to_owned(), value]);
            }
            say!("{table}")?;
        }
    }
    Ok(Outcome::Success)
}
