//! `/api/auth/`: obtaining, refreshing and verifying credentials (API.md §3.3). Public; the core
//! rate limits the attempts per client address and per username.

use axum::Json;
use axum::extract::State;
use fithub_core::accounts::{self, ApiTokenGrant, TokenPair};
use fithub_core::input::Mode;
use serde_json::{Value, json};

use super::schemas::{Detail, Empty, ValidationErrors};
use crate::App;
use axum::response::Response;

use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, RequestOrigin};
use crate::form_schema::form_body;
use crate::rate_headers::with_rate_headers;

form_body!(
    /// A username and password.
    LoginRequest = accounts::CREDENTIALS_FORM,
    Mode::Create
);
form_body!(RefreshRequest = accounts::REFRESH_FORM, Mode::Create);
form_body!(VerifyRequest = accounts::VERIFY_FORM, Mode::Create);

/// Log in: a new JWT access/refresh pair. Updates the user's last login.
#[utoipa::path(post, path = "/api/auth/jwt/token/", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 400, description = "Missing or blank keys", body = ValidationErrors),
        (status = 401, description = "Wrong credentials or inactive account", body = Detail),
        (status = 429, description = "Too many attempts; see Retry-After", body = Detail),
    ))]
pub async fn obtain_pair(
    State(app): State<App>,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody,
) -> Response {
    let pair = accounts::obtain_token_pair(&app.db, &app.auth, &body, &origin).await;
    with_rate_headers(&origin, pair.map(Json).map_err(ApiError::from))
}

/// Rotate: a new pair for a refresh token, which is then used up. Presenting a used refresh
/// token again revokes every token of its login.
#[utoipa::path(post, path = "/api/auth/jwt/token/refresh/", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 400, description = "Missing key", body = ValidationErrors),
        (status = 401, description = "Invalid, expired, wrong type, used or revoked", body = Detail),
        (status = 429, description = "Too many attempts; see Retry-After", body = Detail),
    ))]
pub async fn refresh(
    State(app): State<App>,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody,
) -> Response {
    let pair = accounts::refresh_token_pair(&app.db, &app.auth, &body, &origin).await;
    with_rate_headers(&origin, pair.map(Json).map_err(ApiError::from))
}

/// Whether a token (access or refresh) is valid and not revoked.
#[utoipa::path(post, path = "/api/auth/jwt/token/verify/", tag = "auth",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "Valid", body = Empty),
        (status = 400, description = "Missing key", body = ValidationErrors),
        (status = 401, description = "Invalid, expired or revoked", body = Detail),
    ))]
pub async fn verify(State(app): State<App>, JsonBody(body): JsonBody) -> ApiResult<Json<Value>> {
    accounts::verify_token(&app.db, &app.auth, &body).await?;
    Ok(Json(json!({})))
}

/// The caller's API token, created on first use; the same key until it is revoked.
#[utoipa::path(post, path = "/api/auth/token/", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "The API token", body = ApiTokenGrant),
        (status = 400, description = "Missing keys or wrong credentials", body = ValidationErrors),
        (status = 429, description = "Too many attempts; see Retry-After", body = Detail),
    ))]
pub async fn api_token(
    State(app): State<App>,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody,
) -> Response {
    let grant = accounts::obtain_api_token(&app.db, &app.auth, &body, &origin).await;
    with_rate_headers(&origin, grant.map(Json).map_err(ApiError::from))
}
