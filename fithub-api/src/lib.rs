//! FitHub's HTTP API: routing, extraction, status codes and the OpenAPI document. Every rule of the
//! domain lives in `fithub-core`; a handler parses, calls one core function and serializes.
//!
//! `router(app)` builds the whole application, so tests drive it in-process; `serve` runs it on a
//! listener until a shutdown future completes, then drains in-flight requests.

mod app;
mod conditional;
mod connections;
mod content_disposition;
mod error;
mod extract;
mod form_schema;
mod idempotency;
mod metrics;
mod middleware;
mod openapi;
mod pagination;
mod purge;
mod rate_headers;
mod resource;
mod routes;
mod serve;
mod session;
pub mod telemetry;

pub use app::App;
pub use connections::ConnectionLimits;
pub use error::ApiError;
pub use metrics::metrics_router;
pub use routes::{openapi, router};
pub use serve::{serve, serve_router, shutdown_signal};
