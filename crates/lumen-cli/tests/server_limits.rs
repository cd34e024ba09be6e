//! End-to-end tests of the client limits of `lumen log serve` (issue 21 item 4), through the
//! real binary on loopback: a slowloris attack from several addresses while a legitimate client
//! reads the checkpoint and appends, and the rate limit. Bounded in count and time.

// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Server;
use lumen_server::testing::{connect_from, slowloris};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

const ORIGIN: &str = "log.example.com/limits";

/// One request over a fresh connection from `127.0.0.<host>`; the status and body.
async fn request(
    host: u8,
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = connect_from(host, addr).await?;
    s.write_all(
        format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .await?;
    s.write_all(body).await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    let bad = || std::io::Error::other("malformed HTTP response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(bad)?;
    let status = std::str::from_utf8(&raw[..split])
        .ok()
        .and_then(|h| h.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(bad)?;
    Ok((status, raw[split + 4..].to_vec()))
}

fn addr_of(server: &Server) -> SocketAddr {
    server.addr.parse().unwrap()
}

/// Slowloris against the binary: attackers on 127.0.0.2–4 hold every connection with headers
/// that never end and reconnect when cut. Each attacker connection is cut within the header
/// timeout (plus slack), and a legitimate client on 127.0.0.1 keeps reading `/checkpoint` and
/// appending within a second each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_does_not_starve_checkpoint_readers_or_appenders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::init_log(dir, ORIGIN);
    let server = Server::start_with(
        dir,
        20,
        &[
            "--header-timeout-secs",
            "1",
            "--idle-timeout-secs",
            "1",
            "--max-connections",
            "12",
            "--max-connections-per-ip",
            "4",
        ],
    );
    let addr = addr_of(&server);
    tokio::time::timeout(Duration::from_secs(30), async {
        let attacking = Arc::new(AtomicBool::new(true));
        let mut attackers = Vec::new();
        for host in 2..=4u8 {
            for _ in 0..4 {
                let attacking = attacking.clone();
                attackers.push(tokio::spawn(slowloris(
                    host,
                    addr,
                    b"GET /checkpoint HTTP/1.1\r\nHost: x\r\n",
                    attacking,
                )));
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let end = Instant::now() + Duration::from_secs(4);
        let mut served = 0;
        while Instant::now() < end {
            let asked = Instant::now();
            let (status, body) = tokio::time::timeout(
                Duration::from_secs(1),
                request(1, addr, "GET", "/checkpoint", b""),
            )
            .await
            .expect("checkpoint answered within 1 s")
            .expect("checkpoint request completed");
            assert_eq!(status, 200);
            assert!(body.starts_with(ORIGIN.as_bytes()));
            let (status, _) = tokio::time::timeout(
                Duration::from_secs(1),
                request(
                    1,
                    addr,
                    "POST",
                    "/add",
                    format!("entry {served}").as_bytes(),
                ),
            )
            .await
            .expect("append answered within 1 s")
            .expect("append request completed");
            assert_eq!(status, 200);
            assert!(asked.elapsed() < Duration::from_secs(2));
            served += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        attacking.store(false, Ordering::Relaxed);
        let mut cuts = 0;
        for a in attackers {
            let (longest, cut) = a.await.unwrap();
            assert!(longest < Duration::from_secs(2), "held for {longest:?}");
            cuts += cut;
        }
        assert!(served >= 8, "only {served} legitimate rounds");
        assert!(cuts >= 12, "attackers were cut only {cuts} times");
    })
    .await
    .expect("test finished within its bound");
    server.stop();
}

/// Requests beyond `--rate-per-ip`/`--burst-per-ip` get `429` with `Retry-After`; another
/// address is unaffected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_over_the_rate_get_429() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::init_log(dir, ORIGIN);
    let server = Server::start_with(dir, 20, &["--rate-per-ip", "1", "--burst-per-ip", "3"]);
    let addr = addr_of(&server);
    tokio::time::timeout(Duration::from_secs(30), async {
        for _ in 0..3 {
            assert_eq!(
                request(2, addr, "GET", "/checkpoint", b"").await.unwrap().0,
                200
            );
        }
        let mut s = connect_from(2, addr).await.unwrap();
        s.write_all(b"GET /checkpoint HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        let head = String::from_utf8_lossy(&raw).to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 429 "), "{head}");
        assert!(head.contains("\r\nretry-after: 1\r\n"), "{head}");
        assert_eq!(
            request(3, addr, "GET", "/checkpoint", b"").await.unwrap().0,
            200
        );
    })
    .await
    .expect("test finished within its bound");
    server.stop();
}

/// Limits that would leave something unbounded are refused before the server starts.
#[test]
fn a_zero_limit_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::init_log(dir, ORIGIN);
    assert_cmd::Command::cargo_bin("lumen")
        .unwrap()
        .current_dir(dir)
        .args(common::LOG_SERVE)
        .args(["--idle-timeout-secs", "0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("idle_timeout is zero"));
}
