//! `RoundRobin`: a tiny TCP proxy in front of several app instances, handing each new
//! connection to the next one (use a client without connection reuse to spread every
//! request), as a load balancer in front of replicas would.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};

/// A running proxy.
#[derive(Debug, Clone)]
pub struct RoundRobin {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    connections: Arc<AtomicUsize>,
}

impl RoundRobin {
    /// Starts a proxy over `backends` (`http://host:port` addresses).
    pub async fn start(backends: &[String]) -> Self {
        let targets: Vec<String> = backends
            .iter()
            .map(|b| b.trim_start_matches("http://").to_owned())
            .collect();
        assert!(!targets.is_empty(), "a proxy needs backends");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let port = listener.local_addr().expect("address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let target = targets[n % targets.len()].clone();
                tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self {
            address: format!("http://127.0.0.1:{port}"),
            connections,
        }
    }

    /// Connections handed out so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// A client that opens a new connection per request, so requests alternate.
    pub fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }
}
