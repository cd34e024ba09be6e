//! Each protection of the serving loop, attacked on loopback: a real server, real sockets,
//! clients on 127.0.0.1–127.0.0.9. Every test is bounded in time (short server limits, and an
//! overall timeout) and stops its server.

// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{
    BIG, Running, closed_within, connect_from, eventually, get_from, get_on, header, quick,
    read_response,
};
use lumen_server::testing::slowloris;
use lumen_server::{Event, Limit, LimitsError, ServeError, Server, ServerLimits};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

/// Every test's overall bound.
const TEST_BOUND: Duration = Duration::from_secs(30);

async fn bounded<F: std::future::Future<Output = ()>>(test: F) {
    tokio::time::timeout(TEST_BOUND, test)
        .await
        .expect("test finished within its bound");
}

/// Slowloris: attackers on three addresses fill every connection with requests whose headers
/// never end (a byte every 200 ms) and reconnect as soon as they are cut. Each of their
/// connections is cut at the header read timeout, and meanwhile a legitimate client's requests
/// keep succeeding promptly (a full server evicts the longest-waiting attacker for it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_is_cut_at_the_header_timeout_while_legit_clients_are_served() {
    bounded(async {
        let mut limits = quick();
        limits.max_connections = 12;
        limits.max_connections_per_client = 4;
        let server = Running::start(limits).await;
        let addr = server.addr;
        let attacking = Arc::new(AtomicBool::new(true));
        let mut attackers = Vec::new();
        for host in 2..=4u8 {
            for _ in 0..4 {
                let attacking = attacking.clone();
                attackers.push(tokio::spawn(slowloris(
                    host,
                    addr,
                    b"GET /hello HTTP/1.1\r\nHost: x\r\n",
                    attacking,
                )));
            }
        }
        // Let the attack fill the server, then keep checking a legitimate client for 4 s.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let attack_end = Instant::now() + Duration::from_secs(4);
        let mut served = 0;
        while Instant::now() < attack_end {
            let asked = Instant::now();
            let r = tokio::time::timeout(Duration::from_secs(1), get_from(1, addr, "/hello"))
                .await
                .expect("legit request answered within 1 s")
                .unwrap_or_else(|e| panic!("legit request failed: {e} ({:?})", server.stats));
            assert_eq!(r.0, 200);
            assert!(asked.elapsed() < Duration::from_secs(1));
            served += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        attacking.store(false, Ordering::Relaxed);
        let mut cuts = 0;
        for a in attackers {
            let (longest, cut) = a.await.unwrap();
            // Header read timeout 1 s; a connection cut later than 2 s was not cut by it.
            assert!(longest < Duration::from_secs(2), "held for {longest:?}");
            cuts += cut;
        }
        assert!(served >= 10, "only {served} legit requests");
        assert!(cuts >= 12, "attackers were cut only {cuts} times");
        // Attackers are cut by the header timeout, or evicted by one another's reconnections.
        let (timed_out, evicted) = (
            server.stats.count(Event::HeaderReadTimeout),
            server.stats.count(Event::Evicted),
        );
        println!("{:?}", server.stats);
        assert!(
            timed_out >= 1 && timed_out + evicted >= 12,
            "{timed_out} + {evicted}"
        );
        server.stop().await.unwrap();
    })
    .await;
}

/// One client trickling a request's headers (a byte every 200 ms, so it is never idle) on an
/// otherwise empty server is cut at the header read timeout, counted as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickled_headers_are_cut_at_the_header_timeout() {
    bounded(async {
        let mut limits = quick();
        limits.idle_timeout = Duration::from_secs(10);
        let server = Running::start(limits).await;
        let mut s = connect_from(2, server.addr).await.unwrap();
        s.write_all(b"GET /hello HTTP/1.1\r\n").await.unwrap();
        let started = Instant::now();
        let (mut rd, mut wr) = s.into_split();
        let trickle = tokio::spawn(async move {
            for _ in 0..50 {
                tokio::time::sleep(Duration::from_millis(200)).await;
                if wr.write_all(b"X").await.is_err() {
                    return;
                }
            }
        });
        let mut sink = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), rd.read_to_end(&mut sink)).await;
        let took = started.elapsed();
        trickle.abort();
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(2),
            "cut after {took:?}"
        );
        assert_eq!(server.stats.count(Event::HeaderReadTimeout), 1);
        assert_eq!(server.stats.count(Event::IdleTimeout), 0);
        server.stop().await.unwrap();
    })
    .await;
}

