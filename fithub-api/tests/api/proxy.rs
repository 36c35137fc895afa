//! A TCP proxy in front of a PostgreSQL server, which can stop like the server does: tests of
//! outages and of replicas that go away.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use fithub_core::config::DatabaseUrl;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// A TCP proxy to PostgreSQL on a fixed local port, which can stop listening and start again.
pub struct Proxy {
    address: SocketAddr,
    upstream: SocketAddr,
    accepting: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let mut proxy = Proxy {
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            upstream,
            accepting: None,
            connections: Arc::default(),
        };
        proxy.listen().await;
        proxy
    }

    pub async fn listen(&mut self) {
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
    pub fn stop_listening(&mut self) {
        if let Some(accepting) = self.accepting.take() {
            accepting.abort();
        }
    }

    /// Cuts every relayed connection (what is left after the server ended its side).
    pub fn sever(&self) {
        for relay in self.connections.lock().expect("lock").drain(..) {
            relay.abort();
        }
    }

    /// `url` with the proxy as its host.
    pub fn url(&self, url: &DatabaseUrl) -> DatabaseUrl {
        let mut url = url::Url::parse(url.expose()).expect("url");
        url.set_host(Some("127.0.0.1")).expect("host");
        url.set_port(Some(self.address.port())).expect("port");
        DatabaseUrl::new(url.to_string())
    }
}

/// The PostgreSQL server of a database URL.
pub async fn server_address(url: &DatabaseUrl) -> SocketAddr {
    let url = url::Url::parse(url.expose()).expect("url");
    let host = url.host_str().expect("host");
    let port = url.port().unwrap_or(5432);
    tokio::net::lookup_host((host, port))
        .await
        .expect("resolve")
        .next()
        .expect("an address")
}
