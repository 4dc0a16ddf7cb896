//! A TCP proxy the tests put between `ledger run` and a service, to cut every connection
//! (as a restart of the service would) and to refuse new ones for a while.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// Forwards 127.0.0.1:PORT to a service.
pub struct Proxy {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    accept: AbortHandle,
}

#[derive(Default)]
struct State {
    connections: Vec<AbortHandle>,
    refusing: bool,
    accepted: usize,
}

impl Proxy {
    /// A proxy to the host and port of `url` (`scheme://[user@]host:port/…`).
    pub async fn start(url: &str) -> Self {
        let target = host_port(url);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                let mut st = shared.lock().unwrap();
                if st.refusing {
                    drop(inbound);
                    continue;
                }
                st.accepted += 1;
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                st.connections.push(task.abort_handle());
            }
        })
        .abort_handle();
        Self {
            addr,
            state,
            accept,
        }
    }

    /// `url` with its host and port replaced by the proxy's.
    pub fn url(&self, url: &str) -> String {
        url.replacen(&host_port(url), &self.addr.to_string(), 1)
    }

    /// Drops every connection open through the proxy, at both ends.
    pub fn cut(&self) {
        let mut st = self.state.lock().unwrap();
        for conn in st.connections.drain(..) {
            conn.abort();
        }
    }

    /// Refuses (closes at once) new connections, or takes them again.
    pub fn refuse(&self, yes: bool) {
        self.state.lock().unwrap().refusing = yes;
    }

    /// How many connections it has forwarded.
    pub fn accepted(&self) -> usize {
        self.state.lock().unwrap().accepted
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// `host:port` of a URL.
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, hp)| hp)
        .to_owned()
}
