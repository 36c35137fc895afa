//! Liveness and readiness, for load balancers and deploy checks.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fithub_core::db::migrations;
use serde::Serialize;
use utoipa::ToSchema;

use crate::App;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    status: &'static str,
}

/// Liveness: the process answers. Touches no database, so a database outage never makes a load
/// balancer kill healthy replicas.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    #[schema(example = "ready")]
    status: &'static str,
    checks: ReadinessChecks,
    /// Present when unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'static str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessChecks {
    /// `ok`, `unreachable` or `timed out`.
    #[schema(example = "ok")]
    database: String,
    /// `ok`, `unknown` (database unreachable), or what is not applied.
    #[schema(example = "ok")]
    migrations: String,
}

/// Readiness: the database answers within the configured timeout and its schema is current.
#[utoipa::path(get, path = "/ready", tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "Not ready; `checks` names what failed", body = Readiness),
    ))]
pub async fn ready(State(app): State<App>) -> (StatusCode, Json<Readiness>) {
    let timeout = app.config.ready_timeout();
    // Reading the migration history is also the database round trip.
    let checked = tokio::time::timeout(timeout, migrations::status(&app.db)).await;

    let (database, migrations) = match checked {
        Err(_) => {
            tracing::warn!(
                timeout_ms = timeout.as_millis() as u64,
                "readiness: database timed out"
            );
            ("timed out".to_owned(), "unknown".to_owned())
        }
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database check failed");
            ("unreachable".to_owned(), "unknown".to_owned())
        }
        Ok(Ok(statuses)) if migrations::is_current(&statuses) => ("ok".to_owned(), "ok".to_owned()),
        Ok(Ok(statuses)) => {
            let waiting: Vec<String> = statuses
                .iter()
                .filter(|s| {
                    !matches!(
                        s.state,
                        migrations::MigrationState::Applied | migrations::MigrationState::Unknown
                    )
                })
                .map(|s| format!("V{} {}", s.version, s.state.as_str()))
                .collect();
            ("ok".to_owned(), waiting.join(", "))
        }
    };
    let ready = database == "ok" && migrations == "ok";
    let body = Readiness {
        status: if ready { "ready" } else { "unavailable" },
        checks: ReadinessChecks {
            database,
            migrations,
        },
        detail: (!ready).then_some("Service temporarily unavailable, try again later."),
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
