//! Descriptor exhaustion: when `accept` fails with `EMFILE`, the loop backs off (it neither
//! spins nor exits) and serves the waiting connections once descriptors are free again.
//!
//! This lowers the process's open-file limit, so it is the only test in its binary.

// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Running, get_on, quick};
use lumen_server::Event;
use rlimit::Resource;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::TcpSocket;

/// The highest descriptor open in this process.
fn highest_fd() -> u64 {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .max()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_backs_off_when_descriptors_run_out_and_recovers() {
    tokio::time::timeout(Duration::from_secs(30), async {
        let server = Running::start(quick()).await;
        // The loop is up (it checked the limit before accepting): one request is served.
        let mut first = common::connect_from(1, server.addr).await.unwrap();
        assert_eq!(get_on(&mut first, "/hello").await.unwrap().0, 200);
        drop(first);
        // Its descriptor is closed before the rest are taken.
        assert!(
            common::eventually(Duration::from_secs(2), || server.stats.open_connections()
                == 0)
            .await
        );
        let accepted_before = server.stats.count(Event::Accepted);
        // The clients' sockets exist before descriptors run out; connecting needs no new one.
        let sockets: Vec<TcpSocket> = (0..3)
            .map(|_| {
                let s = TcpSocket::new_v4().unwrap();
                s.bind(SocketAddr::from((Ipv4Addr::new(127, 0, 0, 2), 0)))
                    .unwrap();
                s
            })
            .collect();
        let (soft, hard) = rlimit::getrlimit(Resource::NOFILE).unwrap();
        rlimit::setrlimit(Resource::NOFILE, highest_fd() + 1, hard).unwrap();
        // Take every free descriptor below the limit.
        let mut hog = Vec::new();
        while let Ok(f) = std::fs::File::open("/dev/null") {
            hog.push(f);
        }
        let mut streams = Vec::new();
        for s in sockets {
            streams.push(s.connect(server.addr).await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let errors = server.stats.count(Event::AcceptError);
        let accepted = server.stats.count(Event::Accepted) - accepted_before;
        drop(hog);
        rlimit::setrlimit(Resource::NOFILE, soft, hard).unwrap();

        // Backing off (10 ms doubling to 1 s) allows about 8 attempts in 1.5 s; a spinning loop
        // would fail thousands of times.
        assert!((1..=20).contains(&errors), "{errors} accept errors");
        assert_eq!(accepted, 0);
        // Once descriptors are free, the waiting connections are accepted and served.
        for s in &mut streams {
            let r = tokio::time::timeout(Duration::from_secs(3), get_on(s, "/hello"))
                .await
                .expect("served after recovery")
                .unwrap();
            assert_eq!(r.0, 200);
        }
        server.stop().await.unwrap();
    })
    .await
    .expect("test finished within its bound");
}