/// A keep-alive connection that sends nothing after its response is closed at the idle
/// timeout, and so is a connection that never sends a byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_connections_are_closed_at_the_idle_timeout() {
    bounded(async {
        let mut limits = quick();
        limits.idle_timeout = Duration::from_millis(800);
        let server = Running::start(limits).await;
        let mut s = connect_from(1, server.addr).await.unwrap();
        assert_eq!(get_on(&mut s, "/hello").await.unwrap().0, 200);
        // Still open (keep-alive): a second request on it works.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(get_on(&mut s, "/hello").await.unwrap().0, 200);
        let idle = closed_within(&mut s, Duration::from_secs(3))
            .await
            .expect("idle keep-alive connection closed");
        assert!(idle >= Duration::from_millis(700), "closed after {idle:?}");
        let mut silent = connect_from(2, server.addr).await.unwrap();
        let t = closed_within(&mut silent, Duration::from_secs(3))
            .await
            .expect("silent connection closed");
        assert!(t >= Duration::from_millis(700), "closed after {t:?}");
        assert_eq!(server.stats.count(Event::IdleTimeout), 2);
        assert_eq!(server.stats.count(Event::HeaderReadTimeout), 0);
        server.stop().await.unwrap();
    })
    .await;
}

/// A body sent a byte every 200 ms is cut at the body read timeout with `408` and the
/// connection is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_are_cut_at_the_body_timeout_with_408() {
    bounded(async {
        let mut limits = quick();
        limits.handler_timeout = Duration::from_secs(5);
        let server = Running::start(limits).await;
        let mut s = connect_from(1, server.addr).await.unwrap();
        s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let (mut rd, mut wr) = s.into_split();
        let trickle = tokio::spawn(async move {
            for _ in 0..50 {
                if wr.write_all(b"a").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        let mut raw = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(4), rd.read_to_end(&mut raw)).await;
        let took = started.elapsed();
        trickle.abort();
        let text = String::from_utf8_lossy(&raw);
        assert!(text.starts_with("HTTP/1.1 408 "), "{text}");
        assert!(text.to_ascii_lowercase().contains("connection: close"));
        assert!(took < Duration::from_secs(3), "cut after {took:?}");
        assert_eq!(server.stats.count(Event::BodyReadTimeout), 1);
        server.stop().await.unwrap();
    })
    .await;
}

/// A client cannot open more than its share of connections: the one over the cap is answered
/// `503` and closed, while other clients are still served; a freed place can be reused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_per_client_cap_are_refused() {
    bounded(async {
        let mut limits = quick();
        limits.max_connections_per_client = 3;
        limits.idle_timeout = Duration::from_secs(10);
        let server = Running::start(limits).await;
        let addr = server.addr;
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(connect_from(2, addr).await.unwrap());
        }
        assert!(
            eventually(Duration::from_secs(2), || server.stats.open_connections()
                == 3)
            .await
        );
        let mut extra = connect_from(2, addr).await.unwrap();
        let r = read_response(&mut extra).await.unwrap();
        assert_eq!(r.0, 503);
        assert_eq!(header(&r, "retry-after"), Some("1"));
        assert!(
            closed_within(&mut extra, Duration::from_secs(1))
                .await
                .is_some()
        );
        assert_eq!(server.stats.count(Event::RefusedClientFull), 1);
        // Another client is unaffected.
        assert_eq!(get_from(3, addr, "/hello").await.unwrap().0, 200);
        // A held connection still works, and once one closes its place can be taken again.
        assert_eq!(get_on(&mut held[0], "/hello").await.unwrap().0, 200);
        drop(held.pop());
        assert!(
            eventually(Duration::from_secs(2), || server.stats.open_connections()
                == 2)
            .await
        );
        assert_eq!(get_from(2, addr, "/hello").await.unwrap().0, 200);
        assert_eq!(server.stats.count(Event::RefusedClientFull), 1);
        server.stop().await.unwrap();
    })
    .await;
}

