//! FitHub's own web pages: home, about, sign-in and sign-up. Rendered on the server from templates
//! compiled into the binary (askama), with their one stylesheet and one script served from the
//! binary too: no CDN, no external font. The forms post to `/auth/` with `fetch`.

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::App;
use crate::session;

/// The pages' paths, for the trailing-slash redirect.
pub const PATHS: &[&str] = &["/", "/about/", "/auth/signin/", "/auth/signup/"];

/// Scripts and styles from this origin only; the script is a file, never inline.
const PAGES_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; \
    frame-ancestors 'none'";
const STYLESHEET: &str = include_str!("../../static/fithub.css");
const SCRIPT: &str = include_str!("../../static/fithub.js");

/// What the page header says of the visitor: their name when signed in.
type Visitor = Option<String>;

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    user: Visitor,
}

#[derive(Template)]
#[template(path = "about.html")]
struct About {
    user: Visitor,
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignIn {
    user: Visitor,
}

/// One input of the sign-up form; its limits are the registration's.
struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    max: usize,
    required: bool,
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUp {
    user: Visitor,
    fields: &'static [Field],
}

const SIGN_UP_FIELDS: &[Field] = &[
    Field {
        name: "username",
        label: "Username",
        kind: "text",
        autocomplete: "username",
        max: 150,
        required: true,
    },
    Field {
        name: "email",
        label: "Email (optional)",
        kind: "email",
        autocomplete: "email",
        max: 254,
        required: false,
    },
    Field {
        name: "first_name",
        label: "First name (optional)",
        kind: "text",
        autocomplete: "given-name",
        max: 150,
        required: false,
    },
    Field {
        name: "last_name",
        label: "Last name (optional)",
        kind: "text",
        autocomplete: "family-name",
        max: 150,
        required: false,
    },
    Field {
        name: "password",
        label: "Password",
        kind: "password",
        autocomplete: "new-password",
        max: 4096,
        required: true,
    },
    Field {
        name: "password_confirm",
        label: "Password again",
        kind: "password",
        autocomplete: "new-password",
        max: 4096,
        required: true,
    },
];

/// The signed-in visitor's name (first name, else username), from the session cookie.
struct SignedIn(Visitor);

impl FromRequestParts<App> for SignedIn {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let visitor = match session::current_session(parts, app).await {
            Ok(session) => session.map(|session| {
                let user = session.user;
                if user.first_name.is_empty() {
                    user.username
                } else {
                    user.first_name
                }
            }),
            Err(error) => {
                // The page still renders, as for a visitor who is not signed in.
                tracing::warn!(%error, "the session of a page request could not be read");
                None
            }
        };
        Ok(SignedIn(visitor))
    }
}

fn render(page: impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "a page did not render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn home(SignedIn(user): SignedIn) -> Response {
    render(Home { user })
}

async fn about(SignedIn(user): SignedIn) -> Response {
    render(About { user })
}

async fn sign_in(SignedIn(user): SignedIn) -> Response {
    render(SignIn { user })
}

async fn sign_up(SignedIn(user): SignedIn) -> Response {
    render(SignUp {
        user,
        fields: SIGN_UP_FIELDS,
    })
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// The pages and their two assets.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(home))
        .route("/about/", get(about))
        .route("/auth/signin/", get(sign_in))
        .route("/auth/signup/", get(sign_up))
        .route(
            "/static/fithub.css",
            get(|| async { asset("text/css; charset=utf-8", STYLESHEET) }),
        )
        .route(
            "/static/fithub.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGES_CSP),
        ))
}
