//! The page envelope of every list (API.md §1.8): `count`, absolute `next` and `previous` links
//! that keep every other query parameter, and `results`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use fithub_core::listing::Page;
use serde::Serialize;
use utoipa::ToSchema;

use crate::App;

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    /// Matching objects on every page.
    #[schema(example = 21)]
    pub count: i64,
    /// The next page's absolute URL.
    #[schema(example = "http://api.example.com/api/goals/goals/?page=2")]
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

/// A list request: its query parameters, and the absolute URL the links are built on.
pub struct ListRequest {
    query: Vec<(String, String)>,
    /// `scheme://host/path`, without the query.
    url: String,
}

impl FromRequestParts<App> for ListRequest {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let query = query_pairs(parts.uri.query());
        let url = format!("{}{}", base_url(parts, app), parts.uri.path());
        Ok(ListRequest { query, url })
    }
}

impl ListRequest {
    /// The query parameters, in order.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The envelope of `page`.
    pub fn envelope<T>(&self, page: Page<T>) -> Paginated<T> {
        Paginated {
            count: page.count,
            next: page.has_next().then(|| self.link(Some(page.number + 1))),
            previous: page.has_previous().then(|| {
                // Page 1 is the URL without `page` at all.
                self.link((page.number > 2).then_some(page.number - 1))
            }),
            results: page.results,
        }
    }

    /// This URL with `page` replaced (or removed), every other parameter kept.
    fn link(&self, page: Option<u64>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.query.iter().filter(|(key, _)| key != "page") {
            query.append_pair(key, value);
        }
        if let Some(page) = page {
            query.append_pair("page", &page.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            self.url.clone()
        } else {
            format!("{}?{query}", self.url)
        }
    }
}

/// `scheme://host` of the request, for absolute links (the router roots).
pub struct BaseUrl(pub String);

impl FromRequestParts<App> for BaseUrl {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        Ok(BaseUrl(base_url(parts, app)))
    }
}

/// The parameters of a query string, decoded, in order.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// `scheme://host` the links are built on: the configured `public_url` when there is one (always
/// in production), so that no request can choose the host its links point to. Otherwise the
/// request as the client addressed it: the `Host` header, and behind a trusted proxy its
/// `X-Forwarded-Proto` and `X-Forwarded-Host`.
pub fn base_url(parts: &Parts, app: &App) -> String {
    if let Some(public_url) = &app.config.public_url {
        return public_url.trim_end_matches('/').to_owned();
    }
    let scheme = forwarded(parts, app, "x-forwarded-proto").unwrap_or_else(|| "http".to_owned());
    let host = forwarded(parts, app, "x-forwarded-host")
        .or_else(|| first_value(parts, header::HOST.as_str()))
        .or_else(|| parts.uri.authority().map(ToString::to_string))
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{scheme}://{host}")
}

/// Whether the request came over HTTPS: as the trusted proxy in front says (the API itself
/// speaks plain HTTP).
pub fn request_is_https(parts: &Parts, app: &App) -> bool {
    forwarded(parts, app, "x-forwarded-proto")
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

/// The first value of header `name`, if it is not blank.
fn first_value(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(',')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .filter(|value| !value.is_empty())
}

/// A proxy's `X-Forwarded-*` header, believed only from a trusted proxy.
fn forwarded(parts: &Parts, app: &App, name: &str) -> Option<String> {
    let behind_trusted_proxy = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| {
            app.config
                .trusted_proxies
                .iter()
                .any(|network| network.contains(&peer.ip()))
        });
    behind_trusted_proxy
        .then(|| first_value(parts, name))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str) -> ListRequest {
        ListRequest {
            query: query_pairs(Some(query)),
            url: "http://api.example.com/api/goals/goals/".to_owned(),
        }
    }

    fn page(number: u64, last: u64) -> Page<()> {
        Page {
            count: 0,
            number,
            last,
            results: Vec::new(),
        }
    }

    #[test]
    fn links_replace_the_page_and_keep_the_rest() {
        let list = request("ordering=-created_at&page=2&is_active=true");
        let envelope = list.envelope(page(2, 3));
        assert_eq!(
            envelope.next.as_deref(),
            Some(
                "http://api.example.com/api/goals/goals/?ordering=-created_at&is_active=true&page=3"
            )
        );
        assert_eq!(
            envelope.previous.as_deref(),
            Some("http://api.example.com/api/goals/goals/?ordering=-created_at&is_active=true"),
            "page 1 has no page parameter"
        );
    }

    #[test]
    fn first_and_last_pages_have_one_link_each() {
        let envelope = request("").envelope(page(1, 2));
        assert_eq!(
            envelope.next.as_deref(),
            Some("http://api.example.com/api/goals/goals/?page=2")
        );
        assert_eq!(envelope.previous, None);
        let envelope = request("page=3&search=a+b").envelope(page(3, 3));
        assert_eq!(envelope.next, None);
        assert_eq!(
            envelope.previous.as_deref(),
            Some("http://api.example.com/api/goals/goals/?search=a+b&page=2")
        );
    }
}
