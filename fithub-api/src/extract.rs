//! What handlers take from a request: the JSON body, the authenticated user, where the request
//! came from, and ids from the path, each failing with the contract's answer (API.md §1).

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use fithub_core::accounts::{Caller, User};
use fithub_core::audit::Origin;
use fithub_core::input::{self, Body};
use fithub_core::precondition::{IfMatch, Tags};
use ipnet::IpNet;

use crate::App;
use crate::error::{ApiError, detail};

/// Largest request body accepted (API.md §1.2).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A request body as a JSON object. An empty body is `{}`; a form-encoded body is read as an
/// object of strings. Anything else: 415, 400 or 413 with the contract's message.
pub struct JsonBody(pub Body);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let RawJsonBody(value) = RawJsonBody::from_request(request, state).await?;
        match value {
            serde_json::Value::Object(object) => Ok(JsonBody(object)),
            other => Err(ApiError(input::not_an_object(&other)).into_response()),
        }
    }
}

/// A request body as any JSON value, for the one endpoint that answers a non-object in its own
/// words (`bulk_create`). Otherwise as [`JsonBody`].
pub struct RawJsonBody(pub serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for RawJsonBody {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => {
                        detail(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large.")
                    }
                    status => detail(status, &rejection.body_text()),
                })?;
        if bytes.is_empty() {
            return Ok(RawJsonBody(serde_json::Value::Object(Body::new())));
        }
        let media_type = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match media_type.as_str() {
            "application/json" => {
                serde_json::from_slice(&bytes)
                    .map(RawJsonBody)
                    .map_err(|error| {
                        detail(
                            StatusCode::BAD_REQUEST,
                            &format!("JSON parse error - {error}"),
                        )
                    })
            }
            "application/x-www-form-urlencoded" => Ok(RawJsonBody(serde_json::Value::Object(
                url::form_urlencoded::parse(&bytes)
                    .map(|(key, value)| (key.into_owned(), value.into_owned().into()))
                    .collect(),
            ))),
            _ => Err(detail(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &format!("Unsupported media type \"{content_type}\" in request."),
            )),
        }
    }
}

/// A user a layer authenticated already for this request, for the extractors below.
#[derive(Clone)]
pub struct Authenticated(pub User);

/// The authenticated, active user: `Authorization: Bearer …` or `Token …`, or else the browser
/// session's cookie with its CSRF checks (see [`crate::session`]); 401 (or a CSRF 403) otherwise.
pub struct CurrentUser(pub User);

impl FromRequestParts<App> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        if let Some(Authenticated(user)) = parts.extensions.remove::<Authenticated>() {
            tracing::Span::current().record("user_id", user.id);
            return Ok(CurrentUser(user));
        }
        let user = crate::session::identify(parts, app).await?.user;
        // The request's log line names who made it.
        tracing::Span::current().record("user_id", user.id);
        Ok(CurrentUser(user))
    }
}

/// The authenticated user and where the request came from: what a write needs to know who owns
/// what it touches and whom to record in the audit trail. 401 without valid credentials.
pub struct Actor {
    pub user: User,
    pub origin: Origin,
}

impl Actor {
    pub fn caller(&self) -> Caller<'_> {
        Caller {
            user: &self.user,
            origin: &self.origin,
        }
    }
}

impl FromRequestParts<App> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, app).await?;
        let Ok(RequestOrigin(origin)) = RequestOrigin::from_request_parts(parts, app).await;
        Ok(Actor { user, origin })
    }
}

/// Where the request came from, for the audit trail and rate limits.
pub struct RequestOrigin(pub Origin);

impl FromRequestParts<App> for RequestOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok());
        let client = client_address(peer, forwarded, &app.config.trusted_proxies);
        let request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        Ok(RequestOrigin(Origin {
            client_addr: client.map(|ip| ip.to_string()),
            request_id,
            operator: None,
            rate: Default::default(),
        }))
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy. Addresses further
/// left were written by the client and prove nothing.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|network| network.contains(ip));
    let mut client = peer?;
    let Some(forwarded_for) = forwarded_for else {
        return Some(client);
    };
    for hop in forwarded_for.rsplit(',') {
        if !is_trusted(&client) {
            break;
        }
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => client = ip,
            Err(_) => break,
        }
    }
    Some(client)
}

/// The query string's parameters, decoded, for the custom actions that read one or two. Each
/// read applies the core's rule for query values (no NUL character), keyed by the parameter.
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// The last value of `name`.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ApiError> {
        Ok(input::query_param(&self.0, name)?)
    }

    /// Every value of a repeated parameter, in order.
    pub fn all(&self, name: &str) -> Result<Vec<&str>, ApiError> {
        Ok(input::query_params(&self.0, name)?)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(QueryParams(crate::pagination::query_pairs(
            parts.uri.query(),
        )))
    }
}

/// `If-Match` (API.md §6.4): the write's precondition; unconditional when absent. A value that is
/// not text names no tag, so it matches nothing.
pub struct IfMatchHeader(pub IfMatch);

impl<S: Send + Sync> FromRequestParts<S> for IfMatchHeader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let tags = parts
            .headers
            .get(header::IF_MATCH)
            .map(|value| Tags::parse(value.to_str().unwrap_or_default()));
        Ok(IfMatchHeader(IfMatch(tags)))
    }
}

/// An integer id from the path; anything else is `404 {"detail": "Not found."}`.
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let not_found = || detail(StatusCode::NOT_FOUND, "Not found.");
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        raw.parse().map(PathId).map_err(|_| not_found())
    }
}

/// A UUID from the path; anything else is `404 {"detail": "Not found."}`.
pub struct PathUuid(pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathUuid {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let not_found = || detail(StatusCode::NOT_FOUND, "Not found.");
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        uuid::Uuid::parse_str(&raw)
            .map(PathUuid)
            .map_err(|_| not_found())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("net")];
        // Straight from the internet: the header is the client's own invention.
        assert_eq!(
            client_address(Some(ip("203.0.113.9")), Some("1.2.3.4"), &trusted),
            Some(ip("203.0.113.9"))
        );
        // Through the load balancer: the address it saw.
        assert_eq!(
            client_address(
                Some(ip("10.0.0.5")),
                Some("1.2.3.4, 198.51.100.7"),
                &trusted
            ),
            Some(ip("198.51.100.7"))
        );
        // Through two trusted hops.
        assert_eq!(
            client_address(
                Some(ip("10.0.0.5")),
                Some("198.51.100.7, 10.1.1.1"),
                &trusted
            ),
            Some(ip("198.51.100.7"))
        );
        // Garbage stops the walk at the last good address.
        assert_eq!(
            client_address(Some(ip("10.0.0.5")), Some("nonsense"), &trusted),
            Some(ip("10.0.0.5"))
        );
        assert_eq!(
            client_address(Some(ip("10.0.0.5")), Some("1.2.3.4"), &[]),
            Some(ip("10.0.0.5")),
            "no trusted proxies: the peer"
        );
    }
}
