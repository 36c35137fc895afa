//! Answers for requests no route takes: JSON 404s, JSON 405s, and the trailing-slash redirect.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::App;
use crate::error::{ApiError, detail};

/// The documented path templates, for telling "missing its trailing slash" from "unknown".
pub struct KnownPaths(matchit::Router<()>);

impl KnownPaths {
    pub fn of(openapi: &utoipa::openapi::OpenApi) -> Self {
        let mut paths = matchit::Router::new();
        for template in openapi.paths.paths.keys() {
            // OpenAPI and matchit share the `{param}` syntax; a clash means a duplicate route.
            let _ = paths.insert(template.clone(), ());
        }
        KnownPaths(paths)
    }

    /// Adds paths the document does not describe (the HTML pages).
    pub fn with(mut self, paths: &[&str]) -> Self {
        for path in paths {
            let _ = self.0.insert(*path, ());
        }
        self
    }

    fn contains(&self, path: &str) -> bool {
        self.0.at(path).is_ok()
    }
}

/// A known path without its trailing slash is redirected to the slash form, query kept
/// (API.md §1.1): `301` for `GET` and `HEAD`, `308` for other methods, so that a client following
/// it sends the same method and body again (§6.6). Anything else is
/// `404 {"detail": "Not found."}`.
pub async fn not_found_or_add_slash(
    Extension(known): Extension<Arc<KnownPaths>>,
    method: Method,
    uri: Uri,
) -> Response {
    let path = uri.path();
    if !path.ends_with('/') {
        let with_slash = format!("{path}/");
        if known.contains(&with_slash) {
            let location = match uri.query() {
                Some(query) => format!("{with_slash}?{query}"),
                None => with_slash,
            };
            let status = if method == Method::GET || method == Method::HEAD {
                StatusCode::MOVED_PERMANENTLY
            } else {
                StatusCode::PERMANENT_REDIRECT
            };
            if let Ok(location) = HeaderValue::from_str(&location) {
                return (status, [(header::LOCATION, location)]).into_response();
            }
        }
    }
    detail(StatusCode::NOT_FOUND, "Not found.")
}

/// `405 {"detail": "Method \"X\" not allowed."}`; axum adds the `Allow` header. On a protected
/// path, credentials are checked first: 401 comes before 405 (API.md §1.6).
pub async fn method_not_allowed(State(app): State<App>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    if !is_public(parts.uri.path())
        && let Err(error) = crate::session::identify(&parts, &app).await
    {
        return ApiError(error).into_response();
    }
    detail(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("Method \"{}\" not allowed.", parts.method),
    )
}

/// Paths that need no credentials (API.md §1.5), besides everything outside `/api/`.
fn is_public(path: &str) -> bool {
    const PUBLIC_PREFIXES: &[&str] = &[
        "/api/auth/",
        "/api/accounts/register/",
        "/api/schema/",
        "/api/docs/",
        "/api/redoc/",
    ];
    !path.starts_with("/api/")
        || PUBLIC_PREFIXES
            .iter()
            .any(|prefix| path.starts_with(prefix))
}
