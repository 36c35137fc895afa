//! How core errors look on the wire (API.md §1.6). Details of server-side failures are logged,
//! never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fithub_core::Error;
use serde_json::json;

/// A core error on its way to becoming an HTTP response.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError(error)
    }
}

/// `{"detail": message}` with a status: API.md's general error shape.
pub fn detail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "detail": message }))).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self.0 {
            Error::NotFound(entity) => detail(
                StatusCode::NOT_FOUND,
                &format!("No {entity} matches the given query."),
            ),
            Error::Validation(fields) => (StatusCode::BAD_REQUEST, Json(fields)).into_response(),
            Error::Conflict(message) => detail(StatusCode::CONFLICT, &message),
            Error::Unauthorized => {
                let mut response = detail(
                    StatusCode::UNAUTHORIZED,
                    "Authentication credentials were not provided.",
                );
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"api\""),
                );
                response
            }
            Error::Forbidden => detail(
                StatusCode::FORBIDDEN,
                "You do not have permission to perform this action.",
            ),
            Error::RateLimited { retry_after_secs } => {
                let mut response = detail(
                    StatusCode::TOO_MANY_REQUESTS,
                    &format!(
                        "Request was throttled. Expected available in {retry_after_secs} seconds."
                    ),
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                response
            }
            Error::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                detail(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service temporarily unavailable, try again later.",
                )
            }
            error @ (Error::Config(_) | Error::Migration(_) | Error::Internal(_)) => {
                tracing::error!(%error, "request failed");
                detail(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "A server error occurred.",
                )
            }
        }
    }
}
