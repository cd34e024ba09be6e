//! Attack clients for tests of servers built on this crate (feature `test-support`): lumen-server's
//! own tests and lumen-cli's tests of `lumen log serve` drive the same slowloris attacker.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

/// A TCP connection to `addr` from `127.0.0.<host>`, so that the server sees a distinct client.
pub async fn connect_from(host: u8, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((Ipv4Addr::new(127, 0, 0, host), 0)))?;
    socket.connect(addr).await
}

/// One slowloris attacker from `127.0.0.<host>`: while `attacking` holds, it connects, sends
/// `head` (a request line and headers that never end), then one more header byte every 200 ms,
/// and reconnects as soon as the server cuts it. Returns the longest time any of its connections
/// stayed open and how many the server cut.
pub async fn slowloris(
    host: u8,
    addr: SocketAddr,
    head: &'static [u8],
    attacking: Arc<AtomicBool>,
) -> (Duration, u32) {
    let (mut longest, mut cut) = (Duration::ZERO, 0u32);
    while attacking.load(Ordering::Relaxed) {
        let Ok(mut s) = connect_from(host, addr).await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let opened = Instant::now();
        let _ = s.write_all(head).await;
        let mut buf = [0u8; 512];
        loop {
            tokio::select! {
                r = s.read(&mut buf) => {
                    if matches!(r, Ok(0) | Err(_)) { cut += 1; break; }
                }
                () = tokio::time::sleep(Duration::from_millis(200)) => {
                    if !attacking.load(Ordering::Relaxed) { break; }
                    if s.write_all(b"X").await.is_err() { cut += 1; break; }
                }
            }
        }
        longest = longest.max(opened.elapsed());
    }
    (longest, cut)
}
