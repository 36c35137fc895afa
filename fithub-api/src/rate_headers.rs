//! `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` on the answers of the
//! endpoints an authentication rate limit guards, from the limit closest to running out that the
//! core counted the request against. A request no limit counted (every limit off) gets none.

use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use fithub_core::audit::Origin;

/// `answer`, with the headers of the limit noted in `origin`.
pub fn with_rate_headers(origin: &Origin, answer: impl IntoResponse) -> Response {
    let mut response = answer.into_response();
    if let Some(state) = origin.rate.get() {
        let headers = response.headers_mut();
        let values = [
            ("ratelimit-limit", u64::from(state.limit)),
            ("ratelimit-remaining", u64::from(state.remaining)),
            ("ratelimit-reset", state.reset_secs),
        ];
        for (name, value) in values {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
    response
}
