//! How core errors look on the wire (API.md §1.5, §1.6). Details of server-side failures are
//! logged, never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fithub_core::Error;
use fithub_core::accounts::{AuthFailure, TokenProblem};
use serde_json::{Value, json};

/// A core error on its way to becoming an HTTP response.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError(error)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

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
            Error::InvalidPage => detail(StatusCode::NOT_FOUND, "Invalid page."),
            Error::Validation(fields) => (StatusCode::BAD_REQUEST, Json(fields)).into_response(),
            Error::Rejected {
                message,
                item: None,
            } => (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response(),
            Error::Rejected {
                message,
                item: Some(item),
            } => (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": message, "item": item })),
            )
                .into_response(),
            Error::Conflict(message) => detail(StatusCode::CONFLICT, &message),
            Error::Unauthenticated(failure) => unauthenticated(failure),
            Error::Forbidden => detail(
                StatusCode::FORBIDDEN,
                "You do not have permission to perform this action.",
            ),
            Error::CsrfFailed(reason) => {
                detail(StatusCode::FORBIDDEN, &format!("CSRF Failed: {reason}"))
            }
            Error::PreconditionFailed => detail(
                StatusCode::PRECONDITION_FAILED,
                "Precondition failed: the object has changed.",
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
                let mut response = detail(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service temporarily unavailable, try again later.",
                );
                // The database is probed every 100 ms while down: a second is worth waiting.
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                response
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

/// A 401 with the compatible body for each failure, and `WWW-Authenticate` always.
fn unauthenticated(failure: AuthFailure) -> Response {
    let body = match failure {
        AuthFailure::NoCredentials => json!({
            "detail": "Authentication credentials were not provided."
        }),
        AuthFailure::MalformedBearer => json!({
            "detail": "Authorization header must contain two space-delimited values",
            "code": "bad_authorization_header",
        }),
        AuthFailure::InvalidAccessToken(problem) => json!({
            "detail": "Given token not valid for any token type",
            "code": "token_not_valid",
            "messages": [{
                "token_class": "AccessToken",
                "token_type": "access",
                "message": match problem {
                    TokenProblem::Expired => "Token is expired",
                    TokenProblem::WrongType => "Token has wrong type",
                    TokenProblem::Invalid | TokenProblem::Revoked => "Token is invalid",
                },
            }],
        }),
        AuthFailure::UserNotFound => json!({"detail": "User not found", "code": "user_not_found"}),
        AuthFailure::UserInactive => json!({"detail": "User is inactive", "code": "user_inactive"}),
        AuthFailure::TokenKeyMissing => json!({
            "detail": "Invalid token header. No credentials provided."
        }),
        AuthFailure::TokenKeyHasSpaces => json!({
            "detail": "Invalid token header. Token string should not contain spaces."
        }),
        AuthFailure::TokenKeyInvalid => json!({"detail": "Invalid token."}),
        AuthFailure::TokenUserInactive => json!({"detail": "User inactive or deleted."}),
        AuthFailure::LoginFailed => json!({
            "detail": "No active account found with the given credentials"
        }),
        AuthFailure::RejectedToken(problem) => json!({
            "detail": match problem {
                TokenProblem::Invalid => "Token is invalid",
                TokenProblem::Expired => "Token is expired",
                TokenProblem::WrongType => "Token has wrong type",
                TokenProblem::Revoked => "Token is blacklisted",
            },
            "code": "token_not_valid",
        }),
        AuthFailure::NoActiveAccount => json!({
            "detail": "No active account found for the given token.",
            "code": "no_active_account",
        }),
    };
    with_authenticate_header((StatusCode::UNAUTHORIZED, Json::<Value>(body)).into_response())
}

/// Every 401 names the scheme to use (API.md §1.5).
fn with_authenticate_header(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"api\""),
    );
    response
}
