//! Broker helpers: the test broker's URL, per-test exchange and queue names (so tests run in
//! parallel on one RabbitMQ), and a TCP proxy that simulates a broker outage for one test
//! without stopping the shared broker.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The local throwaway RabbitMQ (see INFRA-NOTES.md).
pub const DEFAULT_AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5673/%2f";

/// The test broker's URL from `QMF_TEST_AMQP_URL`, or the local throwaway node.
pub fn amqp_url() -> String {
    std::env::var("QMF_TEST_AMQP_URL").unwrap_or_else(|_| DEFAULT_AMQP_URL.to_string())
}

/// The socket address of the test broker, e.g. as the target of a [`TcpProxy`].
pub fn amqp_socket_addr() -> SocketAddr {
    let url = amqp_url();
    let (_, host_port, _) = split_url(&url);
    let host_port = if host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        host_port.to_string()
    } else {
        format!("{host_port}:5672")
    };
    match host_port.to_socket_addrs().map(|mut addrs| addrs.next()) {
        Ok(Some(addr)) => addr,
        Ok(None) => panic!("{host_port} resolves to no address"),
        Err(e) => panic!("cannot resolve the test broker {host_port}: {e}"),
    }
}

/// A fresh exchange name (`qmf.events.t<uuid>`) and queue prefix (`t<uuid>.`), so that a test
/// neither sees nor steals another test's messages.
pub fn unique_names() -> (String, String) {
    let id = uuid::Uuid::new_v4().simple();
    (format!("qmf.events.t{id}"), format!("t{id}."))
}

/// Splits `scheme://user:pass@host:port/rest` into (`scheme://user:pass@`, `host:port`, `/rest`).
fn split_url(url: &str) -> (&str, &str, &str) {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[authority_start..]
        .find('/')
        .map_or(url.len(), |i| authority_start + i);
    let host_start = url[authority_start..authority_end]
        .rfind('@')
        .map_or(authority_start, |i| authority_start + i + 1);
    (
        &url[..host_start],
        &url[host_start..authority_end],
        &url[authority_end..],
    )
}

/// A TCP forwarder in front of the broker. While it is down it cuts every live connection and
/// closes new ones at once, which is what clients see when the broker becomes unreachable.
#[derive(Debug)]
pub struct TcpProxy {
    local_addr: SocketAddr,
    state: Arc<ProxyState>,
    accept_task: JoinHandle<()>,
}

#[derive(Debug)]
struct ProxyState {
    target: SocketAddr,
    /// Guarded together with the connection list so that no connection slips through while
    /// the proxy goes down.
    down: AtomicBool,
    connections: Mutex<Vec<JoinHandle<()>>>,
}

impl ProxyState {
    fn connections(&self) -> MutexGuard<'_, Vec<JoinHandle<()>>> {
        // A panic while holding the lock leaves only a list of task handles: still usable.
        self.connections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl TcpProxy {
    /// Starts forwarding from a fresh port on 127.0.0.1 to `target`. Must be called inside a
    /// tokio runtime; the proxy lives until it is dropped.
    pub fn start(target: SocketAddr) -> TcpProxy {
        let listener = match std::net::TcpListener::bind("127.0.0.1:0") {
            Ok(listener) => listener,
            Err(e) => panic!("proxy cannot bind 127.0.0.1:0: {e}"),
        };
        if let Err(e) = listener.set_nonblocking(true) {
            panic!("proxy cannot make its listener non-blocking: {e}");
        }
        let local_addr = match listener.local_addr() {
            Ok(addr) => addr,
            Err(e) => panic!("proxy has no local address: {e}"),
        };
        let listener = match TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(e) => panic!("proxy needs a tokio runtime: {e}"),
        };
        let state = Arc::new(ProxyState {
            target,
            down: AtomicBool::new(false),
            connections: Mutex::new(Vec::new()),
        });
        let accept_task = tokio::spawn(accept_loop(listener, state.clone()));
        TcpProxy {
            local_addr,
            state,
            accept_task,
        }
    }

    /// The address clients connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `amqp_url` with its host and port replaced by the proxy's, credentials and vhost kept.
    pub fn url_for(&self, amqp_url: &str) -> String {
        let (prefix, _, rest) = split_url(amqp_url);
        format!("{prefix}{}{rest}", self.local_addr)
    }

    /// Down: cut all live connections and refuse new ones. Up: forward again.
    pub fn set_down(&self, down: bool) {
        let mut connections = self.state.connections();
        self.state.down.store(down, Ordering::SeqCst);
        if down {
            for connection in connections.drain(..) {
                connection.abort();
            }
        }
    }

    /// Whether the proxy is currently down.
    pub fn is_down(&self) -> bool {
        self.state.down.load(Ordering::SeqCst)
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept_task.abort();
        for connection in self.state.connections().drain(..) {
            connection.abort();
        }
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<ProxyState>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let mut connections = state.connections();
        connections.retain(|c| !c.is_finished());
        if state.down.load(Ordering::SeqCst) {
            // Dropping the socket closes it: the client sees the broker as unreachable.
            drop(client);
            continue;
        }
        connections.push(tokio::spawn(forward(client, state.target)));
    }
}

/// Copies bytes both ways until either side closes; aborting the task closes both sockets.
async fn forward(mut client: TcpStream, target: SocketAddr) {
    let Ok(mut upstream) = TcpStream::connect(target).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn splits_urls() {
        assert_eq!(
            split_url("amqp://guest:guest@127.0.0.1:5673/%2f"),
            ("amqp://guest:guest@", "127.0.0.1:5673", "/%2f")
        );
        assert_eq!(split_url("amqp://h:1"), ("amqp://", "h:1", ""));
    }

    #[tokio::test]
    async fn forwards_and_goes_down() {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let echo_addr = echo.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = echo.accept().await.unwrap();
                tokio::spawn(async move {
                    let (mut r, mut w) = socket.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        let proxy = TcpProxy::start(echo_addr);
        assert_eq!(
            proxy.url_for("amqp://guest:guest@127.0.0.1:5673/%2f"),
            format!("amqp://guest:guest@{}/%2f", proxy.local_addr())
        );

        let mut conn = TcpStream::connect(proxy.local_addr()).await.unwrap();
        conn.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        conn.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");

        proxy.set_down(true);
        let mut rest = Vec::new();
        // The live connection is cut: reading ends (EOF or reset).
        let _ = conn.read_to_end(&mut rest).await;
        let mut refused = TcpStream::connect(proxy.local_addr()).await.unwrap();
        let n = refused.read(&mut buf).await.unwrap_or(0);
        assert_eq!(n, 0);

        proxy.set_down(false);
        let mut again = TcpStream::connect(proxy.local_addr()).await.unwrap();
        again.write_all(b"pong").await.unwrap();
        again.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"pong");
    }
}
