//! Tracing: human-readable on a terminal, JSON lines otherwise (log collectors parse them). One
//! line per request: its id, method, route template, status, latency and the user, never a body,
//! a password, a token or a secret.

use std::io::IsTerminal;
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use fithub_core::config::{Config, LogFormat};
use tracing::Span;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `RUST_LOG`, when set, overrides `log_level`. Keep the returned
/// guard until the process ends: dropping it writes out the lines still queued.
///
/// Lines are written by a thread of their own. Written from the request's worker thread, every
/// line was a blocking write to stdout, CPU taken from requests under load, and a stalled log
/// collector would stall requests. The queue holds 16,384 lines, seconds of logs at full load,
/// fewer than the default so as not to take memory up front (README, Performance); when full,
/// logging waits rather than dropping lines.
pub fn init(config: &Config) -> WorkerGuard {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match config.log_format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stdout().is_terminal(),
    };
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(16_384)
        .finish(std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    // try_init: a second initialisation (tests) keeps the first subscriber.
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
    guard
}

/// The span of one request; handlers that authenticate record `user_id` into it.
pub fn request_span(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id,
        method = %request.method(),
        route,
        user_id = tracing::field::Empty,
    )
}

/// The request's line: status and latency, in its span (id, method, route, user).
pub fn log_response(response: &Response, latency: Duration, _span: &Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "request"
    );
}
