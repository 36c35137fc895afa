//! PostgreSQL going away under the API (items 17 and 18). The test database is reached through a
//! proxy that can "stop" like the server does: it refuses new connections while PostgreSQL
//! terminates the API's backends ("terminating connection due to administrator command"). Every
//! answer meanwhile is a quick 503 with `Retry-After: 1`, and the API is back within a second
//! of the database.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use fithub_core::config::DatabaseUrl;
use fithub_core::db::{Database, PoolSettings};
use fithub_core::testing::TestDatabase;
use sqlx::{Connection, PgConnection};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

use crate::helpers::{Session, TestApp, TestResponse};

/// A TCP proxy to PostgreSQL on a fixed local port, which can stop listening and start again.
struct Proxy {
    address: SocketAddr,
    upstream: SocketAddr,
    accepting: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let mut proxy = Proxy {
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            upstream,
            accepting: None,
            connections: Arc::default(),
        };
        proxy.listen().await;
        proxy
    }

    async fn listen(&mut self) {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("reuseaddr");
        socket.bind(self.address).expect("bind the proxy");
        let listener: TcpListener = socket.listen(64).expect("listen");
        self.address = listener.local_addr().expect("address");
        let (upstream, connections) = (self.upstream, self.connections.clone());
        self.accepting = Some(tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                connections.lock().expect("lock").push(relay);
            }
        }));
    }

    /// New connections are refused from now on.
    fn stop_listening(&mut self) {
        if let Some(accepting) = self.accepting.take() {
            accepting.abort();
        }
    }

    /// Cuts every relayed connection (what is left after the server ended its side).
    fn sever(&self) {
        for relay in self.connections.lock().expect("lock").drain(..) {
            relay.abort();
        }
    }

    /// `url` with the proxy as its host.
    fn url(&self, url: &DatabaseUrl) -> DatabaseUrl {
        let mut url = url::Url::parse(url.expose()).expect("url");
        url.set_host(Some("127.0.0.1")).expect("host");
        url.set_port(Some(self.address.port())).expect("port");
        DatabaseUrl::new(url.to_string())
    }
}

/// The PostgreSQL server of a database URL.
async fn server_address(url: &DatabaseUrl) -> SocketAddr {
    let url = url::Url::parse(url.expose()).expect("url");
    let host = url.host_str().expect("host");
    let port = url.port().unwrap_or(5432);
    tokio::net::lookup_host((host, port))
        .await
        .expect("resolve")
        .next()
        .expect("an address")
}

/// Ends the API's backends on the test database as a stopping server does.
async fn terminate_backends(url: &DatabaseUrl) -> i64 {
    let mut admin = PgConnection::connect(url.expose()).await.expect("connect");
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = 'fithub') AS ended",
    )
    .fetch_one(&mut admin)
    .await
    .expect("terminate")
}

async fn list_diets(app: &TestApp, ada: &Session) -> TestResponse {
    app.call(Method::GET, "/api/nutrition/diets/")
        .by(ada)
        .send()
        .await
}

#[track_caller]
fn assert_unavailable(response: &TestResponse) {
    response.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.header("retry-after"), Some("1"));
}

#[tokio::test]
async fn an_outage_is_a_quick_503_and_the_api_recovers_within_a_second() {
    let Some(database) = TestDatabase::postgres_migrated().await else {
        eprintln!("skipped: FITHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let mut proxy = Proxy::start(server_address(database.url()).await).await;
    let settings = PoolSettings {
        connect_timeout: Duration::from_secs(5),
        ..PoolSettings::default()
    };
    let db = Database::connect(&proxy.url(database.url()), &settings)
        .await
        .expect("connect through the proxy");
    let app = Arc::new(TestApp::with_database(db));
    let ada = app.register("ada").await;
    list_diets(&app, &ada).await.assert_status(StatusCode::OK);

    // A request in flight when the server stops: a lock keeps it waiting until then.
    let mut blocker = PgConnection::connect(database.url().expose())
        .await
        .expect("connect");
    sqlx::raw_sql("BEGIN; LOCK TABLE diets IN ACCESS EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .expect("lock");
    let in_flight = tokio::spawn({
        let (app, ada) = (app.clone(), ada.clone());
        async move { list_diets(&app, &ada).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.stop_listening();
    assert!(terminate_backends(database.url()).await > 0);
    proxy.sever();
    drop(blocker);
    assert_unavailable(&in_flight.await.expect("in flight"));

    // While it is down, every answer is a 503 at once, not after the pool's 5 s.
    for _ in 0..20 {
        let started = Instant::now();
        assert_unavailable(&list_diets(&app, &ada).await);
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "a 503 took {:?}",
            started.elapsed()
        );
    }

    proxy.listen().await;
    let back = Instant::now();
    loop {
        let response = list_diets(&app, &ada).await;
        if response.status == StatusCode::OK {
            break;
        }
        assert_unavailable(&response);
        assert!(
            back.elapsed() < Duration::from_secs(1),
            "still 503 a second after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Every stale connection is gone: a burst finds only live ones.
    for _ in 0..10 {
        list_diets(&app, &ada).await.assert_status(StatusCode::OK);
    }
}
