//! `/api/accounts/`: registration, the profile, password change, account deletion (API.md §3.4).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fithub_core::accounts::{self, Profile, Registered};
use fithub_core::audit::{self, Entry};
use fithub_core::input::Mode;
use fithub_core::precondition::ETag;
use fithub_core::transfer::{self, ExportScope};
use serde_json::{Value, json};
use tokio_util::io::ReaderStream;
use utoipa::ToSchema;

use super::schemas::{Detail, Empty, Message, ValidationErrors};
use crate::App;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Actor, CurrentUser, JsonBody, RequestOrigin};
use crate::form_schema::form_body;
use crate::rate_headers::with_rate_headers;

form_body!(RegisterRequest = accounts::REGISTRATION_FORM, Mode::Create);
form_body!(ProfileRequest = accounts::PROFILE_FORM, Mode::Update);

/// The answer of `PATCH /api/accounts/profile/`.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct ProfileUpdated {
    user: Profile,
    #[schema(example = "Profile updated successfully")]
    message: String,
}

form_body!(
    ChangePasswordRequest = accounts::PASSWORD_CHANGE_FORM,
    Mode::Create
);

/// An empty object, for authenticated clients to check their credentials.
#[utoipa::path(get, path = "/api/accounts/", tag = "accounts",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = Empty), (status = 401, body = Detail)))]
pub async fn root(_caller: CurrentUser) -> Json<Value> {
    Json(json!({}))
}

/// Create an account; answers with its profile and a first token pair.
#[utoipa::path(post, path = "/api/accounts/register/", tag = "accounts",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Created", body = Registered),
        (status = 400, description = "Invalid keys, passwords that differ, or a weak password",
            body = ValidationErrors),
        (status = 429, description = "Too many attempts; see Retry-After", body = Detail),
    ))]
pub async fn register(
    State(app): State<App>,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    let registered = accounts::register(&app.db, &app.auth, &body, &origin).await?;
    Ok((StatusCode::CREATED, Json(registered)))
}

/// The caller's profile.
#[utoipa::path(get, path = "/api/accounts/profile/", tag = "accounts",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = Profile), (status = 401, body = Detail)))]
pub async fn profile(CurrentUser(user): CurrentUser) -> Json<Profile> {
    Json(user.profile())
}

/// Replace the profile's `email`, `first_name`, `last_name` and `time_zone` (absent keys keep
/// their values).
#[utoipa::path(put, path = "/api/accounts/profile/", tag = "accounts",
    security(("jwt" = []), ("api_token" = [])), request_body = ProfileRequest,
    responses(
        (status = 200, body = Profile),
        (status = 400, body = ValidationErrors),
        (status = 401, body = Detail),
    ))]
pub async fn replace_profile(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Profile>> {
    let profile =
        accounts::update_profile(&app.db, &app.auth, &user, &body, Mode::Replace, &origin).await?;
    Ok(Json(profile))
}

/// Update some of the profile's keys; answers with an envelope, unlike `PUT`.
#[utoipa::path(patch, path = "/api/accounts/profile/", tag = "accounts",
    security(("jwt" = []), ("api_token" = [])), request_body = ProfileRequest,
    responses(
        (status = 200, body = ProfileUpdated),
        (status = 400, body = ValidationErrors),
        (status = 401, body = Detail),
    ))]
pub async fn update_profile(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let profile =
        accounts::update_profile(&app.db, &app.auth, &user, &body, Mode::Update, &origin).await?;
    // The tag of the profile itself, which a GET of it gives, not of this envelope.
    let tag = ETag::of(&profile)?;
    let envelope = Json(json!({"user": profile, "message": "Profile updated successfully"}));
    let mut response = envelope.into_response();
    if let Ok(value) = HeaderValue::from_str(tag.as_str()) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

/// Change the password. Every token issued before, this request's included, stops working.
#[utoipa::path(post, path = "/api/accounts/change-password/", tag = "accounts",
    security(("jwt" = []), ("api_token" = [])), request_body = ChangePasswordRequest,
    responses(
        (status = 200, body = Message),
        (status = 400, body = ValidationErrors),
        (status = 401, body = Detail),
        (status = 429, description = "Too many attempts; see Retry-After", body = Detail),
    ))]
pub async fn change_password(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody,
) -> Response {
    let changed = accounts::change_password(&app.db, &app.auth, &user, &body, &origin).await;
    let answer = changed
        .map(|()| Json(json!({"message": "Password changed successfully"})))
        .map_err(ApiError::from);
    with_rate_headers(&origin, answer)
}

/// Download everything the caller owns as a FitHub archive (JSON Lines; see the README's
/// "Export and import"), streamed as it is read. An archive cut short lacks its last line, the
/// `end` record, and is refused on import.
#[utoipa::path(get, path = "/api/accounts/export/", tag = "accounts",
    security(("jwt" = []), ("api_token" = [])),
    responses(
        (status = 200, description = "The caller's archive",
            content_type = "application/x-ndjson", body = String),
        (status = 401, body = Detail),
    ))]
pub async fn export(State(app): State<App>, actor: Actor) -> Response {
    let (writer, reader) = tokio::io::duplex(64 * 1024);
    let filename = format!("fithub-{}.jsonl", actor.user.username);
    tokio::spawn(async move {
        let mut writer = writer;
        let scope = ExportScope::Own(actor.user.clone());
        match transfer::export(&app.db, &scope, &mut writer, |_| {}).await {
            Ok(_) => {
                let entry = Entry::new("user.export")
                    .by(&actor.user)
                    .on("user", actor.user.id);
                if let Err(error) = audit::record(&app.db, &actor.origin, entry).await {
                    tracing::warn!(%error, "could not record the export in the audit log");
                }
            }
            Err(error) => tracing::error!(%error, "export failed midway"),
        }
    });
    (
        [
            (header::CONTENT_TYPE, "application/x-ndjson".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                crate::content_disposition::attachment(&filename),
            ),
        ],
        Body::from_stream(ReaderStream::new(reader)),
    )
        .into_response()
}

/// Delete the account and everything it owns.
#[utoipa::path(post, path = "/api/accounts/delete/", tag = "accounts",
    security(("jwt" = []), ("api_token" = [])),
    responses((status = 200, body = Message), (status = 401, body = Detail)))]
pub async fn delete_account(
    State(app): State<App>,
    CurrentUser(user): CurrentUser,
    RequestOrigin(origin): RequestOrigin,
) -> ApiResult<Json<Value>> {
    accounts::delete_account(&app.db, &app.auth, &user, &origin).await?;
    Ok(Json(json!({"message": "Account deleted successfully"})))
}