/// When the server is full of connections waiting for a request, a new one closes the one
/// that has waited longest; when every connection is busy, the new one is refused with `503`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_server_evicts_the_longest_waiting_connection_or_refuses_if_all_are_busy() {
    bounded(async {
        let mut limits = quick();
        limits.max_connections = 4;
        limits.max_connections_per_client = 4;
        limits.idle_timeout = Duration::from_secs(10);
        limits.header_read_timeout = Duration::from_secs(10);
        limits.handler_timeout = Duration::from_secs(5);
        let server = Running::start(limits).await;
        let addr = server.addr;
        let mut idle = Vec::new();
        for i in 0..4 {
            idle.push(connect_from(2, addr).await.unwrap());
            let open = i + 1;
            assert!(
                eventually(Duration::from_secs(2), || server.stats.open_connections()
                    == open)
                .await
            );
        }
        assert_eq!(get_from(3, addr, "/hello").await.unwrap().0, 200);
        assert_eq!(server.stats.count(Event::Evicted), 1);
        assert!(
            closed_within(&mut idle[0], Duration::from_secs(1))
                .await
                .is_some(),
            "the oldest connection was evicted"
        );
        for s in &mut idle[1..] {
            assert!(
                closed_within(s, Duration::from_millis(100)).await.is_none(),
                "newer connections stay"
            );
        }
        drop(idle);
        assert!(
            eventually(Duration::from_secs(2), || server.stats.open_connections()
                == 0)
            .await
        );

        // Now every place is busy with a request: nothing can be evicted.
        let mut busy = Vec::new();
        for _ in 0..4 {
            let mut s = connect_from(2, addr).await.unwrap();
            s.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            busy.push(s);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut refused = connect_from(3, addr).await.unwrap();
        let r = read_response(&mut refused).await.unwrap();
        assert_eq!(r.0, 503);
        assert_eq!(server.stats.count(Event::RefusedServerFull), 1);
        assert_eq!(server.stats.count(Event::Evicted), 1);
        drop(busy);
        server.stop().await.unwrap();
    })
    .await;
}

/// Requests beyond a client's rate get `429` with `Retry-After`; other clients are unaffected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_over_the_rate_get_429_with_retry_after() {
    bounded(async {
        let mut limits = quick();
        limits.requests_per_second = 1;
        limits.request_burst = 2;
        let server = Running::start(limits).await;
        let mut s = connect_from(2, server.addr).await.unwrap();
        assert_eq!(get_on(&mut s, "/hello").await.unwrap().0, 200);
        assert_eq!(get_on(&mut s, "/hello").await.unwrap().0, 200);
        let r = get_on(&mut s, "/hello").await.unwrap();
        assert_eq!(r.0, 429);
        let wait: u64 = header(&r, "retry-after").unwrap().parse().unwrap();
        assert!((1..=2).contains(&wait), "Retry-After: {wait}");
        // The same client on a new connection is limited too (the key is the address).
        assert_eq!(get_from(2, server.addr, "/hello").await.unwrap().0, 429);
        assert_eq!(get_from(3, server.addr, "/hello").await.unwrap().0, 200);
        assert_eq!(server.stats.count(Event::RateLimited), 2);
        // After Retry-After, the client is served again.
        tokio::time::sleep(Duration::from_secs(wait)).await;
        assert_eq!(get_from(2, server.addr, "/hello").await.unwrap().0, 200);
        server.stop().await.unwrap();
    })
    .await;
}

/// A handler that outlasts the handler timeout is answered `503` and the connection closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_handlers_are_answered_503_at_the_handler_timeout() {
    bounded(async {
        let server = Running::start(quick()).await;
        let mut s = connect_from(1, server.addr).await.unwrap();
        let asked = Instant::now();
        let r = get_on(&mut s, "/slow").await.unwrap();
        assert_eq!(r.0, 503);
        assert_eq!(header(&r, "connection"), Some("close"));
        assert!(asked.elapsed() < Duration::from_secs(2));
        assert!(
            closed_within(&mut s, Duration::from_secs(1))
                .await
                .is_some()
        );
        assert_eq!(server.stats.count(Event::HandlerTimeout), 1);
        server.stop().await.unwrap();
    })
    .await;
}

