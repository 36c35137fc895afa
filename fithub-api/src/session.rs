//! Browser sessions on the wire: the `sessionid` and `csrftoken` cookies, and the CSRF rules for
//! requests a session authenticates. What a session is, and where it is kept, is the core's
//! (`fithub_core::accounts::sessions`).
//!
//! Every protected endpoint authenticates through [`identify`]: the `Authorization` header when
//! it names a scheme, otherwise the session cookie. A session-authenticated request with an unsafe
//! method must carry `X-CSRFToken` equal to its `csrftoken` cookie (and to the session's token),
//! and an `Origin` (or, over HTTPS, a `Referer`) that is the API's own or a trusted one. A header
//! credential is never subject to CSRF: a page of another site cannot make a browser send one.

use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::Response;
use fithub_core::accounts::{self, AuthFailure, NewSession, SessionUser, User};
use fithub_core::{Error, Result};

use crate::App;
use crate::pagination::{base_url, request_is_https};

pub const SESSION_COOKIE: &str = "sessionid";
pub const CSRF_COOKIE: &str = "csrftoken";
pub const CSRF_HEADER: &str = "x-csrftoken";

/// Who sent a request, and the session that vouched for them if it was one.
pub struct Identity {
    pub user: User,
    pub session: Option<SessionUser>,
}

/// The caller of a protected endpoint: the `Authorization` header wins; without one (or with a
/// scheme FitHub does not use), the session cookie, checked for CSRF.
pub async fn identify(parts: &Parts, app: &App) -> Result<Identity> {
    let identity = authenticate(parts, app).await?;
    // A read-only request may read from a replica that has what this user last wrote.
    fithub_core::db::reads::identified(&app.db, identity.user.id, is_safe(&parts.method)).await;
    Ok(identity)
}

async fn authenticate(parts: &Parts, app: &App) -> Result<Identity> {
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    match accounts::authenticate(&app.db, &app.auth, authorization).await {
        Err(Error::Unauthenticated(AuthFailure::NoCredentials)) => {
            let session = current_session(parts, app)
                .await?
                .ok_or(Error::Unauthenticated(AuthFailure::NoCredentials))?;
            Ok(Identity {
                user: session.user.clone(),
                session: Some(session),
            })
        }
        other => other.map(|user| Identity {
            user,
            session: None,
        }),
    }
}

/// The session the request's cookie names, if it is valid; CSRF-checked for unsafe methods.
pub async fn current_session(parts: &Parts, app: &App) -> Result<Option<SessionUser>> {
    let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = accounts::session_user(&app.db, id).await? else {
        return Ok(None);
    };
    if !is_safe(&parts.method) {
        check_origin(parts, app)?;
        check_token(parts, app, &session)?;
    }
    Ok(Some(session))
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The double submit: the header must repeat the cookie, and the cookie must be this session's.
fn check_token(parts: &Parts, app: &App, session: &SessionUser) -> Result<()> {
    let presented = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty());
    let cookie = cookie(&parts.headers, CSRF_COOKIE);
    let (Some(presented), Some(cookie)) = (presented, cookie) else {
        return Err(Error::CsrfFailed("CSRF token missing.".to_owned()));
    };
    if presented != cookie || !accounts::csrf_token_matches(&app.auth, &session.key, presented) {
        return Err(Error::CsrfFailed("CSRF token incorrect.".to_owned()));
    }
    Ok(())
}

