//! The API's description: `/api/schema/` (OpenAPI), `/api/docs/` (Swagger UI) and `/api/redoc/`
//! (ReDoc). Both pages work offline: Swagger UI's assets are compiled in (utoipa-swagger-ui's
//! `vendored` feature) and ReDoc's bundle is served from `assets/redoc/`, never a CDN.

use std::sync::Arc;

use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::App;

const REDOC_BUNDLE: &[u8] = include_bytes!("../../assets/redoc/redoc.standalone.js");
const REDOC_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>FitHub API</title>
  </head>
  <body>
    <redoc spec-url="/api/schema/?format=json"></redoc>
    <script src="/api/redoc/redoc.standalone.js"></script>
  </body>
</html>
"#;

/// The OpenAPI document, serialized once at start in both formats.
pub struct SchemaDocument {
    json: String,
    yaml: String,
}

impl SchemaDocument {
    pub fn of(openapi: &utoipa::openapi::OpenApi) -> Self {
        SchemaDocument {
            // Serializing a document built from types cannot fail.
            json: openapi.to_json().unwrap_or_default(),
            yaml: openapi.to_yaml().unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
pub struct SchemaQuery {
    format: Option<String>,
}

/// The OpenAPI 3 document: YAML by default, JSON with `?format=json` or when `Accept` prefers it.
#[utoipa::path(get, path = "/api/schema/", tag = "operations",
    params(("format" = Option<String>, Query, description = "`json` for JSON; YAML otherwise")),
    responses((status = 200, description = "The OpenAPI document",
        content((String = "application/vnd.oai.openapi"), (Object = "application/vnd.oai.openapi+json")))))]
pub async fn schema(
    Extension(document): Extension<Arc<SchemaDocument>>,
    Query(query): Query<SchemaQuery>,
    headers: HeaderMap,
) -> Response {
    let wants_json = query.format.as_deref() == Some("json") || accept_prefers_json(&headers);
    let (content_type, body) = if wants_json {
        ("application/vnd.oai.openapi+json", document.json.clone())
    } else {
        (
            "application/vnd.oai.openapi; charset=utf-8",
            document.yaml.clone(),
        )
    };
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

/// True when the first media type of `Accept` that names JSON or YAML names JSON.
fn accept_prefers_json(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    accept
        .split(',')
        .map(|part| part.split(';').next().unwrap_or_default().trim())
        .find(|media| media.contains("json") || media.contains("yaml"))
        .is_some_and(|media| media.contains("json"))
}

/// The two documentation pages and their assets.
pub fn pages() -> Router<App> {
    // Keeps the credentials a user entered across reloads of the explorer.
    let config = SwaggerConfig::from("/api/schema/?format=json").persist_authorization(true);
    let swagger = SwaggerUi::new("/api/docs").config(config);
    Router::new()
        .route("/api/redoc/", get(|| async { Html(REDOC_PAGE) }))
        .route("/api/redoc/redoc.standalone.js", get(redoc_bundle))
        .merge(swagger)
        // The pages load scripts, styles and workers of their own: a CSP of their own.
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(crate::middleware::DOCS_CSP),
        ))
}

async fn redoc_bundle() -> impl IntoResponse {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        REDOC_BUNDLE,
    )
}
