//! `fithub man`: man pages, generated from the same clap definitions as the commands.

use std::path::PathBuf;

use clap::Args;

use crate::output::write_stdout;
use crate::{Outcome, cli_command};

/// Print the fithub(1) man page, or write a page for every command into a directory
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write fithub.1 and one page per subcommand (fithub-user-create.1, …) into DIR, which must
    /// exist
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
}

pub fn run(args: ManArgs) -> anyhow::Result<Outcome> {
    match args.output {
        Some(dir) => {
            clap_mangen::generate_to(cli_command(), &dir).map_err(|error| {
                anyhow::anyhow!("writing man pages to {}: {error}", dir.display())
            })?;
            eprintln!("Wrote the man pages to {}", dir.display());
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cli_command()).render(&mut page)?;
            write_stdout(format_args!("{}", String::from_utf8_lossy(&page)))?;
        }
    }
    Ok(Outcome::Success)
}
