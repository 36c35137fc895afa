//! What a client connection may cost: how long it may take to send a request head, how long it
//! may sit idle between requests, and how many connections are open at once.
//!
//! axum's `serve` sets none of these, and hyper's own header timeout also runs while a
//! keep-alive connection waits for its next request, so it cannot tell a slow head from an
//! idle connection. Here each accepted socket is wrapped in [`Guarded`], which watches the bytes
//! go by: after a response (or on a new connection) it is idle; its first byte starts a request
//! head, which must be complete (a blank line) within the header timeout; the head read, the
//! request's own timeout takes over. HTTP/2 (a connection that opens with its preface) keeps only
//! the idle rule, since its frames have no blank line to wait for.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// The end of an HTTP/1 request head.
const HEAD_END: &[u8] = b"\r\n\r\n";
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0";

/// The limits on client connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// From a request's first byte to the end of its head.
    pub header_timeout: Duration,
    /// With no request under way, between the last byte and the next request.
    pub idle_timeout: Duration,
    /// Open at once; further clients wait in the listen backlog until one closes.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self::from_config(&fithub_core::Config::default())
    }
}

impl ConnectionLimits {
    pub fn from_config(config: &fithub_core::Config) -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(config.http_header_timeout_secs.max(1)),
            idle_timeout: Duration::from_secs(config.http_idle_timeout_secs.max(1)),
            max_connections: config.http_max_connections.max(1),
        }
    }
}

/// A TCP listener that hands out [`Guarded`] sockets, at most `max_connections` at a time.
pub struct LimitedListener {
    listener: TcpListener,
    permits: Arc<Semaphore>,
    limits: ConnectionLimits,
}

impl LimitedListener {
    pub fn new(listener: TcpListener, limits: ConnectionLimits) -> Self {
        LimitedListener {
            listener,
            permits: Arc::new(Semaphore::new(limits.max_connections)),
            limits,
        }
    }
}

impl Listener for LimitedListener {
    type Io = Guarded;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Guarded, std::net::SocketAddr) {
        // Not accepting while at the cap leaves new clients in the kernel's backlog instead of
        // spending a file descriptor on each.
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let (stream, address) = Listener::accept(&mut self.listener).await;
        (Guarded::new(stream, permit, self.limits), address)
    }

    fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request: the idle timeout runs.
    Idle,
    /// Some of a request head has arrived: the header timeout runs. `matched` bytes of
    /// [`HEAD_END`] ended the last read.
    Head { matched: usize },
    /// The head is in; the request's own timeout applies.
    Request,
    /// HTTP/2: only the idle timeout, reset by every byte.
    Http2,
}

/// A client socket under [`ConnectionLimits`]; holds its place under the connection cap.
pub struct Guarded {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
    limits: ConnectionLimits,
    phase: Phase,
    first: bool,
    deadline: Pin<Box<Sleep>>,
    /// The reader waiting for bytes. The timeout is polled by reads, so a response that starts
    /// the idle timeout while a read already waits must wake it to poll the new deadline.
    reader: Option<Waker>,
}

impl Guarded {
    fn new(stream: TcpStream, permit: OwnedSemaphorePermit, limits: ConnectionLimits) -> Self {
        Guarded {
            stream,
            _permit: permit,
            limits,
            phase: Phase::Idle,
            first: true,
            deadline: Box::pin(tokio::time::sleep(limits.idle_timeout)),
            reader: None,
        }
    }

    fn restart(&mut self, after: Duration) {
        self.deadline.as_mut().reset(Instant::now() + after);
    }

    /// Follows the phase through bytes just read.
    fn saw(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if std::mem::take(&mut self.first) && bytes.starts_with(H2_PREFACE) {
            self.phase = Phase::Http2;
        }
        match self.phase {
            Phase::Http2 => self.restart(self.limits.idle_timeout),
            Phase::Request => {}
            Phase::Idle => {
                self.phase = Phase::Head { matched: 0 };
                self.restart(self.limits.header_timeout);
                self.scan(bytes);
            }
            Phase::Head { .. } => self.scan(bytes),
        }
    }

    /// Looks for the end of the head, which may straddle reads.
    fn scan(&mut self, bytes: &[u8]) {
        let Phase::Head { mut matched } = self.phase else {
            return;
        };
        for &byte in bytes {
            matched = if byte == HEAD_END[matched] {
                matched + 1
            } else if byte == HEAD_END[0] {
                1
            } else {
                0
            };
            if matched == HEAD_END.len() {
                self.phase = Phase::Request;
                return;
            }
        }
        self.phase = Phase::Head { matched };
    }

    /// A response going out ends the request: the connection is idle again once it is sent.
    fn wrote(&mut self) {
        match self.phase {
            Phase::Http2 => self.restart(self.limits.idle_timeout),
            phase => {
                self.phase = Phase::Idle;
                self.restart(self.limits.idle_timeout);
                if phase == Phase::Request
                    && let Some(reader) = &self.reader
                {
                    reader.wake_by_ref();
                }
            }
        }
    }

    /// An error once the running timeout has passed.
    fn expired(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        if self.phase == Phase::Request {
            return None;
        }
        self.deadline.as_mut().poll(cx).is_ready().then(|| {
            let what = match self.phase {
                Phase::Head { .. } => "the request head took too long",
                _ => "the connection was idle too long",
            };
            io::Error::new(io::ErrorKind::TimedOut, what)
        })
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.saw(&buf.filled()[before..]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => {
                if !this
                    .reader
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
                {
                    this.reader = Some(cx.waker().clone());
                }
                match this.expired(cx) {
                    Some(error) => Poll::Ready(Err(error)),
                    None => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.stream).poll_write(cx, data))?;
        this.wrote();
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.stream).poll_write_vectored(cx, data))?;
        this.wrote();
        Poll::Ready(Ok(written))
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
