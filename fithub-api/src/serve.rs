//! Serving on a listener until shutdown, then draining in-flight requests.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::connections::{ConnectionLimits, LimitedListener};
use crate::{App, router};

/// Serves the application until `shutdown` completes, then stops accepting connections and waits
/// for in-flight requests (at most the configured `shutdown_grace_secs`).
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = app.config.shutdown_grace();
    let limits = ConnectionLimits::from_config(&app.config);
    tokio::spawn(crate::purge::run(
        app.db.clone(),
        app.config.audit_retention_days,
    ));
    if let Some(address) = app.config.metrics_bind {
        // Metrics on their own, internal address; they live as long as the process.
        let metrics = TcpListener::bind(address).await?;
        tracing::info!(%address, "serving metrics");
        let metrics_app = crate::metrics_router(app.clone());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(metrics, metrics_app).await {
                tracing::error!(%error, "metrics listener failed");
            }
        });
    }
    serve_router(router(app), listener, limits, shutdown, grace).await
}

/// [`serve`] for any router; tests use it to serve handlers of their own.
pub async fn serve_router(
    router: Router,
    listener: TcpListener,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let draining = Arc::new(Notify::new());
    let signal = {
        let draining = draining.clone();
        async move {
            shutdown.await;
            tracing::info!("shutting down: draining in-flight requests");
            draining.notify_one();
        }
    };
    // `tap_io` only for its `ConnectInfo<SocketAddr>`, which axum provides for tapped
    // listeners of any kind.
    let listener = LimitedListener::new(listener, limits).tap_io(|_| {});
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(signal);
    tokio::select! {
        served = server.into_future() => served,
        () = async { draining.notified().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still running after the grace period; exiting");
            Ok(())
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (what orchestrators send).
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
