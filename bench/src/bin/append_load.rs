//! Load test of durable appends over HTTP: starts `lumen log serve` on a fresh log, runs many
//! concurrent keep-alive clients that `POST /add` 1 KiB entries for a fixed time, and reports
//! acknowledged entries per second and the latency distribution (request sent → index received,
//! i.e. until the entry's batch is durable and checkpointed).
//!
//! `cargo run --release --manifest-path bench/Cargo.toml --bin append_load -- LUMEN_BIN [CLIENTS] [SECONDS] [MAX_DELAY_MS]`
//! (`bench/run.sh` builds the release `lumen` and passes it.)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn client(addr: String, id: usize, until: Instant) -> Vec<Duration> {
    let mut lat = Vec::new();
    let Ok(mut s) = TcpStream::connect(&addr).await else { return lat };
    let mut buf = vec![0u8; 4096];
    let mut n = 0u64;
    while Instant::now() < until {
        let mut entry = format!("client {id} entry {n} ").into_bytes();
        entry.resize(1024, b'x');
        n += 1;
        let req = format!("POST /add HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", entry.len());
        let t = Instant::now();
        if s.write_all(req.as_bytes()).await.is_err() || s.write_all(&entry).await.is_err() {
            break;
        }
        // Read one response: headers, then Content-Length bytes.
        let mut got = Vec::new();
        let ok = loop {
            let Ok(k) = s.read(&mut buf).await else { break false };
            if k == 0 {
                break false;
            }
            got.extend_from_slice(&buf[..k]);
            if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if got.len() >= end + 4 + len {
                    break head.starts_with("http/1.1 200");
                }
            }
        };
        if !ok {
            break;
        }
        lat.push(t.elapsed());
    }
    lat
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let lumen = std::fs::canonicalize(args.get(1).expect("usage: append_load LUMEN_BIN [CLIENTS] [SECONDS] [MAX_DELAY_MS]"))
        .expect("the lumen binary exists");
    let clients: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1024);
    let seconds: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
    let delay: u64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("lumen-append-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let init = Command::new(&lumen)
        .current_dir(&dir)
        .args(["log", "init", "--dir", "log", "--key", "log.key", "--origin", "bench.example/log"])
        .output()
        .expect("run lumen log init");
    assert!(init.status.success(), "lumen log init failed");
    let mut server = Command::new(&lumen)
        .current_dir(&dir)
        .args(["log", "serve", "--dir", "log", "--key", "log.key", "--listen", "127.0.0.1:0"])
        .args(["--max-batch", "65536", "--max-delay-ms", &delay.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start lumen log serve");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout")).read_line(&mut line).expect("address");
    let addr = line.trim().trim_start_matches("http://").to_owned();

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let start = Instant::now();
    let until = start + Duration::from_secs(seconds);
    let mut lat: Vec<Duration> = rt.block_on(async {
        let tasks: Vec<_> = (0..clients).map(|i| tokio::spawn(client(addr.clone(), i, until))).collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("client task"));
        }
        all
    });
    let elapsed = start.elapsed();
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    lat.sort_unstable();
    let pct = |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).copied().unwrap_or_default();
    println!(
        "{clients} clients, {seconds} s, max delay {delay} ms: {} durable appends of 1 KiB, {:.0}/s; latency p50 {:?} p99 {:?} max {:?}",
        lat.len(),
        lat.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        lat.last().copied().unwrap_or_default()
    );
}
