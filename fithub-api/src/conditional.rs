//! Entity tags on answers, and `If-None-Match` (API.md §6.4), for every route at once.
//!
//! A successful `GET` (an object, a list page, any JSON answer) and the answer to a `PUT` or
//! `PATCH` carry the strong tag of their body, the same hash the core compares an `If-Match`
//! with, so the tag of a `GET` is what a conditional write must name. A `GET` whose
//! `If-None-Match` names the current tag gets `304 Not Modified` without the body.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fithub_core::precondition::{ETag, Tags};

/// The largest body tagged: bigger answers (an account export) go out untagged, unbuffered.
const MOST_TAGGED_BYTES: usize = 4 * 1024 * 1024;

pub async fn etags(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let reading = method == Method::GET || method == Method::HEAD;
    if !(reading || method == Method::PUT || method == Method::PATCH) {
        return next.run(request).await;
    }
    let if_none_match = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .map(Tags::parse);
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || !is_json(&response) {
        return response;
    }
    // Tagged by its handler: the profile's PATCH (an envelope, with the profile's tag) and the
    // diary (its kept JSON's tag).
    if let Some(tag) = response.headers().get(header::ETAG) {
        let tag = tag.to_str().ok().and_then(ETag::parse);
        if reading
            && let (Some(tags), Some(tag)) = (if_none_match, tag)
            && tags.contain_weakly(&tag)
        {
            return not_modified(response.headers()[header::ETAG].clone());
        }
        return response;
    }
    let (mut parts, body) = response.into_parts();
    if body_size(&body).is_none_or(|size| size > MOST_TAGGED_BYTES as u64) {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = to_bytes(body, MOST_TAGGED_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let tag = ETag::of_json(&bytes);
    if let Ok(value) = HeaderValue::from_str(tag.as_str()) {
        if reading && if_none_match.is_some_and(|tags| tags.contain_weakly(&tag)) {
            return not_modified(value);
        }
        parts.headers.insert(header::ETAG, value);
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"))
}

/// The body's exact length, when it is known before reading it.
fn body_size(body: &Body) -> Option<u64> {
    http_body::Body::size_hint(body).exact()
}

/// `304` with the tag and nothing else of the answer (RFC 9110 §15.4.5).
fn not_modified(tag: HeaderValue) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}
