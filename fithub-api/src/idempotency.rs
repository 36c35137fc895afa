//! `Idempotency-Key` on every create (API.md §6.5), as one layer over the routes.
//!
//! The creating routes are those the OpenAPI document answers with `201`. For an authenticated
//! `POST` to one of them with a key, the layer claims the key in the database before the handler
//! runs: a request already answered is answered again from what was kept, one still in flight gets
//! 409, one that differs from the first gets 422. Answers below 500 are kept; a server error, or a
//! request given up half-way (the client left, the request timed out), releases the key so that a
//! retry runs again.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Extension;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fithub_core::Database;
use fithub_core::idempotency::{self, Answer, Claim};
use serde_json::json;

use crate::App;
use crate::error::{ApiError, detail};
use crate::extract::{Authenticated, MAX_BODY_BYTES};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The path templates of the routes that create, from the OpenAPI document.
#[derive(Debug, Clone, Default)]
pub struct CreatingRoutes(Arc<HashSet<String>>);

impl CreatingRoutes {
    pub fn of(openapi: &utoipa::openapi::OpenApi) -> CreatingRoutes {
        let creating = openapi
            .paths
            .paths
            .iter()
            .filter(|(_, item)| {
                item.post
                    .as_ref()
                    .is_some_and(|post| post.responses.responses.contains_key("201"))
            })
            .map(|(path, _)| path.clone())
            .collect();
        CreatingRoutes(Arc::new(creating))
    }
}

pub async fn idempotent(
    State(app): State<App>,
    Extension(creating): Extension<CreatingRoutes>,
    request: Request,
    next: Next,
) -> Response {
    let Some(key) = request.headers().get(&IDEMPOTENCY_KEY).cloned() else {
        return next.run(request).await;
    };
    let creates = request.method() == Method::POST
        && request
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|path| creating.0.contains(path.as_str()));
    if !creates {
        return next.run(request).await;
    }
    let Some(key) = valid_key(&key) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"Idempotency-Key": [
                "Ensure this value has 1 to 255 printable ASCII characters."
            ]})),
        )
            .into_response();
    };
    // Only an authenticated caller has keys; without credentials (or failing a session's CSRF
    // check) the handler answers, and nothing is claimed.
    let (mut parts, body) = request.into_parts();
    let user = match crate::session::identify(&parts, &app).await {
        Ok(identity) => identity.user,
        Err(_) => return next.run(Request::from_parts(parts, body)).await,
    };
    let Ok(body) = to_bytes(body, MAX_BODY_BYTES).await else {
        return detail(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large.");
    };
    let fingerprint = idempotency::fingerprint(parts.method.as_str(), parts.uri.path(), &body);
    let request_timeout = app.config.request_timeout();
    match idempotency::claim(&app.db, user.id, &key, &fingerprint, request_timeout).await {
        Ok(Claim::Claimed) => {}
        Ok(Claim::Answered(answer)) => return replay(answer),
        Ok(Claim::InFlight) => {
            return detail(
                StatusCode::CONFLICT,
                "A request with this Idempotency-Key is still being processed.",
            );
        }
        Ok(Claim::Mismatch) => {
            return detail(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This Idempotency-Key was used with a different request.",
            );
        }
        Err(error) => return ApiError(error).into_response(),
    }
    let claim = Held {
        db: app.db.clone(),
        user_id: user.id,
        key,
        settled: false,
    };
    parts.extensions.insert(Authenticated(user));
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    claim.settle(response).await
}

/// The key, if it is 1 to 255 printable ASCII characters.
fn valid_key(value: &HeaderValue) -> Option<String> {
    let bytes = value.as_bytes();
    let printable = bytes.iter().all(|byte| (0x20..=0x7e).contains(byte));
    (printable && (1..=255).contains(&bytes.len()))
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

fn replay(answer: Answer) -> Response {
    let status = u16::try_from(answer.status)
        .ok()
        .and_then(|status| StatusCode::from_u16(status).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    if let Some(location) = answer.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    response
}

/// A claimed key. Dropped unsettled (the request was given up), it is released.
struct Held {
    db: Database,
    user_id: i64,
    key: String,
    settled: bool,
}

impl Held {
    /// Keeps an answer below 500, or releases the key; passes the answer on.
    async fn settle(mut self, response: Response) -> Response {
        self.settled = true;
        if response.status().is_server_error() {
            // Released before the answer goes out, so that a retry finds the key free.
            if let Err(error) = idempotency::release(&self.db, self.user_id, &self.key).await {
                tracing::warn!(%error, "an idempotency key was not released");
            }
            return response;
        }
        let (parts, body) = response.into_parts();
        let body = to_bytes(body, usize::MAX)
            .await
            .unwrap_or_else(|_| Bytes::new());
        let answer = Answer {
            status: i32::from(parts.status.as_u16()),
            body: String::from_utf8_lossy(&body).into_owned(),
            location: parts
                .headers
                .get(header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        };
        if let Err(error) = idempotency::keep(&self.db, self.user_id, &self.key, &answer).await {
            tracing::warn!(%error, "an idempotent answer was not kept");
            self.release_in_background();
        }
        Response::from_parts(parts, Body::from(body))
    }

    fn release_in_background(&self) {
        let (db, user_id, key) = (self.db.clone(), self.user_id, self.key.clone());
        tokio::spawn(async move {
            if let Err(error) = idempotency::release(&db, user_id, &key).await {
                tracing::warn!(%error, "an idempotency key was not released");
            }
        });
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if !self.settled {
            self.release_in_background();
        }
    }
}