/// A client that does not read its (large) response is disconnected at the response write
/// timeout instead of holding the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_readers_are_cut_at_the_response_write_timeout() {
    bounded(async {
        let server = Running::start(quick()).await;
        let mut s = connect_from(1, server.addr).await.unwrap();
        s.write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        assert!(
            eventually(Duration::from_secs(5), || server
                .stats
                .count(Event::ResponseWriteTimeout)
                == 1)
            .await
        );
        let mut got = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut got)).await;
        assert!(got.len() < BIG, "the whole response was sent");
        assert!(
            eventually(Duration::from_secs(2), || server.stats.open_connections()
                == 0)
            .await
        );
        server.stop().await.unwrap();
    })
    .await;
}

/// Oversized headers (bytes or count) get `431`; an oversized declared body gets `413` before
/// it is read, and an oversized chunked body gets `413` too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_and_bodies_are_refused() {
    bounded(async {
        let mut limits = quick();
        limits.max_header_bytes = 2048;
        limits.max_headers = 8;
        limits.max_body_bytes = 1000;
        let server = Running::start(limits).await;
        let addr = server.addr;

        let mut s = connect_from(1, addr).await.unwrap();
        let long = "a".repeat(4000);
        s.write_all(format!("GET /hello HTTP/1.1\r\nHost: x\r\nX-Long: {long}\r\n\r\n").as_bytes())
            .await
            .unwrap();
        assert_eq!(read_response(&mut s).await.unwrap().0, 431);

        let mut s = connect_from(1, addr).await.unwrap();
        let many: String = (0..20).map(|i| format!("X-{i}: v\r\n")).collect();
        s.write_all(format!("GET /hello HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes())
            .await
            .unwrap();
        assert_eq!(read_response(&mut s).await.unwrap().0, 431);

        let mut s = connect_from(1, addr).await.unwrap();
        s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
            .await
            .unwrap();
        let r = read_response(&mut s).await.unwrap();
        assert_eq!(r.0, 413);
        assert_eq!(server.stats.count(Event::BodyTooLarge), 1);

        let mut s = connect_from(1, addr).await.unwrap();
        let chunk = "b".repeat(600);
        s.write_all(
            format!(
                "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n0\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        assert_eq!(read_response(&mut s).await.unwrap().0, 413);

        // Within the limits, the same requests succeed.
        let mut s = connect_from(1, addr).await.unwrap();
        s.write_all(format!("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 600\r\n\r\n{chunk}").as_bytes())
            .await
            .unwrap();
        let r = read_response(&mut s).await.unwrap();
        assert_eq!((r.0, r.2.len()), (200, 600));
        server.stop().await.unwrap();
    })
    .await;
}

/// Handlers see the client's address (`ConnectInfo`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_see_the_peer_address() {
    bounded(async {
        let server = Running::start(quick()).await;
        let r = get_from(7, server.addr, "/peer").await.unwrap();
        assert_eq!((r.0, r.2.as_slice()), (200, &b"127.0.0.7"[..]));
        server.stop().await.unwrap();
    })
    .await;
}

/// At shutdown the server stops accepting and lets a request in progress finish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_progress_finish() {
    bounded(async {
        let server = Running::start(quick()).await;
        let addr = server.addr;
        let mut s = connect_from(1, addr).await.unwrap();
        s.write_all(b"GET /nap HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let stopping = tokio::spawn(server.stop());
        let r = read_response(&mut s).await.unwrap();
        assert_eq!((r.0, r.2.as_slice()), (200, &b"rested\n"[..]));
        stopping.await.unwrap().unwrap();
        assert!(connect_from(1, addr).await.is_err(), "no longer accepting");
    })
    .await;
}

/// Limits that would leave something unbounded are refused before serving.
#[test]
fn invalid_limits_are_refused_by_name() {
    let mut limits = ServerLimits::default();
    limits.header_read_timeout = Duration::ZERO;
    assert!(matches!(
        Server::new(common::app(), limits),
        Err(ServeError::InvalidLimits(LimitsError::Zero {
            limit: Limit::HeaderReadTimeout
        }))
    ));
    let mut limits = ServerLimits::default();
    limits.max_connections_per_client = limits.max_connections + 1;
    assert!(matches!(
        Server::new(common::app(), limits),
        Err(ServeError::InvalidLimits(
            LimitsError::PerClientAboveTotal { .. }
        ))
    ));
}
