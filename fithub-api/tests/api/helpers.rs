use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use fithub_api::{App, router};
use fithub_core::config::{Config, Secret};
use fithub_core::db::Backend;
use fithub_core::testing::TestDatabase;
use fithub_core::{Database, db::migrations};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The signing secret of every test app.
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret!";

/// The application over a fresh database, driven in-process.
pub struct TestApp {
    router: Router,
    pub app: App,
    // Dropped last: removes the database.
    _database: Option<TestDatabase>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "body is not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn assert_status(&self, status: StatusCode) -> &TestResponse {
        assert_eq!(self.status, status, "{}", self.text());
        self
    }
}

/// Settings for tests: a fixed secret, and no rate limits unless a test sets its own.
pub fn test_config() -> Config {
    Config {
        jwt_secret: Some(Secret::new(TEST_SECRET)),
        auth_rate_limit_per_address: 0,
        auth_rate_limit_per_username: 0,
        ..Config::default()
    }
}

impl TestApp {
    /// On a fresh, migrated SQLite database.
    pub async fn spawn() -> TestApp {
        Self::on(TestDatabase::sqlite_migrated().await).await
    }

    /// One app per backend under test (SQLite, and PostgreSQL when configured).
    pub async fn all() -> Vec<TestApp> {
        Self::all_with(test_config()).await
    }

    pub async fn all_with(config: Config) -> Vec<TestApp> {
        let mut apps = Vec::new();
        for database in TestDatabase::all_migrated().await {
            apps.push(Self::with_config(database, config.clone()));
        }
        apps
    }

    /// On a given test database.
    pub async fn on(database: TestDatabase) -> TestApp {
        Self::with_config(database, test_config())
    }

    pub fn with_config(database: TestDatabase, config: Config) -> TestApp {
        // Server logs go to the test's captured output: a failing test shows why.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("warn")
            .try_init();
        let app = App::new(
            config,
            database.database().clone(),
            Secret::new(TEST_SECRET),
        );
        TestApp {
            router: router(app.clone()),
            app,
            _database: Some(database),
        }
    }

    /// As the binary brings it up (`App::start`: its own pool, made from `config`), on `database`.
    pub async fn started(database: TestDatabase, config: Config) -> TestApp {
        let config = Config {
            database_url: database.url().clone(),
            ..config
        };
        Self::started_as_configured(database, config).await
    }

    /// Brought up by `App::start` on `config`'s own `database_url` (e.g. `database` through a
    /// pooler), `database` kept until the app is dropped.
    pub async fn started_as_configured(database: TestDatabase, config: Config) -> TestApp {
        let app = App::start(config).await.expect("start");
        TestApp {
            router: router(app.clone()),
            app,
            _database: Some(database),
        }
    }

    /// On any database handle (e.g. one that cannot connect).
    pub fn with_database(db: Database) -> TestApp {
        let app = App::new(test_config(), db, Secret::new(TEST_SECRET));
        TestApp {
            router: router(app.clone()),
            app,
            _database: None,
        }
    }

    /// Another replica of this app: its own `App` and pool on the same database.
    pub async fn replica(&self) -> TestApp {
        let url = self._database.as_ref().expect("a test database").url();
        let db = Database::connect(url, &fithub_core::db::PoolSettings::default())
            .await
            .expect("second pool");
        let app = App::new((*self.app.config).clone(), db, Secret::new(TEST_SECRET));
        TestApp {
            router: router(app.clone()),
            app,
            _database: None,
        }
    }

    pub fn db(&self) -> &Database {
        &self.app.db
    }

    pub fn backend(&self) -> Backend {
        self.app.db.backend()
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    /// A request to build: credentials, a body, a client address.
    pub fn call(&self, method: Method, uri: &str) -> Call<'_> {
        Call {
            app: self,
            request: Request::builder().method(method).uri(uri),
            body: Vec::new(),
            peer: SocketAddr::from(([127, 0, 0, 1], 40000)),
        }
    }

    pub async fn send(&self, method: Method, uri: &str) -> TestResponse {
        self.call(method, uri).send().await
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.send(Method::GET, uri).await
    }

    /// `POST` of a JSON body without credentials.
    pub async fn post(&self, uri: &str, body: Value) -> TestResponse {
        self.call(Method::POST, uri).json(&body).send().await
    }

