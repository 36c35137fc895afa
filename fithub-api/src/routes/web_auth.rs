//! `/auth/`: browser sign-in for the web apps, with a session cookie instead of a token. The
//! answers keep the previous implementation's envelope (`success`, `message`, `user`); the rules
//! (credentials, registration, profile, rate limits, audit) are the ones `/api/` uses.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fithub_core::Error;
use fithub_core::accounts::{self, AuthFailure, Browser, Profile, SessionUser, User};
use fithub_core::input::Mode;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::accounts::RegisterRequest;
use super::auth::LoginRequest;
use super::schemas::Detail;
use crate::App;
use crate::error::ApiError;
use crate::extract::{JsonBody, RequestOrigin};
use crate::form_schema::form_body;
use crate::rate_headers::with_rate_headers;
use crate::session::{self, Cookies, SESSION_COOKIE};

const TAG: &str = "Web authentication";
/// Where the previous implementation's web front end went after signing in.
const DASHBOARD: &str = "/dashboard/";

/// What the handlers need of the request besides its body.
pub struct WebRequest(Parts);

impl<S: Send + Sync> FromRequestParts<S> for WebRequest {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // The headers for the cookies and origin checks, the extensions for the peer address.
        Ok(WebRequest(parts.clone()))
    }
}

impl WebRequest {
    fn browser(&self) -> Browser<'_> {
        Browser {
            session_id: session::cookie(&self.0.headers, SESSION_COOKIE),
            user_agent: self
                .0
                .headers
                .get(header::USER_AGENT)
                .and_then(|value| value.to_str().ok()),
        }
    }
}

/// `{"success": false, …}` answers: field errors under `errors`, a failed login under `error`;
/// anything else (401, 403, 429, 503) as on `/api/`.
fn failure(error: Error) -> Response {
    match error {
        Error::Validation(fields) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"success": false, "errors": fields})),
        )
            .into_response(),
        Error::Unauthenticated(AuthFailure::LoginFailed) => {
            let mut response = (
                StatusCode::UNAUTHORIZED,
                Json(json!({"success": false, "error": "Invalid username or password"})),
            )
                .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"api\""),
            );
            response
        }
        other => ApiError(other).into_response(),
    }
}

/// The answer of a sign-in or a sign-up.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct SignedIn {
    success: bool,
    #[schema(example = "Login successful")]
    message: String,
    user: Profile,
    #[schema(example = "/dashboard/")]
    redirect_url: String,
}

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct AuthError {
    success: bool,
    #[schema(example = "Invalid username or password")]
    error: String,
}

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct AuthErrors {
    success: bool,
    #[schema(example = json!({"username": ["A user with that username already exists."]}))]
    errors: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct SignedOut {
    success: bool,
    #[schema(example = "Logout successful")]
    message: String,
    #[schema(example = "/")]
    redirect_url: String,
}

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct UserInfo {
    success: bool,
    user: Profile,
    is_authenticated: bool,
}

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct AuthStatus {
    success: bool,
    is_authenticated: bool,
    /// `null` when nobody is signed in.
    user: Option<Profile>,
}

form_body!(
    ProfileChanges = accounts::PROFILE_FORM,
    fithub_core::input::Mode::Update
);

#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct ProfileSaved {
    success: bool,
    #[schema(example = "Profile updated successfully")]
    message: String,
    user: Profile,
}

fn signed_in(status: StatusCode, message: &str, user: &User) -> Response {
    (
        status,
        Json(json!({
            "success": true,
            "message": message,
            "user": user.profile(),
            "redirect_url": DASHBOARD,
        })),
    )
        .into_response()
}

/// Sign in with a username and password: sets `sessionid` and `csrftoken`. Replaces any session
/// the browser had. Refused from an untrusted `Origin`.
#[utoipa::path(post, path = "/auth/login/", tag = TAG, operation_id = "auth_login_create", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the cookies are set", body = SignedIn),
        (status = 400, description = "Username and password are required", body = AuthError),
        (status = 401, description = "Wrong credentials or inactive account", body = AuthError),
        (status = 403, description = "Sent from an untrusted origin", body = Detail),
        (status = 429, description = "Too many attempts; see Retry-After", body = Detail),
    ))]
pub async fn login(
    State(app): State<App>,
    request: WebRequest,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody,
) -> Response {
    if let Err(error) = session::check_origin(&request.0, &app) {
        return failure(error);
    }
    let answer =
        match accounts::sign_in(&app.db, &app.auth, &body, &origin, &request.browser()).await {
            Ok((user, new)) => Cookies::for_request(&request.0, &app)
                .signed_in(&new)
                .apply(signed_in(StatusCode::OK, "Login successful", &user)),
            Err(Error::Validation(_)) => (
                StatusCode::BAD_REQUEST,
                Json(json!({"success": false, "error": "Username and password are required"})),
            )
                .into_response(),
            Err(error) => failure(error),
        };
    with_rate_headers(&origin, answer)
}

