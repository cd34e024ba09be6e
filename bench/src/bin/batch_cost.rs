//! Cost of one durable batch: `TileLog::append` of N 1 KiB entries on `FsStorage`, and the part of
//! it spent in `FsStorage::write_all` (flushing bundles and tiles) and the checkpoint write.
//!
//! `cargo run --release --manifest-path bench/Cargo.toml --bin batch_cost -- [ENTRIES] [BATCHES]`

use lumen_crypto::ExposeSecret;
use lumen_tlog::note::{Ed25519NoteSigner, generate_key};
use lumen_tlog::storage::{FsStorage, TileWriter};
use lumen_tlog::writer::TileLog;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2048);
    let batches: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("lumen-batch-cost-{}", std::process::id()));
    let key = generate_key("bench.example/cost").expect("key");
    let signer = Ed25519NoteSigner::from_signer_key(key.signer_key.expose_secret()).expect("signer");
    let mut log = TileLog::create(FsStorage::new(&dir).expect("dir"), "bench.example/cost", signer).expect("log");
    let entries: Vec<Vec<u8>> = (0..n).map(|i| vec![(i % 251) as u8; 1024]).collect();
    let mut total = Duration::ZERO;
    for _ in 0..batches {
        let t = Instant::now();
        log.append(&entries).expect("append");
        total += t.elapsed();
    }
    let per = total / batches as u32;
    // The same number of files, flushed the same way, without the log.
    let files: Vec<(String, Vec<u8>)> = (0..(n / 256 * 2 + 2)).map(|i| (format!("x/f{i}"), vec![7u8; 64 * 1024])).collect();
    let store = FsStorage::new(dir.join("raw")).expect("raw");
    let t = Instant::now();
    for _ in 0..batches {
        store.write_all(&files).expect("write_all");
        store.write("x/checkpoint", b"checkpoint").expect("write");
    }
    let raw = t.elapsed() / batches as u32;
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{n} entries per batch: append {per:?} ({:.0} entries/s); {} files via write_all + 1 write: {raw:?}",
        n as f64 / per.as_secs_f64(),
        files.len()
    );
}
