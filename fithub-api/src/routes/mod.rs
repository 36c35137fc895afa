//! The whole HTTP surface. Each area's handlers are registered through utoipa-axum, so a route
//! cannot exist without being in the OpenAPI document.

mod accounts;
mod auth;
mod docs;
mod fallback;
mod goals;
mod health;
mod nutrition;
mod pages;
pub(crate) mod schemas;
mod web_auth;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::{Extension, Router};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::MAX_BODY_BYTES;
use crate::{App, conditional, idempotency, metrics, middleware, telemetry};
use schemas::SecuritySchemes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "FitHub API",
        description = "Fitness and nutrition tracking: meals, diets, goals and body measurements."
    ),
    tags(
        (name = "auth", description = "Obtaining, refreshing and verifying credentials"),
        (name = "accounts", description = "Registration, profile, password, account deletion"),
        (name = "nutrition", description = "Diets, meals, ingredients, categories, records, preferences"),
        (name = "goals", description = "Goals and body measurements"),
        (name = "operations", description = "Liveness, readiness and this document"),
        (name = "Web authentication", description = "Browser sign-in with a session cookie (`sessionid`); \
            unsafe methods under a session need the `X-CSRFToken` header"),
    ),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

/// Every documented route, with the OpenAPI document they make up.
fn documented_routes() -> (Router<App>, utoipa::openapi::OpenApi) {
    let router = OpenApiRouter::with_openapi(ApiDoc::openapi());
    goals::routes(nutrition::routes(router))
        .routes(routes!(auth::obtain_pair))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::verify))
        .routes(routes!(auth::api_token))
        .routes(routes!(accounts::root))
        .routes(routes!(accounts::register))
        .routes(routes!(
            accounts::profile,
            accounts::replace_profile,
            accounts::update_profile
        ))
        .routes(routes!(accounts::change_password))
        .routes(routes!(accounts::delete_account))
        .routes(routes!(accounts::export))
        .routes(routes!(health::health))
        .routes(routes!(health::ready))
        .routes(routes!(docs::schema))
        .routes(routes!(web_auth::login))
        .routes(routes!(web_auth::register))
        .routes(routes!(web_auth::logout))
        .routes(routes!(web_auth::user_info))
        .routes(routes!(web_auth::auth_status))
        .routes(routes!(web_auth::update_profile))
        .split_for_parts()
}

/// `/metrics` is documented, but mounted by [`router`] only on the API's own address.
#[derive(OpenApi)]
#[openapi(paths(metrics::metrics))]
struct MetricsDoc;

/// The OpenAPI document of the whole API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut openapi = documented_routes().1;
    openapi.merge(MetricsDoc::openapi());
    crate::openapi::accept_sessions(&mut openapi);
    crate::openapi::finish(&mut openapi);
    openapi
}

/// The complete application: routes, documentation pages, fallbacks and middleware.
/// The request's database scope: authentication hands its connection to the handler's first
/// statement (`fithub_core::db::handover`), so that a request queues for the pool once, not
/// twice; and its reads go to a replica only where they may (`fithub_core::db::reads`).
async fn database_scope(State(app): State<App>, request: Request, next: Next) -> Response {
    let reads = fithub_core::db::reads::scope(&app.db, next.run(request));
    fithub_core::db::handover::scope(reads).await
}

pub fn router(app: App) -> Router {
    let config = app.config.clone();
    let (mut routes, _) = documented_routes();
    let openapi = openapi();
    if config.metrics_bind.is_none() {
        // Otherwise served on the internal metrics address only (see `serve`).
        routes = routes.route("/metrics", axum::routing::get(metrics::metrics));
    }
    let known_paths = Arc::new(fallback::KnownPaths::of(&openapi).with(pages::PATHS));
    let creating = idempotency::CreatingRoutes::of(&openapi);
    let mut router = routes
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            idempotency::idempotent,
        ))
        .layer(axum::middleware::from_fn(conditional::etags))
        .layer(Extension(creating))
        .merge(docs::pages())
        .merge(pages::routes())
        .layer(Extension(Arc::new(docs::SchemaDocument::of(&openapi))))
        .fallback(fallback::not_found_or_add_slash)
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .layer(Extension(known_paths))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            database_scope,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            config.request_timeout(),
        ))
        .layer(axum::middleware::map_response(
            middleware::json_error_bodies,
        ))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(telemetry::request_span)
                .on_response(telemetry::log_response)
                .on_failure(()),
        )
        .layer(CompressionLayer::new());
    for header in middleware::security_headers(&config) {
        router = router.layer(header);
    }
    router
        .layer(middleware::cors(&config))
        // Outermost: every request has an id before anything logs it, and every answer carries it.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(app)
}
