//! `fithub completions SHELL`: a completion script, generated from the same clap definitions as
//! the commands, so it never falls behind them.

use clap::Args;
use clap_complete::Shell;

use crate::output::write_stdout;
use crate::{Outcome, cli_command};

/// Print the shell completion script for SHELL (see the README for where to put it)
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(args: CompletionsArgs) -> anyhow::Result<Outcome> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cli_command(), "fithub", &mut script);
    write_stdout(format_args!("{}", String::from_utf8_lossy(&script)))?;
    Ok(Outcome::Success)
}
