//! Questions to the operator at a terminal. Every question has a flag that answers it instead, and
//! off a terminal nothing is ever asked: the command stops with a usage error naming that flag, so
//! scripts and CI never hang waiting for an answer.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use crate::UsageError;

/// Both ends of a conversation are a terminal: answers come from stdin, questions go to stderr.
pub fn on_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// A usage error for a question that cannot be asked: `what` is missing; `instead` says which
/// flag gives it.
pub fn cannot_ask(what: &str, instead: &str) -> anyhow::Error {
    UsageError(format!("no terminal to ask for {what}: pass {instead}")).into()
}

/// A line of text. Empty answers are refused unless `allow_empty`.
pub fn text(prompt: &str, allow_empty: bool) -> anyhow::Result<String> {
    Ok(dialoguer::Input::<String>::new()
        .with_prompt(prompt)
        .allow_empty(allow_empty)
        .interact_text()?)
}

/// A hidden answer, typed twice when `confirm` names the second question.
pub fn secret(prompt: &str, confirm: Option<&str>) -> anyhow::Result<String> {
    let mut question = dialoguer::Password::new().with_prompt(prompt);
    if let Some(again) = confirm {
        question = question.with_confirmation(again, "The two entries do not match; again.");
    }
    Ok(question.interact()?)
}

/// Yes or no, "no" by default.
pub fn confirm(prompt: &str) -> anyhow::Result<bool> {
    Ok(dialoguer::Confirm::new()
        .with_prompt(prompt)
        .default(false)
        .interact()?)
}

/// The first line of stdin, for `--password-stdin`; `flag` names it in the error.
pub fn first_line_of_stdin(flag: &str) -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    non_empty_line(&line, flag)
}

/// The first line of a file (a passphrase file); `flag` names it in the errors.
pub fn first_line_of_file(path: &Path, flag: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| anyhow::anyhow!("{flag} {}: {error}", path.display()))?;
    non_empty_line(text.lines().next().unwrap_or_default(), flag)
}

fn non_empty_line(line: &str, flag: &str) -> anyhow::Result<String> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.is_empty() {
        return Err(UsageError(format!("{flag}: the first line is empty")).into());
    }
    Ok(line.to_owned())
}
