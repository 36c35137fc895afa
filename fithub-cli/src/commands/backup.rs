//! `fithub backup`: keys for encrypted archives (`fithub export --encrypt-to`).

use std::io::Write;
use std::path::PathBuf;

use age::secrecy::ExposeSecret;
use clap::{Args, Subcommand};
use fithub_core::datetime::Timestamp;

use crate::Outcome;
use crate::encryption::new_identity;
use crate::output::say;

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Make a key pair: the identity (secret key) into FILE, mode 0600; the public key, for
    /// `fithub export --encrypt-to`, on stdout
    Keygen(KeygenArgs),
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Where to write the identity; an existing file is never overwritten
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
}

pub fn run(command: BackupCommand) -> anyhow::Result<Outcome> {
    match command {
        BackupCommand::Keygen(args) => keygen(&args),
    }
}

fn keygen(args: &KeygenArgs) -> anyhow::Result<Outcome> {
    let (identity, public) = new_identity(&Timestamp::now().to_wire());
    let cannot = |error: std::io::Error| {
        anyhow::anyhow!(
            "cannot write the identity to {}: {error}",
            args.output.display()
        )
    };
    let mut options = std::fs::OpenOptions::new();
    // Never over an existing key: it may be the only one that opens earlier backups.
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&args.output).map_err(cannot)?;
    file.write_all(identity.expose_secret().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(cannot)?;
    eprintln!(
        "Wrote the identity to {}: keep it secret, and keep a copy; without it the archives \
         encrypted to it cannot be read.",
        args.output.display()
    );
    say!("{public}")?;
    Ok(Outcome::Success)
}
