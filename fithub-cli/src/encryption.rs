//! Encrypted archives, in the age format (age-encryption.org/v1): to X25519 recipients (keys made
//! by `fithub backup keygen`) or to a passphrase. Both directions stream in age's 64 KiB chunks,
//! so memory stays flat whatever the archive's size, and each chunk is authenticated before any
//! of it is handed on: a tampered or truncated archive fails before its bad part reaches the
//! import (which runs in one transaction, so nothing is written).

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::task::{Context, Poll};

use age::secrecy::SecretString;
use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::compat::{
    FuturesAsyncReadCompatExt, FuturesAsyncWriteCompatExt, TokioAsyncReadCompatExt,
    TokioAsyncWriteCompatExt,
};

use crate::{UsageError, prompt};

/// How a binary age file begins.
pub const AGE_MAGIC: &[u8] = b"age-encryption.org/";
/// How an ASCII-armored age file begins.
pub const ARMOR_MAGIC: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// Where a passphrase comes from: a file, or a question on the terminal.
#[derive(Debug, Clone, Copy)]
pub struct Passphrase<'a> {
    /// `--passphrase`: ask on the terminal.
    pub ask: bool,
    /// `--passphrase-file`: its first line.
    pub file: Option<&'a Path>,
}

impl Passphrase<'_> {
    fn given(&self) -> bool {
        self.ask || self.file.is_some()
    }

    /// Reads it; on a terminal it is typed twice when `confirm` (a typo would lock the backup).
    fn read(&self, confirm: bool) -> anyhow::Result<SecretString> {
        let text = match self.file {
            Some(path) => prompt::first_line_of_file(path, "--passphrase-file")?,
            None if prompt::on_terminal() => {
                prompt::secret("Passphrase", confirm.then_some("Repeat the passphrase"))?
            }
            None => {
                return Err(prompt::cannot_ask(
                    "the passphrase",
                    "--passphrase-file FILE",
                ));
            }
        };
        Ok(SecretString::from(text))
    }
}

/// How an export is encrypted.
pub enum Lock {
    Recipients(Vec<age::x25519::Recipient>),
    Passphrase(SecretString),
}

