use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Sends one HTTP/1.1 request on a raw connection and reads the whole response.
async fn raw_get(address: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish() {
    let router = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(600)).await;
            "finished"
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(fithub_api::serve_router(
        router,
        listener,
        fithub_api::ConnectionLimits::default(),
        async {
            let _ = stopped.await;
        },
        Duration::from_secs(10),
    ));

    let slow = tokio::spawn(raw_get(address, "/slow"));
    tokio::time::sleep(Duration::from_millis(150)).await;
    stop.send(()).expect("server running");

    let response = slow.await.expect("request task");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("finished"), "{response}");
    let served = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(
        matches!(served, Ok(Ok(Ok(())))),
        "the server stops once drained: {served:?}"
    );
    assert!(
        TcpStream::connect(address).await.is_err(),
        "no longer accepting connections"
    );
}

#[tokio::test]
async fn shutdown_gives_up_after_the_grace_period() {
    let router = Router::new().route(
        "/stuck",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            "never"
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(fithub_api::serve_router(
        router,
        listener,
        fithub_api::ConnectionLimits::default(),
        tokio::time::sleep(Duration::from_millis(200)),
        Duration::from_millis(300),
    ));
    let _stuck = tokio::spawn(raw_get(address, "/stuck"));
    let served = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(
        matches!(served, Ok(Ok(Ok(())))),
        "bounded drain: {served:?}"
    );
}