/// Create an account (the rules of `/api/accounts/register/`) and sign it in.
#[utoipa::path(post, path = "/auth/register/", tag = TAG, operation_id = "auth_register_create", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered and signed in; the cookies are set",
            body = SignedIn),
        (status = 400, description = "Field-keyed errors", body = AuthErrors),
        (status = 403, description = "Sent from an untrusted origin", body = Detail),
        (status = 429, description = "Too many attempts; see Retry-After", body = Detail),
    ))]
pub async fn register(
    State(app): State<App>,
    request: WebRequest,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody,
) -> Response {
    if let Err(error) = session::check_origin(&request.0, &app) {
        return failure(error);
    }
    let browser = request.browser();
    match accounts::register_with_session(&app.db, &app.auth, &body, &origin, &browser).await {
        Ok((user, new)) => Cookies::for_request(&request.0, &app)
            .signed_in(&new)
            .apply(signed_in(
                StatusCode::CREATED,
                "User registered successfully",
                &user,
            )),
        Err(error) => failure(error),
    }
}

/// End this browser session: deleted on the server, the cookie cleared.
#[utoipa::path(post, path = "/auth/logout/", tag = TAG, operation_id = "auth_logout_create",
    security(("session" = [])),
    responses(
        (status = 200, description = "Signed out", body = SignedOut),
        (status = 401, description = "No valid session", body = Detail),
        (status = 403, description = "CSRF check failed", body = Detail),
    ))]
pub async fn logout(
    State(app): State<App>,
    request: WebRequest,
    RequestOrigin(origin): RequestOrigin,
) -> Response {
    let session: SessionUser = match session::current_session(&request.0, &app).await {
        Ok(Some(session)) => session,
        Ok(None) => return failure(Error::Unauthenticated(AuthFailure::NoCredentials)),
        Err(error) => return failure(error),
    };
    if let Err(error) = accounts::sign_out(&app.db, &session, &origin).await {
        return failure(error);
    }
    let answer = Json(json!({
        "success": true,
        "message": "Logout successful",
        "redirect_url": "/",
    }));
    Cookies::for_request(&request.0, &app)
        .signed_out()
        .apply(answer.into_response())
}

/// Who is signed in.
#[utoipa::path(get, path = "/auth/user-info/", tag = TAG, operation_id = "auth_user_info_retrieve",
    security(("session" = []), ("jwt" = []), ("api_token" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = UserInfo),
        (status = 401, description = "Nobody is signed in", body = Detail),
    ))]
pub async fn user_info(State(app): State<App>, request: WebRequest) -> Response {
    match session::identify(&request.0, &app).await {
        Ok(identity) => Json(json!({
            "success": true,
            "user": identity.user.profile(),
            "is_authenticated": true,
        }))
        .into_response(),
        Err(error) => failure(error),
    }
}

/// Whether anyone is signed in. Sets `csrftoken` (the session's token, or the anonymous one the
/// browser already has) so that a page can send its first write, and sends the token in the
/// `X-CSRFToken` header for pages on another host, which cannot read the cookie.
#[utoipa::path(get, path = "/auth/auth-status/", tag = TAG, operation_id = "auth_auth_status_retrieve",
    responses((status = 200, description = "Signed in or not", body = AuthStatus)))]
pub async fn auth_status(State(app): State<App>, request: WebRequest) -> Response {
    let identity = match session::identify(&request.0, &app).await {
        Ok(identity) => Some(identity),
        Err(Error::Unavailable(cause)) => return failure(Error::Unavailable(cause)),
        Err(_) => None,
    };
    let present = session::cookie(&request.0.headers, session::CSRF_COOKIE);
    let wanted = match identity
        .as_ref()
        .and_then(|identity| identity.session.as_ref())
    {
        Some(session) => accounts::csrf_token(&app.auth, &session.key),
        None => accounts::anonymous_csrf_token(present),
    };
    let body: Value = match &identity {
        Some(identity) => json!({
            "success": true,
            "is_authenticated": true,
            "user": identity.user.profile(),
        }),
        None => json!({"success": true, "is_authenticated": false, "user": null}),
    };
    Cookies::for_request(&request.0, &app)
        .csrf_token(&wanted)
        .apply(Json(body).into_response())
}

/// Change `email`, `first_name`, `last_name`, `time_zone` (the rules of
/// `PATCH /api/accounts/profile/`).
#[utoipa::path(post, path = "/auth/update-profile/", tag = TAG, operation_id = "auth_update_profile_create", request_body = ProfileChanges,
    security(("session" = []), ("jwt" = []), ("api_token" = [])),
    responses(
        (status = 200, description = "Saved", body = ProfileSaved),
        (status = 400, description = "Field-keyed errors", body = AuthErrors),
        (status = 401, description = "Nobody is signed in", body = Detail),
        (status = 403, description = "CSRF check failed", body = Detail),
    ))]
pub async fn update_profile(
    State(app): State<App>,
    request: WebRequest,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody,
) -> Response {
    let user = match session::identify(&request.0, &app).await {
        Ok(identity) => identity.user,
        Err(error) => return failure(error),
    };
    match accounts::update_profile(&app.db, &app.auth, &user, &body, Mode::Update, &origin).await {
        Ok(profile) => Json(json!({
            "success": true,
            "message": "Profile updated successfully",
            "user": profile,
        }))
        .into_response(),
        Err(error) => failure(error),
    }
}