    /// Registers `username` with a good password; the new user's session.
    pub async fn register(&self, username: &str) -> Session {
        let response = self
            .post(
                "/api/accounts/register/",
                json!({
                    "username": username,
                    "email": format!("{username}@example.com"),
                    "password": STRONG_PASSWORD,
                    "password_confirm": STRONG_PASSWORD,
                }),
            )
            .await;
        response.assert_status(StatusCode::CREATED);
        let body = response.json();
        Session {
            id: body["user"]["id"].as_i64().expect("id"),
            username: username.to_owned(),
            access: body["tokens"]["access"]
                .as_str()
                .expect("access")
                .to_owned(),
            refresh: body["tokens"]["refresh"]
                .as_str()
                .expect("refresh")
                .to_owned(),
        }
    }
}

/// A password that passes every rule.
pub const STRONG_PASSWORD: &str = "violet-Harbor-47-kite";

/// A registered user and their tokens.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub username: String,
    pub access: String,
    pub refresh: String,
}

/// A browser signed in through `/auth/`: the cookies it was given.
#[derive(Debug, Clone)]
pub struct Browser {
    pub session_id: String,
    pub csrf_token: String,
}

impl Browser {
    /// The cookies a sign-in answer set; panics without them.
    #[track_caller]
    pub fn from_response(response: &TestResponse) -> Browser {
        let cookie = |name: &str| {
            set_cookies(response)
                .into_iter()
                .find_map(|cookie| {
                    cookie
                        .split(';')
                        .next()
                        .and_then(|pair| pair.strip_prefix(&format!("{name}=")))
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| panic!("no {name} cookie: {:?}", response.headers))
        };
        Browser {
            session_id: cookie("sessionid"),
            csrf_token: cookie("csrftoken"),
        }
    }
}

/// Every `Set-Cookie` of a response.
pub fn set_cookies(response: &TestResponse) -> Vec<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().expect("ascii").to_owned())
        .collect()
}

impl TestApp {
    /// Signs up `username` through `/auth/register/`; the browser's cookies.
    pub async fn sign_up(&self, username: &str) -> Browser {
        let response = self
            .post(
                "/auth/register/",
                json!({
                    "username": username,
                    "email": format!("{username}@example.com"),
                    "password": STRONG_PASSWORD,
                    "password_confirm": STRONG_PASSWORD,
                }),
            )
            .await;
        response.assert_status(StatusCode::CREATED);
        Browser::from_response(&response)
    }

    /// Signs `username` in through `/auth/login/`.
    pub async fn sign_in(&self, username: &str) -> Browser {
        let response = self
            .post(
                "/auth/login/",
                json!({"username": username, "password": STRONG_PASSWORD}),
            )
            .await;
        response.assert_status(StatusCode::OK);
        Browser::from_response(&response)
    }
}

pub struct Call<'a> {
    app: &'a TestApp,
    request: axum::http::request::Builder,
    body: Vec<u8>,
    peer: SocketAddr,
}

impl Call<'_> {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn by(self, session: &Session) -> Self {
        self.bearer(&session.access)
    }

    /// The browser's cookies, without the CSRF header.
    pub fn cookies(self, browser: &Browser) -> Self {
        self.header(
            "cookie",
            &format!(
                "sessionid={}; csrftoken={}",
                browser.session_id, browser.csrf_token
            ),
        )
    }

    /// The browser's cookies and, as its page's script sends it, the CSRF header.
    pub fn browser(self, browser: &Browser) -> Self {
        let token = browser.csrf_token.clone();
        self.cookies(browser).header("x-csrftoken", &token)
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.request = self
            .request
            .header(header::CONTENT_TYPE, "application/json");
        self.body = serde_json::to_vec(body).expect("json");
        self
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.request = self.request.header(header::CONTENT_TYPE, content_type);
        self.body = body.into();
        self
    }

    /// The address the connection comes from.
    pub fn peer(mut self, address: &str) -> Self {
        self.peer = SocketAddr::new(address.parse().expect("ip"), 40000);
        self
    }

    pub async fn send(self) -> TestResponse {
        let request = self
            .request
            .extension(ConnectInfo(self.peer))
            .body(Body::from(self.body))
            .expect("request");
        self.app.request(request).await
    }
}

/// A fresh database with no schema at all.
pub async fn unmigrated_sqlite() -> TestDatabase {
    let database = TestDatabase::sqlite().await;
    let statuses = migrations::status(database.database())
        .await
        .expect("status");
    assert!(!migrations::is_current(&statuses));
    database
}
