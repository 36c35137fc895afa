//! The layers every response passes through, from tower-http: CORS, security headers, the
//! request timeout, compression. Configuration decides the CORS origins and HSTS.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body::Body as _;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::detail;
use fithub_core::Config;

/// CORS as API.md §1.10 describes it: the configured origins (`*`: any origin, echoed back, with
/// credentials), the contract's methods and headers, preflights cached a day.
pub fn cors(config: &Config) -> CorsLayer {
    let origins = if config
        .cors_allowed_origins
        .iter()
        .any(|origin| origin == "*")
    {
        AllowOrigin::mirror_request()
    } else {
        AllowOrigin::list(
            config
                .cors_allowed_origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        )
    };
    let allowed_headers = [
        "accept",
        "accept-encoding",
        "authorization",
        "content-type",
        "dnt",
        "origin",
        "user-agent",
        "x-csrftoken",
        "x-requested-with",
        "idempotency-key",
        "if-match",
        "if-none-match",
    ]
    .map(HeaderName::from_static);
    // What a cross-origin script may read of an answer (API.md §6.6).
    let exposed_headers = [
        "etag",
        "location",
        "idempotent-replayed",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "retry-after",
        "x-csrftoken",
    ]
    .map(HeaderName::from_static);
    CorsLayer::new()
        .allow_origin(origins)
        .allow_credentials(true)
        .allow_methods([
            Method::DELETE,
            Method::GET,
            Method::OPTIONS,
            Method::PATCH,
            Method::POST,
            Method::PUT,
        ])
        .allow_headers(allowed_headers)
        .expose_headers(exposed_headers)
        .max_age(std::time::Duration::from_secs(86_400))
}

/// The Content-Security-Policy of API answers: JSON needs nothing.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// The documentation pages load their own scripts, styles, images and ReDoc's workers.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'";

/// `(header, value)` pairs every response carries unless a route set its own.
pub fn security_headers(config: &Config) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let mut headers = vec![
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(API_CSP),
        ),
    ];
    if config.hsts_max_age_secs > 0 {
        let hsts = format!("max-age={}; includeSubDomains", config.hsts_max_age_secs);
        if let Ok(value) = HeaderValue::from_str(&hsts) {
            headers.push((header::STRICT_TRANSPORT_SECURITY, value));
        }
    }
    headers
        .into_iter()
        .map(|(name, value)| SetResponseHeaderLayer::if_not_present(name, value))
        .collect()
}

/// Errors that layers answer without a body (a timeout's 504, say) get the contract's JSON
/// `{"detail": …}` like every other error.
pub async fn json_error_bodies(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.body().size_hint().exact() != Some(0)
    {
        return response;
    }
    let message = match status {
        StatusCode::GATEWAY_TIMEOUT => "The request took too long.",
        StatusCode::PAYLOAD_TOO_LARGE => "Request body too large.",
        StatusCode::SERVICE_UNAVAILABLE => "Service temporarily unavailable, try again later.",
        other => other.canonical_reason().unwrap_or("Error."),
    };
    let (mut parts, _) = response.into_parts();
    let replacement = detail(status, message);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body: Body = replacement.into_body();
    Response::from_parts(parts, body).into_response()
}