/// Refuses a request whose `Origin` (or, over HTTPS and without one, `Referer`) is neither the
/// API's own origin nor a trusted one. Also guards the sign-in endpoints (login CSRF).
pub fn check_origin(parts: &Parts, app: &App) -> Result<()> {
    let header_text = |name| {
        parts
            .headers
            .get(name)
            .and_then(|value: &HeaderValue| value.to_str().ok())
    };
    let (kind, claimed) = match header_text(header::ORIGIN) {
        Some(origin) => ("Origin", origin),
        None => match header_text(header::REFERER) {
            Some(referer) if request_is_https(parts, app) => ("Referer", referer),
            _ => return Ok(()),
        },
    };
    let own = normalized_origin(&base_url(parts, app));
    let trusted = normalized_origin(claimed).is_some_and(|claimed| {
        Some(&claimed) == own.as_ref()
            || app
                .config
                .trusted_origins()
                .iter()
                .any(|origin| normalized_origin(origin).as_ref() == Some(&claimed))
    });
    if trusted {
        Ok(())
    } else {
        Err(Error::CsrfFailed(format!(
            "{kind} checking failed - {claimed} does not match any trusted origins."
        )))
    }
}

/// `scheme://host[:port]` of a URL, lower-case, default port left out; `None` for anything that
/// has no such origin (`null`, garbage).
fn normalized_origin(url: &str) -> Option<String> {
    let origin = url::Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// The cookies of a response: what to set (or clear, with an empty value and no lifetime).
pub struct Cookies {
    secure: bool,
    values: Vec<HeaderValue>,
    /// Also sent as the `X-CSRFToken` response header: a front end on another host cannot read
    /// the API host's cookie, but may read this header (CORS exposes it).
    csrf_token: Option<HeaderValue>,
}

impl Cookies {
    /// `Secure` as configured, or as the request came (see `session_cookie_secure`).
    pub fn for_request(parts: &Parts, app: &App) -> Cookies {
        Cookies {
            secure: app
                .config
                .session_cookie_secure_for(request_is_https(parts, app)),
            values: Vec::new(),
            csrf_token: None,
        }
    }

    /// `sessionid` and its `csrftoken`, for a session just started.
    pub fn signed_in(mut self, session: &NewSession) -> Cookies {
        let max_age = accounts::SESSION_LIFETIME.whole_seconds();
        self.add(SESSION_COOKIE, &session.id, max_age, true);
        self.add(CSRF_COOKIE, &session.csrf_token, max_age, false);
        self.csrf_token = HeaderValue::from_str(&session.csrf_token).ok();
        self
    }

    /// A `csrftoken` on its own (`auth-status`), set again at every call so that it lives as long
    /// as the browser keeps asking, as Django's does.
    pub fn csrf_token(mut self, token: &str) -> Cookies {
        self.add(
            CSRF_COOKIE,
            token,
            accounts::SESSION_LIFETIME.whole_seconds(),
            false,
        );
        self.csrf_token = HeaderValue::from_str(token).ok();
        self
    }

    /// Removes `sessionid` from the browser.
    pub fn signed_out(mut self) -> Cookies {
        self.add(SESSION_COOKIE, "", 0, true);
        self
    }

    fn add(&mut self, name: &str, value: &str, max_age: i64, http_only: bool) {
        let mut cookie = format!("{name}={value}; Max-Age={max_age}; Path=/; SameSite=Lax");
        if http_only {
            cookie.push_str("; HttpOnly");
        }
        if self.secure {
            cookie.push_str("; Secure");
        }
        // Names and values are ours: hex digits and ASCII.
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            self.values.push(value);
        }
    }

    pub fn apply(self, mut response: Response) -> Response {
        for value in self.values {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        if let Some(token) = self.csrf_token {
            response.headers_mut().insert(CSRF_HEADER, token);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; sessionid=abc ;csrftoken=\"x\""),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("other=2"));
        assert_eq!(cookie(&headers, "sessionid"), Some("abc"));
        assert_eq!(cookie(&headers, "csrftoken"), Some("x"));
        assert_eq!(cookie(&headers, "other"), Some("2"));
        assert_eq!(cookie(&headers, "session"), None);
    }

    #[test]
    fn origins_compare_without_default_ports_or_case() {
        assert_eq!(
            normalized_origin("HTTPS://App.Example:443/path?q"),
            Some("https://app.example".to_owned())
        );
        assert_eq!(
            normalized_origin("http://localhost:8000"),
            Some("http://localhost:8000".to_owned())
        );
        assert_eq!(normalized_origin("null"), None);
    }
}
