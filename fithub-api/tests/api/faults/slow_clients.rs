//! Clients that hold connections without using them (item 19): a request head sent too slowly,
//! a keep-alive connection left idle, and more connections than the cap.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use fithub_api::ConnectionLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const LIMITS: ConnectionLimits = ConnectionLimits {
    header_timeout: Duration::from_millis(300),
    idle_timeout: Duration::from_millis(900),
    max_connections: 3,
};

/// A server of `/ok` and of `/slow` (longer than the header timeout) under [`LIMITS`].
async fn server() -> SocketAddr {
    let router = Router::new().route("/ok", get(|| async { "ok" })).route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(600)).await;
            "slow"
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(fithub_api::serve_router(
        router,
        listener,
        LIMITS,
        std::future::pending(),
        Duration::from_secs(1),
    ));
    address
}

/// How long until the server closes `stream` (nothing else is expected on it), at most `limit`.
async fn closes_after(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0; 256];
    match tokio::time::timeout(limit, stream.read(&mut buffer)).await {
        Ok(Ok(0) | Err(_)) => Some(started.elapsed()),
        Ok(Ok(n)) => panic!(
            "unexpected bytes: {:?}",
            String::from_utf8_lossy(&buffer[..n])
        ),
        Err(_) => None,
    }
}

/// Sends a keep-alive `GET` and reads its (small) response.
async fn get_on(stream: &mut TcpStream, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = vec![0; 1024];
    let n = stream.read(&mut response).await.expect("read");
    String::from_utf8_lossy(&response[..n]).into_owned()
}

#[tokio::test]
async fn a_half_sent_request_head_is_cut_off() {
    let address = server().await;
    let mut slow = TcpStream::connect(address).await.expect("connect");
    slow.write_all(b"GET /ok HT").await.expect("write");
    let closed = closes_after(&mut slow, Duration::from_secs(3)).await;
    assert!(
        closed.is_some_and(|after| after < Duration::from_millis(800)),
        "a half request line kept its connection: {closed:?}"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_but_not_before_its_time() {
    let address = server().await;
    let mut client = TcpStream::connect(address).await.expect("connect");
    assert!(get_on(&mut client, "/ok").await.starts_with("HTTP/1.1 200"));
    // Idle for longer than the header timeout: still open, and usable.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(get_on(&mut client, "/ok").await.starts_with("HTTP/1.1 200"));
    // A handler slower than the header timeout is not cut off either.
    assert!(get_on(&mut client, "/slow").await.ends_with("slow"));
    let closed = closes_after(&mut client, Duration::from_secs(3)).await;
    assert!(
        closed.is_some_and(|after| after > Duration::from_millis(600)),
        "the idle connection: {closed:?}"
    );
}

#[tokio::test]
async fn connections_past_the_cap_wait_for_a_free_one() {
    let address = server().await;
    let mut idle = Vec::new();
    for _ in 0..LIMITS.max_connections {
        let mut client = TcpStream::connect(address).await.expect("connect");
        assert!(get_on(&mut client, "/ok").await.starts_with("HTTP/1.1 200"));
        idle.push(client);
    }
    let started = Instant::now();
    let mut extra = TcpStream::connect(address)
        .await
        .expect("connect: the backlog");
    let response = tokio::time::timeout(Duration::from_secs(3), get_on(&mut extra, "/ok"))
        .await
        .expect("served once the idle ones are closed");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        started.elapsed() > Duration::from_millis(600),
        "served beyond the cap after {:?}",
        started.elapsed()
    );
}
