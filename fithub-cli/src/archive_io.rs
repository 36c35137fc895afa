//! Where archives come from and go to: a file or `-` for stdin/stdout. Written: gzip-compressed
//! when the name ends in `.gz` (before an optional `.age`), then age-encrypted when asked.
//! Read: both are recognised by their first bytes, whatever the name. Files are created
//! readable by their owner only, as archives hold password hashes. Progress bars appear only on
//! a terminal.

use std::io::IsTerminal;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use async_compression::tokio::bufread::GzipDecoder;
use async_compression::tokio::write::GzipEncoder;
use indicatif::{HumanCount, ProgressBar, ProgressState, ProgressStyle};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, BufReader, BufWriter, ReadBuf,
};

use crate::encryption::{self, AGE_MAGIC, ARMOR_MAGIC, Keys, Lock};
use crate::output::Stdout;

const BUFFER: usize = 256 * 1024;
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// Whether to write gzip: `backup.jsonl.gz`, `backup.jsonl.gz.age`.
fn is_gzip(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.strip_suffix(".age").unwrap_or(&name).ends_with(".gz")
}

/// The archive to write: stdout for `-`; encrypted when `lock` says so.
pub async fn output(
    path: &Path,
    lock: Option<&Lock>,
) -> anyhow::Result<Pin<Box<dyn AsyncWrite + Send>>> {
    let raw: Pin<Box<dyn AsyncWrite + Send>> = if path == Path::new("-") {
        Box::pin(Stdout::new())
    } else {
        Box::pin(create_private(path).await?)
    };
    let mut out: Pin<Box<dyn AsyncWrite + Send>> = Box::pin(BufWriter::with_capacity(BUFFER, raw));
    if let Some(lock) = lock {
        out = encryption::encrypt(out, lock).await?;
    }
    Ok(if is_gzip(path) {
        Box::pin(GzipEncoder::new(out))
    } else {
        out
    })
}

/// Creates (or truncates) `path` with mode 0600.
async fn create_private(path: &Path) -> anyhow::Result<tokio::fs::File> {
    let cannot =
        |error: std::io::Error| anyhow::anyhow!("cannot create {}: {error}", path.display());
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let file = options.open(path).await.map_err(cannot)?;
    // The mode applies to a new file only: an existing one is made private too, unless it is not
    // a regular file (`--output /dev/null` must not change the device).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = file.metadata().await.map_err(cannot)?;
        if metadata.is_file() && metadata.permissions().mode() & 0o777 != 0o600 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .await
                .map_err(cannot)?;
        }
    }
    Ok(file)
}

/// An archive being read.
pub struct Input {
    /// The plaintext, decrypted and decompressed.
    pub reader: Pin<Box<dyn AsyncBufRead + Send>>,
    /// How many bytes of the file have been read so far (of what is on disk, before decrypting
    /// and decompressing).
    pub read: Arc<AtomicU64>,
    /// The file's size, when known.
    pub size: Option<u64>,
    pub encrypted: bool,
}

/// The archive to read, stdin for `-`: decrypted with `keys` when it is an age file, then
/// decompressed when it is gzip.
pub async fn input(path: &Path, keys: Keys<'_>) -> anyhow::Result<Input> {
    let read = Arc::new(AtomicU64::new(0));
    let (raw, size): (Pin<Box<dyn AsyncRead + Send>>, Option<u64>) = if path == Path::new("-") {
        (Box::pin(tokio::io::stdin()), None)
    } else {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|error| anyhow::anyhow!("cannot open {}: {error}", path.display()))?;
        let size = file.metadata().await.ok().map(|metadata| metadata.len());
        (Box::pin(file), size)
    };
    let counting = Counting {
        inner: raw,
        read: read.clone(),
    };
    let mut reader: Pin<Box<dyn AsyncBufRead + Send>> =
        Box::pin(BufReader::with_capacity(BUFFER, counting));
    let encrypted = starts_with(&mut reader, AGE_MAGIC).await?;
    if encrypted {
        reader = Box::pin(BufReader::with_capacity(
            BUFFER,
            encryption::decrypt(reader, keys).await?,
        ));
    } else if starts_with(&mut reader, ARMOR_MAGIC).await? {
        anyhow::bail!(
            "{} is an ASCII-armored age file: decrypt it with `age -d` first, or export again \
             with --encrypt-to",
            path.display()
        );
    }
    if starts_with(&mut reader, GZIP_MAGIC).await? {
        reader = Box::pin(BufReader::with_capacity(BUFFER, GzipDecoder::new(reader)));
    }
    Ok(Input {
        reader,
        read,
        size,
        encrypted,
    })
}

/// Whether the unread input begins with `magic` (without consuming it).
async fn starts_with(
    reader: &mut Pin<Box<dyn AsyncBufRead + Send>>,
    magic: &[u8],
) -> anyhow::Result<bool> {
    let buffered = reader
        .fill_buf()
        .await
        .map_err(|error| anyhow::anyhow!("cannot read the archive: {error}"))?;
    Ok(buffered.starts_with(magic))
}

/// Counts the bytes read through it.
struct Counting {
    inner: Pin<Box<dyn AsyncRead + Send>>,
    read: Arc<AtomicU64>,
}

impl AsyncRead for Counting {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = self.inner.as_mut().poll_read(cx, buf);
        let added = (buf.filled().len() - before) as u64;
        self.read.fetch_add(added, Ordering::Relaxed);
        polled
    }
}

/// What a progress bar counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Records,
    Lines,
}

/// Whether progress bars are shown: only when stderr is a terminal.
pub fn shows_progress() -> bool {
    std::io::stderr().is_terminal()
}

/// A progress bar on stderr when it is a terminal; hidden otherwise (scripts, CI, pipes). With a
/// total it shows the rate and the time left; without one, a spinner and the count.
pub fn progress_bar(total: Option<u64>, unit: Unit) -> ProgressBar {
    if !shows_progress() {
        return ProgressBar::hidden();
    }
    let (template, bar) = match (total, unit) {
        (Some(total), Unit::Bytes) => (
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg} (ETA {eta})".to_owned(),
            ProgressBar::new(total),
        ),
        (Some(total), _) => (
            "{bar:40} {human_pos}/{human_len} records {rate} {msg} (ETA {eta})".to_owned(),
            ProgressBar::new(total),
        ),
        (None, unit) => {
            let count = match unit {
                Unit::Bytes => "{bytes}",
                Unit::Records => "{human_pos} records",
                Unit::Lines => "{human_pos} lines",
            };
            (
                format!("{{spinner}} {count} {{msg}}"),
                ProgressBar::new_spinner(),
            )
        }
    };
    bar.with_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            // indicatif's {per_sec} shows four decimals: "5,501.2852/s".
            .with_key(
                "rate",
                |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                    let _ = write!(out, "{}/s", HumanCount(state.per_sec().round() as u64));
                },
            ),
    )
}