impl Lock {
    /// The export's flags as a lock; `None` for a plain archive.
    pub fn from_flags(
        recipients: &[String],
        passphrase: Passphrase<'_>,
    ) -> anyhow::Result<Option<Lock>> {
        if passphrase.given() {
            return Ok(Some(Lock::Passphrase(passphrase.read(true)?)));
        }
        if recipients.is_empty() {
            return Ok(None);
        }
        let parsed = recipients
            .iter()
            .map(|text| {
                age::x25519::Recipient::from_str(text.trim()).map_err(|_| {
                    UsageError(format!(
                        "--encrypt-to {text}: not an age public key (age1…); make a key pair \
                         with `fithub backup keygen`"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Lock::Recipients(parsed)))
    }

    /// For messages: "2 recipients", "a passphrase".
    pub fn describe(&self) -> String {
        match self {
            Lock::Recipients(recipients) if recipients.len() == 1 => "1 recipient".to_owned(),
            Lock::Recipients(recipients) => format!("{} recipients", recipients.len()),
            Lock::Passphrase(_) => "a passphrase".to_owned(),
        }
    }
}

/// `out`, encrypting what is written to it. Shut it down to finish the archive: age's last chunk
/// is written then, and without it the archive is refused as truncated.
pub async fn encrypt(
    out: Pin<Box<dyn AsyncWrite + Send>>,
    lock: &Lock,
) -> anyhow::Result<Pin<Box<dyn AsyncWrite + Send>>> {
    let encryptor = match lock {
        Lock::Recipients(recipients) => age::Encryptor::with_recipients(
            recipients
                .iter()
                .map(|recipient| recipient as &dyn age::Recipient),
        )?,
        Lock::Passphrase(passphrase) => age::Encryptor::with_user_passphrase(passphrase.clone()),
    };
    let writer = encryptor.wrap_async_output(out.compat_write()).await?;
    Ok(Box::pin(writer.compat_write()))
}

/// What an import may decrypt with.
#[derive(Debug, Clone, Copy)]
pub struct Keys<'a> {
    /// `--identity` files.
    pub identities: &'a [PathBuf],
    pub passphrase: Passphrase<'a>,
}

/// The plaintext of the age file `input`.
pub async fn decrypt(
    input: Pin<Box<dyn AsyncBufRead + Send>>,
    keys: Keys<'_>,
) -> anyhow::Result<Pin<Box<dyn AsyncRead + Send>>> {
    let decryptor = age::Decryptor::new_async_buffered(input.compat())
        .await
        .map_err(|error| anyhow::anyhow!("cannot decrypt the archive: {}", explain(&error)))?;
    let identities: Vec<Box<dyn age::Identity + Send + Sync>> = if decryptor.is_scrypt() {
        if !keys.passphrase.given() && !prompt::on_terminal() {
            return Err(UsageError(
                "the archive is encrypted with a passphrase: pass --passphrase-file FILE, or \
                 --passphrase on a terminal"
                    .into(),
            )
            .into());
        }
        vec![Box::new(age::scrypt::Identity::new(
            keys.passphrase.read(false)?,
        ))]
    } else {
        if keys.identities.is_empty() {
            return Err(UsageError(
                "the archive is encrypted to a key: pass --identity FILE (the file \
                 `fithub backup keygen` wrote)"
                    .into(),
            )
            .into());
        }
        let mut identities = Vec::new();
        for path in keys.identities {
            identities.extend(read_identities(path)?);
        }
        identities
    };
    let stream = decryptor
        .decrypt_async(identities.iter().map(|identity| identity.as_ref() as _))
        .map_err(|error| anyhow::anyhow!("cannot decrypt the archive: {}", explain(&error)))?;
    Ok(Box::pin(Checked(stream.compat())))
}

/// The identities in an identity file.
fn read_identities(path: &Path) -> anyhow::Result<Vec<Box<dyn age::Identity + Send + Sync>>> {
    let unreadable =
        |error: &dyn std::fmt::Display| anyhow::anyhow!("--identity {}: {error}", path.display());
    let file = std::fs::File::open(path).map_err(|error| unreadable(&error))?;
    age::IdentityFile::from_buffer(io::BufReader::new(file))
        .map_err(|error| unreadable(&error))?
        .into_identities()
        .map_err(|error| unreadable(&error))
}

/// An age error in words that say what to do.
fn explain(error: &age::DecryptError) -> String {
    match error {
        age::DecryptError::NoMatchingKeys => {
            "it is not encrypted to any key of the --identity file(s) (the wrong key?)".into()
        }
        age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed => {
            "the passphrase is wrong (or the archive's header was tampered with)".into()
        }
        age::DecryptError::InvalidMac | age::DecryptError::InvalidHeader => {
            "its header is damaged or was tampered with".into()
        }
        age::DecryptError::ExcessiveWork { required, target } => format!(
            "its passphrase needs scrypt work factor {required}, far above this machine's \
             {target}: refused (it would take very long)"
        ),
        // age cannot tell a header it fails to parse from one of a future version.
        age::DecryptError::UnknownFormat => {
            "its header cannot be read (damaged, or written by a newer age version)".into()
        }
        age::DecryptError::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// The plaintext stream, with age's chunk failures told as what they mean for the archive.
struct Checked<R>(R);

impl<R: AsyncRead + Unpin> AsyncRead for Checked<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0)
            .poll_read(cx, buf)
            .map_err(|error| match error.kind() {
                io::ErrorKind::InvalidData => io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the encrypted archive is damaged or was tampered with (a chunk fails \
                 authentication)",
                ),
                io::ErrorKind::UnexpectedEof => io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the encrypted archive is truncated",
                ),
                _ => error,
            })
    }
}

/// A new X25519 key pair: the identity file's text (secret) and the public key.
pub fn new_identity(created: &str) -> (SecretString, String) {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let text = format!(
        "# created: {created}\n# public key: {public}\n{}\n",
        identity.to_string().expose_secret()
    );
    (SecretString::from(text), public)
}
