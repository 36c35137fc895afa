//! Output shared by the subcommands: a table for people, JSON for scripts, and stdout that may be
//! closed early (`fithub export | head`).

use std::fmt;
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use clap::ValueEnum;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use fithub_core::datetime::Timestamp;
use serde::Serialize;
use time::OffsetDateTime;
use time::macros::format_description;
use tokio::io::AsyncWrite;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table or plain lines, for people
    Text,
    /// JSON, for scripts
    Json,
}

/// Set once a write to stdout found it closed: the reader went away (`| head`), so the command
/// ends quietly with status 0, as other Unix tools do, whatever error that write caused.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Passes `result` on, noting a closed stdout.
fn watch<T>(result: std::io::Result<T>) -> std::io::Result<T> {
    if let Err(error) = &result
        && error.kind() == std::io::ErrorKind::BrokenPipe
    {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
    result
}

/// Writes to stdout; unlike `print!`, a closed stdout is an error to return, not a panic.
pub fn write_stdout(args: fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    watch(stdout.write_fmt(args).and_then(|()| stdout.flush()))
}

/// `println!` through [`write_stdout`]: `say!("…")?`.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use say;

/// Stdout for streamed output (archives), noting when it is closed.
pub struct Stdout(tokio::io::Stdout);

impl Stdout {
    pub fn new() -> Stdout {
        Stdout(tokio::io::stdout())
    }
}

impl AsyncWrite for Stdout {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf).map(watch)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx).map(watch)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx).map(watch)
    }
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

/// A time as a table shows it: UTC to the second (`2025-03-02 07:45:00Z`). JSON keeps the full
/// precision.
pub fn time(at: Timestamp) -> String {
    offset_time(at.as_offset())
}

/// [`time`] for a `time` value (migration history).
pub fn offset_time(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| at.to_string())
}

/// A count and its noun: "1 record", "2200 records".
pub fn records(count: u64) -> String {
    let noun = if count == 1 { "record" } else { "records" };
    format!("{count} {noun}")
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    say!("{}", serde_json::to_string_pretty(value)?)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_show_times_to_the_second_in_utc() {
        let at = Timestamp::parse("2025-03-02T07:45:00.123456Z").expect("time");
        assert_eq!(time(at), "2025-03-02 07:45:00Z");
    }

    #[test]
    fn counts_read_as_english() {
        assert_eq!(records(1), "1 record");
        assert_eq!(records(0), "0 records");
        assert_eq!(records(2200), "2200 records");
    }
}
