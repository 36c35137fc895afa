use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use fithub_api::{App, router};
use fithub_core::config::{Config, Secret};
use fithub_core::testing::TestDatabase;
use fithub_core::{Database, db::migrations};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The application over a fresh database, driven in-process.
pub struct TestApp {
    router: Router,
    // Dropped last: removes the database.
    _database: Option<TestDatabase>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
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
}

pub fn test_config() -> Config {
    Config {
        jwt_secret: Some(Secret::new("test-secret-".repeat(4))),
        ..Config::default()
    }
}

impl TestApp {
    /// On a fresh, migrated SQLite database.
    pub async fn spawn() -> TestApp {
        Self::on(TestDatabase::sqlite_migrated().await).await
    }

    /// On a given test database.
    pub async fn on(database: TestDatabase) -> TestApp {
        let app = App::new(
            test_config(),
            database.database().clone(),
            Secret::new("x".repeat(32)),
        );
        TestApp {
            router: router(app),
            _database: Some(database),
        }
    }

    /// On any database handle (e.g. one that cannot connect).
    pub fn with_database(db: Database) -> TestApp {
        let app = App::new(test_config(), db, Secret::new("x".repeat(32)));
        TestApp {
            router: router(app),
            _database: None,
        }
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

    pub async fn send(&self, method: Method, uri: &str) -> TestResponse {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        self.request(request).await
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.send(Method::GET, uri).await
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
