//! Criterion benchmarks for `lumen_tlog::appender`: durable appends of 1 KiB entries from 8
//! concurrent clients to a log on the local filesystem (`FsStorage`, one set of fsyncs per batch).
//!
//! Run with `cargo bench -p lumen-tlog --bench appender`. Throughput is reported per element (one
//! acknowledged append); after each case the p50/p99 latency from submission to acknowledgement
//! and the mean batch size are printed to stderr.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lumen_crypto::ExposeSecret;
use lumen_tlog::appender::{Appender, AppenderOptions};
use lumen_tlog::note::{Ed25519NoteSigner, generate_key};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: u64 = 8;
const ENTRY_LEN: usize = 1024;
const ORIGIN: &str = "example.com/log/bench";

/// Runs `iters` appends spread over `CLIENTS` threads, each keeping up to `window` entries in
/// flight (1 = blocking `append`), recording every entry's latency; returns the time taken per
/// `iters` appends.
fn run(
    appender: &Appender,
    iters: u64,
    window: usize,
    latencies: &Mutex<Vec<Duration>>,
) -> Duration {
    let per_client = iters.div_ceil(CLIENTS);
    let start = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let a = appender.clone();
            std::thread::spawn(move || {
                let mut lat = Vec::with_capacity(per_client as usize);
                let mut entry = vec![c as u8; ENTRY_LEN];
                let mut sent = 0;
                while sent < per_client {
                    let n = (per_client - sent).min(window as u64);
                    let pending: Vec<_> = (0..n)
                        .map(|k| {
                            entry[..8].copy_from_slice(&(sent + k).to_le_bytes());
                            (Instant::now(), a.submit(entry.clone()).unwrap())
                        })
                        .collect();
                    for (t, p) in pending {
                        p.wait().unwrap();
                        lat.push(t.elapsed());
                    }
                    sent += n;
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in threads {
        all.extend(t.join().unwrap());
    }
    let elapsed = start.elapsed();
    latencies.lock().unwrap().extend(all);
    // Scale to exactly `iters` appends (the clients did `per_client * CLIENTS`).
    elapsed.mul_f64(iters as f64 / (per_client * CLIENTS) as f64)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn appender(c: &mut Criterion) {
    let key = generate_key(ORIGIN).unwrap();
    let mut g = c.benchmark_group("appender_fs_1KiB_8_clients");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(1));
    let cases = [
        ("blocking_default_50ms", Duration::from_millis(50), 1),
        ("blocking_2ms", Duration::from_millis(2), 1),
        ("window64_2ms", Duration::from_millis(2), 64),
        ("window512_10ms", Duration::from_millis(10), 512),
    ];
    for (name, max_delay, window) in cases {
        let dir = tempfile::tempdir().unwrap();
        let signer = Ed25519NoteSigner::from_signer_key(key.signer_key.expose_secret()).unwrap();
        let options = AppenderOptions {
            max_delay,
            ..AppenderOptions::default()
        };
        let a = Appender::create_fs(dir.path(), ORIGIN, signer, options).unwrap();
        let latencies = Arc::new(Mutex::new(Vec::new()));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| run(&a, iters, window, &latencies))
        });
        let mut lat = std::mem::take(&mut *latencies.lock().unwrap());
        lat.sort_unstable();
        if lat.is_empty() {
            // The case was filtered out on the command line.
            a.shutdown().unwrap();
            continue;
        }
        let stats = a.stats();
        eprintln!(
            "{name}: {} appends, latency p50 {:?} p99 {:?}, {} batches, {:.1} entries/batch",
            lat.len(),
            percentile(&lat, 0.50),
            percentile(&lat, 0.99),
            stats.batches,
            stats.entries as f64 / stats.batches.max(1) as f64
        );
        a.shutdown().unwrap();
    }
    g.finish();
}

criterion_group!(benches, appender);
criterion_main!(benches);
