//! Where archives come from and go to: a file (gzip-compressed when its name ends in `.gz`), or
//! `-` for stdin/stdout. Progress bars appear only on a terminal.

use std::io::IsTerminal;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use async_compression::tokio::bufread::GzipDecoder;
use async_compression::tokio::write::GzipEncoder;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, BufReader, BufWriter, ReadBuf};

fn is_gzip(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "gz")
}

/// The archive to write: stdout for `-`.
pub async fn output(path: &Path) -> anyhow::Result<Pin<Box<dyn AsyncWrite + Send>>> {
    let raw: Pin<Box<dyn AsyncWrite + Send>> = if path == Path::new("-") {
        Box::pin(tokio::io::stdout())
    } else {
        let file = tokio::fs::File::create(path)
            .await
            .map_err(|error| anyhow::anyhow!("cannot create {}: {error}", path.display()))?;
        Box::pin(file)
    };
    let buffered = BufWriter::with_capacity(256 * 1024, raw);
    Ok(if is_gzip(path) {
        Box::pin(GzipEncoder::new(buffered))
    } else {
        Box::pin(buffered)
    })
}

/// The archive to read, stdin for `-`, and how many bytes of it have been read so far (of the
/// compressed bytes, for a `.gz` file). Also its size, when known.
pub async fn input(
    path: &Path,
) -> anyhow::Result<(
    Pin<Box<dyn AsyncBufRead + Send>>,
    Arc<AtomicU64>,
    Option<u64>,
)> {
    let counter = Arc::new(AtomicU64::new(0));
    let (raw, size): (Pin<Box<dyn AsyncRead + Send>>, Option<u64>) = if path == Path::new("-") {
        (Box::pin(tokio::io::stdin()), None)
    } else {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|error| anyhow::anyhow!("cannot open {}: {error}", path.display()))?;
        let size = file.metadata().await.ok().map(|metadata| metadata.len());
        (Box::pin(file), size)
    };
    let counted = BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: raw,
            read: counter.clone(),
        },
    );
    let reader: Pin<Box<dyn AsyncBufRead + Send>> = if is_gzip(path) {
        Box::pin(BufReader::new(GzipDecoder::new(counted)))
    } else {
        Box::pin(counted)
    };
    Ok((reader, counter, size))
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

/// A progress bar on stderr when it is a terminal; hidden otherwise (scripts, CI, pipes).
pub fn progress_bar(total: Option<u64>, unit: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    match total {
        Some(total) => ProgressBar::new(total).with_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template(&format!("{{spinner}} {{pos}} {unit} {{msg}}"))
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    }
}
