//! The whole HTTP surface. Each area's handlers are registered through utoipa-axum, so a route
//! cannot exist without being in the OpenAPI document.

mod docs;
mod fallback;
mod health;

use std::sync::Arc;

use axum::{Extension, Router};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::App;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "FitHub API",
        description = "Fitness and nutrition tracking: meals, diets, goals and body measurements."
    ),
    tags(
        (name = "operations", description = "Liveness, readiness and this document"),
    )
)]
struct ApiDoc;

/// Every documented route, with the OpenAPI document they make up.
fn documented_routes() -> (Router<App>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(health::ready))
        .routes(routes!(docs::schema))
        .split_for_parts()
}

/// The OpenAPI document of the whole API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented_routes().1
}

/// The complete application: routes, documentation pages, fallbacks and middleware.
pub fn router(app: App) -> Router {
    let (routes, openapi) = documented_routes();
    let known_paths = Arc::new(fallback::KnownPaths::of(&openapi));
    routes
        .merge(docs::pages())
        .layer(Extension(Arc::new(docs::SchemaDocument::of(&openapi))))
        .fallback(fallback::not_found_or_add_slash)
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .layer(Extension(known_paths))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}
