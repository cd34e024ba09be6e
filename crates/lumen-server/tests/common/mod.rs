//! A tiny Router served by `lumen-server` on loopback, and a raw HTTP/1.1 client that can
//! connect from any 127.0.0.0/8 address.

// Not every test binary uses every helper.
#![allow(dead_code)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::routing::{get, post};
use lumen_server::{ServeError, Server, ServerLimits, ServerStats};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Size of the `/big` response: far more than loopback socket buffers hold.
pub(crate) const BIG: usize = 64 << 20;

/// The test Router: `/hello`, `/echo` (POST), `/slow` (30 s), `/nap` (300 ms), `/big`, `/peer`.
pub(crate) fn app() -> Router {
    Router::new()
        .route("/hello", get(|| async { "hello\n" }))
        .route("/echo", post(|body: Bytes| async move { body }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late\n"
            }),
        )
        .route(
            "/nap",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "rested\n"
            }),
        )
        .route("/big", get(|| async { vec![b'x'; BIG] }))
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() }),
        )
}

/// Short limits for tests: every timeout 1 s, 16 connections, 8 per client, no rate limit to speak of.
pub(crate) fn quick() -> ServerLimits {
    let mut l = ServerLimits::default();
    let second = Duration::from_secs(1);
    l.header_read_timeout = second;
    l.idle_timeout = second;
    l.body_read_timeout = second;
    l.handler_timeout = second;
    l.response_write_timeout = second;
    l.max_connections = 16;
    l.max_connections_per_client = 8;
    l.requests_per_second = 10_000;
    l.request_burst = 10_000;
    l.max_body_bytes = 64 * 1024;
    l.shutdown_grace = Duration::from_secs(2);
    l
}

/// A server running on 127.0.0.1:0.
pub(crate) struct Running {
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    /// Its counters.
    pub(crate) stats: Arc<ServerStats>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServeError>>,
}

impl Running {
    /// Starts [`app`] under `limits`.
    pub(crate) async fn start(limits: ServerLimits) -> Self {
        let server = Server::new(app(), limits).expect("valid limits");
        let stats = server.stats();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(listener, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            stats,
            stop: Some(stop),
            task,
        }
    }

    /// Asks the server to shut down and waits (at most 10 s) for `serve` to return.
    pub(crate) async fn stop(mut self) -> Result<(), ServeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .expect("serve returns within its grace period")
            .expect("serve did not panic")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(crate) use lumen_server::testing::connect_from;

/// A parsed response: status, headers (names lowercased), body.
pub(crate) type Response = (u16, Vec<(String, String)>, Vec<u8>);

/// The value of header `name`, if present.
pub(crate) fn header<'a>(r: &'a Response, name: &str) -> Option<&'a str> {
    r.1.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Reads one response (with a `Content-Length` body) from `s`.
pub(crate) async fn read_response(s: &mut TcpStream) -> std::io::Result<Response> {
    let bad = || std::io::Error::other("malformed HTTP response");
    let mut buf = Vec::new();
    let split = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 4096];
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..split].to_vec()).map_err(|_| bad())?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(bad)?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[split + 4..].to_vec();
    while body.len() < len {
        let mut chunk = vec![0u8; 64 * 1024];
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(len);
    Ok((status, headers, body))
}

/// Sends `GET path` (keep-alive) on `s` and reads the response.
pub(crate) async fn get_on(s: &mut TcpStream, path: &str) -> std::io::Result<Response> {
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes())
        .await?;
    read_response(s).await
}

/// `GET path` over a fresh connection from `127.0.0.<host>`.
pub(crate) async fn get_from(host: u8, addr: SocketAddr, path: &str) -> std::io::Result<Response> {
    let mut s = connect_from(host, addr).await?;
    get_on(&mut s, path).await
}

/// Waits up to `within` for the server to close `s` (EOF or reset), discarding what it sends;
/// the time it took, or `None` if it is still open.
pub(crate) async fn closed_within(s: &mut TcpStream, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut chunk = vec![0u8; 64 * 1024];
    let deadline = start + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut chunk)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// Polls `cond` every 10 ms for up to `within`; whether it became true.
pub(crate) async fn eventually(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cond()
}
