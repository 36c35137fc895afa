//! Prometheus metrics: requests by method, route template and status, their latency, requests in
//! flight, the database pool, and build information. Served at `/metrics`, on the API's address
//! or, with `metrics_bind`, on a separate internal one.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::App;

const REQUESTS: &str = "fithub_http_requests_total";
const DURATION: &str = "fithub_http_request_duration_seconds";
const IN_FLIGHT: &str = "fithub_http_requests_in_flight";
/// Latency buckets, in seconds: fine below 10 ms, where FitHub's budgets are.
const BUCKETS: [f64; 14] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0,
];

/// The process's recorder: the `metrics` facade is global, so it is installed once.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), &BUCKETS)
            .and_then(PrometheusBuilder::install_recorder)
            .expect("the process's only metrics recorder");
        metrics::gauge!("fithub_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        handle
    })
}

/// Counts and times every request, labelled by its route template (`/api/nutrition/diets/{id}/`,
/// never the raw path, which would make a series per object).
pub async fn track(request: Request, next: Next) -> Response {
    handle();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().to_string();
    let in_flight = metrics::gauge!(IN_FLIGHT);
    in_flight.increment(1.0);
    let started = Instant::now();
    let response = next.run(request).await;
    in_flight.decrement(1.0);
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// The Prometheus text of every metric, with the pool's current state.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus metrics, on the API's address unless \
        `FITHUB_METRICS_BIND` names another", content_type = "text/plain", body = String)))]
pub async fn metrics(State(app): State<App>) -> impl IntoResponse {
    let pool = app.db.pool_stats();
    metrics::gauge!("fithub_db_pool_connections").set(f64::from(pool.size));
    metrics::gauge!("fithub_db_pool_idle").set(f64::from(pool.idle));
    metrics::gauge!("fithub_db_pool_max").set(f64::from(pool.max));
    metrics::gauge!("fithub_db_pool_waiting").set(f64::from(pool.waiting));
    if let Some(replicas) = app.db.replicas() {
        // Where the reads went: the replicas' counts against the primary's statements.
        for replica in replicas.statuses() {
            let name = replica.name;
            metrics::gauge!("fithub_db_replica_up", "replica" => name.clone()).set(if replica.up {
                1.0
            } else {
                0.0
            });
            metrics::gauge!("fithub_db_replica_lag_seconds", "replica" => name.clone())
                .set(replica.lag_seconds);
            metrics::counter!("fithub_db_replica_reads_total", "replica" => name)
                .absolute(replica.reads);
        }
        metrics::counter!("fithub_db_replica_fallbacks_total").absolute(replicas.fallbacks());
    }
    let handle = handle();
    handle.run_upkeep();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
}

/// `/metrics` alone, for the separate metrics address.
pub fn metrics_router(app: App) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(app)
}
