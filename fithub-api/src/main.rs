//! `fithub-api`: loads the configuration, brings the database up and serves until SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use fithub_api::{App, serve, shutdown_signal, telemetry};
use fithub_core::config::{self, Config, Sources};
use serde::Serialize;

/// jemalloc rather than glibc's malloc. Each password check needs argon2's 19 MiB; glibc raises
/// its mmap threshold after the first such block is freed and from then on keeps the blocks in
/// its per-thread arenas, so a login flood would leave the API large for good. jemalloc hands
/// blocks that large straight back, and spends less time on a request's many small allocations
/// (README, Performance). The `unprefixed_malloc_on_supported_platforms` feature gives it C's
/// malloc too, so the bundled SQLite allocates from jemalloc's per-thread caches instead of
/// contending for glibc's arenas.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// FitHub's HTTP API. Every flag overrides the environment and `fithub.toml`.
#[derive(Debug, Parser, Serialize)]
#[command(version, about)]
struct Args {
    /// Configuration file (default: fithub.toml in the working directory, if present).
    #[arg(long, value_name = "FILE")]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// Address to listen on [env: FITHUB_BIND] [default: 127.0.0.1:8000].
    #[arg(long, value_name = "ADDR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    bind: Option<String>,
    /// Database URL [env: DATABASE_URL, FITHUB_DATABASE_URL] [default: sqlite://fithub.db].
    #[arg(long, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = match Config::load(Sources {
        file: args.config.as_deref(),
        overrides: &args,
    }) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("fithub-api: {error}");
            return ExitCode::FAILURE;
        }
    };
    let _log_writer = telemetry::init(&config);
    for name in config::unknown_env_vars(std::env::vars()) {
        tracing::warn!(variable = %name, "unknown FITHUB_ variable ignored");
    }
    let settings: Vec<String> = config
        .redacted_entries()
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    tracing::info!(config = %settings.join(" "), "starting fithub-api {}", env!("CARGO_PKG_VERSION"));

    let app = match App::start(config).await {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(app.config.bind).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%error, bind = %app.config.bind, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(address = %app.config.bind, "listening");
    let db = app.db.clone();
    let served = serve(app, listener, shutdown_signal()).await;
    db.close().await;
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(%error, "server failed");
            ExitCode::FAILURE
        }
    }
}
